//! Walks a parsed command line: every pipeline stage, every nested script (`$(..)`, `sh -c`,
//! `eval`, `find -exec`), applying the rules to what actually runs.

use super::invocation::{self, Arg, Invocation};
use super::payload::{self, Payload};
use super::rules::{self, network};
use super::{find, interpreter, lookalike, shell, Finding, Risk};

/// How deep nested scripts are followed; deeper nesting is itself suspicious.
pub const MAX_DEPTH: usize = 16;

/// Adds the findings for `source`, a command line as the user would type it.
pub fn command_line(source: &str, out: &mut Vec<Finding>) {
    script(source, 0, out);
}

fn too_deep() -> Finding {
    Finding::new(Risk::Moderate, format!("nested more than {MAX_DEPTH} levels deep; the innermost part was not checked"))
}

fn script(source: &str, depth: usize, out: &mut Vec<Finding>) {
    if depth > MAX_DEPTH {
        out.push(too_deep());
        return;
    }
    let parsed = shell::parse(source);
    if !parsed.complete {
        out.push(Finding::new(Risk::Moderate, "could not be parsed fully (unbalanced quotes, brackets or operators)"));
    }
    network::check_text(source, out);
    rules::forkbomb::check_script(&parsed, out);
    for pipeline in &parsed.pipelines {
        let mut stages: Vec<Invocation> = Vec::new();
        let mut previous_output: Vec<String> = Vec::new();
        for command in &pipeline.commands {
            let targets = command.redirects.iter().map(|r| &r.target);
            for substitution in command.words.iter().chain(targets).flat_map(|w| &w.substitutions) {
                script(&substitution.script, depth + 1, out);
            }
            rules::writes::check_redirects(&command.redirects, command.words.is_empty(), out);
            let args: Vec<Arg> = command.words.iter().map(to_arg).collect();
            let invocation = invocation::unwrap(&args, &previous_output);
            // What the command reads on stdin, when we can tell: a here-document or here-string,
            // else what echo/printf in the previous stage writes.
            let fed = command.redirects.iter().rev().find_map(|r| r.input.clone());
            let fed = fed.or_else(|| (!previous_output.is_empty()).then(|| previous_output.join(" ")));
            previous_output = invocation.as_ref().map(output_words).unwrap_or_default();
            if let Some(invocation) = invocation {
                judge(&invocation, depth, out);
                if let Some(code) = fed.filter(|_| invocation::runs_stdin(&invocation)) {
                    judge_code(&invocation, &code, depth, out);
                }
                stages.push(invocation);
            }
        }
        rules::check_pipeline(&stages, out);
    }
}

fn judge(invocation: &Invocation, depth: usize, out: &mut Vec<Finding>) {
    rules::check(invocation, out);
    for decoded in payload::executed(invocation) {
        match decoded {
            Payload::Literal(text) => {
                out.push(
                    Finding::new(Risk::Moderate, format!("runs code hidden in an encoded literal: {}", text.trim()))
                        .with_alternative("run the decoded command itself, where it can be read"),
                );
                script(text, depth + 1, out);
            }
            Payload::Hidden(decoder) => out.push(
                Finding::new(Risk::High, format!("runs hidden code: {decoder} decodes it at run time and it runs unseen"))
                    .with_alternative("decode it to the terminal first and read it"),
            ),
        }
    }
    if let Some(nested) = invocation::nested_script(invocation) {
        script(&nested, depth + 1, out);
    }
    match interpreter::inline_code(invocation) {
        Some(code) => judge_code(invocation, &code, depth, out),
        None if invocation.elevated && interpreter::runs_script_file(invocation) => {
            out.push(Finding::new(Risk::Moderate, format!("runs a {} script as root; cmdai cannot read what it does", invocation.program)))
        }
        None => {}
    }
    if find::is_find(invocation) {
        for words in find::exec_commands(invocation) {
            if depth >= MAX_DEPTH {
                out.push(too_deep());
                return;
            }
            let args: Vec<Arg> = words.into_iter().map(|text| Arg { text, ..Arg::default() }).collect();
            if let Some(inner) = invocation::unwrap(&args, &[]) {
                judge(&inner, depth + 1, out);
            }
        }
    }
}

/// Judges code given to an interpreter: the shell commands and deletions it makes, reverse
/// shells, and code run as root or on system paths, which is never rated harmless.
fn judge_code(inv: &Invocation, code: &str, depth: usize, out: &mut Vec<Finding>) {
    if depth >= MAX_DEPTH {
        out.push(too_deep());
        return;
    }
    for line in interpreter::shell_equivalents(&inv.program, code) {
        script(&line, depth + 1, out);
    }
    if interpreter::opens_reverse_shell(code) {
        out.push(network::reverse_shell(&format!("{} code", inv.program)));
    }
    let why = if inv.elevated { Some("as root") } else { interpreter::touches_system_paths(code).then_some("on system paths") };
    if let Some(why) = why {
        out.push(Finding::new(Risk::Moderate, format!("runs {} code {why}; cmdai cannot judge all of it", inv.program)));
    }
}

fn to_arg(word: &shell::Word) -> Arg {
    let (text, disguised) = lookalike::fold(&word.text);
    let fetched = word.substitutions.iter().any(|s| network::script_downloads(&s.script));
    let payload = word.substitutions.iter().find_map(|s| payload::decoded(&s.script));
    Arg { text, disguised, fetched, payload }
}

/// What a stage writes that `xargs` in the next stage turns into arguments, when we can tell.
fn output_words(invocation: &Invocation) -> Vec<String> {
    match invocation.program.as_str() {
        // A variable or substitution prints what cmdai cannot see: unknown input.
        "echo" | "printf" if invocation.args.iter().any(|a| a.contains(['$', '`'])) => Vec::new(),
        "echo" | "printf" => invocation.args.iter().filter(|a| !a.starts_with('-')).cloned().collect(),
        _ if find::is_find(invocation) => find::matched_paths(invocation),
        _ => Vec::new(),
    }
}
