//! The terminal conversation after a suggestion: `Run it? [y/N/e(dit)/c(opy)/x(plain)]`.

use std::io::{BufRead, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;

use anyhow::{bail, Result};
use cmdai_engine::chat::Message;
use cmdai_engine::generate::{generate, GenerateOptions, SamplingParams};
use cmdai_safety::Decision;
use cmdai_workbench::suggest::{SuggestContext, Suggestion};
use futures::executor::block_on;

use super::render::{card, Style};
use super::{judge, run_in_shell, Judged};
use crate::cli::SuggestArgs;
use crate::history;
use crate::loaded::{InstantClock, LoadedModel};

/// What the user must type to run a blocked command with `--force`.
const FORCE_PHRASE: &str = "run it anyway";

pub struct Session<'a> {
    pub args: &'a SuggestArgs,
    pub ctx: &'a SuggestContext,
    pub request: &'a str,
    pub loaded: &'a LoadedModel,
    pub model_name: &'a str,
}

impl Session<'_> {
    pub fn run(&self, judged: Vec<Judged>) -> Result<ExitCode> {
        let style = Style::detect();
        let Some(mut current_judged) = self.choose(judged, &style)? else { return Ok(ExitCode::SUCCESS) };
        if self.args.dry_run {
            return Ok(ExitCode::SUCCESS);
        }
        let mut edited = false;
        if self.args.execute && current_judged.decision == Decision::Allow {
            return self.execute(&current_judged, edited);
        }
        loop {
            if current_judged.decision == Decision::Block && !self.args.force {
                eprintln!("Not running a blocked command (use --safety or --force to override).");
                return Ok(ExitCode::from(1));
            }
            let answer = ask("Run it? [y/N/e(dit)/c(opy)/x(plain)] ")?;
            match answer.as_str() {
                "y" | "yes" => {
                    if current_judged.decision == Decision::Block {
                        let typed = ask(&format!("This command is blocked. Type '{FORCE_PHRASE}' to run it: "))?;
                        if typed != FORCE_PHRASE {
                            eprintln!("Not run.");
                            return Ok(ExitCode::from(1));
                        }
                    }
                    return self.execute(&current_judged, edited);
                }
                "e" | "edit" => {
                    let Some(cmd) = edit_line(&current_judged.suggestion.cmd)? else { continue };
                    edited = true;
                    let suggestion = Suggestion { cmd, explanation: String::new() };
                    current_judged = judge(suggestion, self.request, self.args.safety);
                    print!("{}", card(&current_judged, None, &style));
                }
                "c" | "copy" => {
                    let via = crate::clipboard::copy(&current_judged.suggestion.cmd);
                    eprintln!("Copied to the clipboard ({via}).");
                    return Ok(ExitCode::SUCCESS);
                }
                "x" | "explain" => self.explain(&current_judged.suggestion.cmd)?,
                _ => return Ok(ExitCode::SUCCESS),
            }
        }
    }

    /// No terminal to ask on (piped): see [`unattended_action`].
    pub fn unattended(&self, judged: Vec<Judged>) -> Result<ExitCode> {
        let first = &judged[0];
        match unattended_action(first, self.args.execute) {
            Unattended::Print => {
                println!("{}", first.suggestion.cmd);
                Ok(ExitCode::SUCCESS)
            }
            Unattended::Run => self.execute(first, false),
            Unattended::Refuse(why) => bail!("{why}"),
        }
    }

    /// Shows the candidates; with several, asks which one to go on with.
    fn choose(&self, mut judged: Vec<Judged>, style: &Style) -> Result<Option<Judged>> {
        if judged.len() == 1 {
            print!("{}", card(&judged[0], None, style));
            return Ok(judged.pop());
        }
        for (i, j) in judged.iter().enumerate() {
            print!("{}", card(j, Some(i + 1), style));
        }
        if self.args.dry_run {
            return Ok(None);
        }
        let answer = ask(&format!("Which one? [1-{}, N to quit] ", judged.len()))?;
        match answer.parse::<usize>() {
            Ok(n) if (1..=judged.len()).contains(&n) => Ok(Some(judged.swap_remove(n - 1))),
            _ => Ok(None),
        }
    }

    fn execute(&self, j: &Judged, edited: bool) -> Result<ExitCode> {
        let code = run_in_shell(self.ctx.shell, &j.suggestion.cmd)?;
        let entry = history::Entry {
            time: history::now(),
            request: self.request.to_string(),
            cmd: j.suggestion.cmd.clone(),
            explanation: j.suggestion.explanation.clone(),
            risk: j.assessment.risk.to_string(),
            shell: self.ctx.shell.to_string(),
            cwd: self.ctx.cwd.clone(),
            model: self.model_name.to_string(),
            edited,
            exit_code: Some(code),
        };
        if let Err(e) = history::append(&entry) {
            eprintln!("cmdai: could not record the command in the history: {e:#}");
        }
        Ok(ExitCode::from(code.clamp(0, 255) as u8))
    }

    /// Streams the model's part-by-part explanation of `cmd`.
    fn explain(&self, cmd: &str) -> Result<()> {
        let messages = [
            Message::system(
                "You explain shell commands to developers: each part of the command in one short bullet, then any risk. No preamble.",
            ),
            Message::user(format!("Explain this {} command:\n{cmd}", self.ctx.shell)),
        ];
        let prompt = self.loaded.chat_template.render(&messages, true)?;
        let ids = self.loaded.tokenizer.encode(&prompt, false)?;
        let options = GenerateOptions { max_tokens: 300, sampling: SamplingParams::greedy(), stop_strings: Vec::new(), stop_at_eos: true };
        let mut stdout = std::io::stdout();
        block_on(generate(&self.loaded.model, &self.loaded.tokenizer, &ids, &options, &InstantClock::new(), |piece| {
            let _ = stdout.write_all(piece.as_bytes()).and_then(|_| stdout.flush());
            ControlFlow::Continue(())
        }))?;
        println!();
        Ok(())
    }
}

/// What happens to a suggestion when nobody can be asked.
#[derive(Debug, PartialEq, Eq)]
pub enum Unattended {
    /// Print the command alone, for a script or a shell function to use.
    Print,
    Run,
    Refuse(String),
}

/// Blocked commands are neither printed nor run; `--execute` runs only what the safety mode
/// allows without a question, since no question can be asked.
pub fn unattended_action(j: &Judged, execute: bool) -> Unattended {
    let a = &j.assessment;
    match j.decision {
        Decision::Block => Unattended::Refuse(format!("blocked ({} risk): {}", a.risk, a.reason())),
        Decision::Confirm if execute => {
            Unattended::Refuse(format!("not running a {} risk command without asking ({}): {}", a.risk, a.reason(), j.suggestion.cmd))
        }
        Decision::Allow if execute => Unattended::Run,
        _ => Unattended::Print,
    }
}

/// One trimmed, lower-cased answer line from the terminal; end of input reads as "no".
fn ask(question: &str) -> Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        bail!("no answer (end of input)");
    }
    Ok(line.trim().to_lowercase())
}

/// The command in a line editor, cursor at the end; `None` when the user cancels.
fn edit_line(cmd: &str) -> Result<Option<String>> {
    let mut editor = rustyline::DefaultEditor::new()?;
    match editor.readline_with_initial("edit> ", (cmd, "")) {
        Ok(line) if !line.trim().is_empty() => Ok(Some(line)),
        Ok(_) | Err(rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use cmdai_safety::SafetyMode;

    use super::*;

    fn judged(cmd: &str, mode: SafetyMode) -> Judged {
        judge(Suggestion { cmd: cmd.into(), explanation: String::new() }, "do something", mode)
    }

    #[test]
    fn unattended_runs_only_what_needs_no_question() {
        let moderate = SafetyMode::Moderate;
        assert_eq!(unattended_action(&judged("ls -la", moderate), false), Unattended::Print);
        assert_eq!(unattended_action(&judged("ls -la", moderate), true), Unattended::Run);
        assert_eq!(unattended_action(&judged("rm notes.txt", moderate), true), Unattended::Run);
        assert_eq!(unattended_action(&judged("rm notes.txt", SafetyMode::Strict), false), Unattended::Print);
        assert!(matches!(unattended_action(&judged("rm notes.txt", SafetyMode::Strict), true), Unattended::Refuse(_)));
        assert_eq!(unattended_action(&judged("git push --force", moderate), false), Unattended::Print);
        assert!(matches!(unattended_action(&judged("git push --force", moderate), true), Unattended::Refuse(_)));
        for execute in [false, true] {
            let blocked = unattended_action(&judged("sudo rm -rf --no-preserve-root /", moderate), execute);
            assert!(matches!(&blocked, Unattended::Refuse(why) if why.contains("blocked")), "{blocked:?}");
        }
    }
}
