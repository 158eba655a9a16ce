//! Sees through wrappers (`sudo`, `env`, `nice`, `xargs`, ...) and variable assignments to the
//! program that actually runs, and finds the scripts nested in `sh -c`, `eval` and the like.

use super::flags;
use super::payload::Payload;

/// A word of a command as the rules see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arg {
    /// The word after quote removal, with look-alike characters folded to ASCII.
    pub text: String,
    /// The word held look-alike characters.
    pub disguised: bool,
    /// The word holds a command substitution that downloads something.
    pub fetched: bool,
    /// The word holds a command substitution that decodes something (see [`Payload`]).
    pub payload: Option<Payload>,
}

/// The program that runs and its arguments, once wrappers are peeled off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// Lower-case base name without `.exe`: `/usr/bin/RM.exe` is `rm`.
    pub program: String,
    pub args: Vec<String>,
    /// Runs through `sudo`, `doas` or the like.
    pub elevated: bool,
    /// The program name was spelt with look-alike characters.
    pub disguised: bool,
    /// The program name itself comes from downloaded content, as in `$(curl ...)`.
    pub program_fetched: bool,
    /// Some argument comes from downloaded content, as in `bash <(curl ...)`.
    pub args_fetched: bool,
    /// The program word is decoded at run time, as in `$(echo .. | base64 -d)`.
    pub program_payload: Option<Payload>,
    /// The first argument decoded at run time, as in `source <(base64 -d x)`.
    pub args_payload: Option<Payload>,
}

/// Stands for arguments `xargs` reads from an input we cannot see.
pub const UNSEEN_INPUT: &str = "<input>";

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "rbash", "tcsh", "csh", "yash", "busybox-sh"];

const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "php",
    "lua",
    "deno",
    "bun",
    "pwsh",
    "powershell",
    "iex",
    "invoke-expression",
    "source",
    ".",
    "osascript",
    "tclsh",
    "rscript",
    "pypy",
    "pypy3",
    "luajit",
];

pub fn is_shell(program: &str) -> bool {
    SHELLS.contains(&program)
}

/// Programs that run code named or given in their arguments: shells, `eval`, `source`,
/// PowerShell's `Invoke-Expression`, and the script interpreters.
pub fn executes_arguments(program: &str) -> bool {
    is_shell(program) || INTERPRETERS.contains(&program) || program == "eval"
}

/// True when the invocation executes code it reads from standard input (`sh`, `python -`).
pub fn runs_stdin(inv: &Invocation) -> bool {
    if !is_shell(&inv.program) && !INTERPRETERS.contains(&inv.program.as_str()) {
        return false;
    }
    if nested_script(inv).is_some() {
        return false;
    }
    let operands = flags::operands(&inv.args);
    operands.first().is_none_or(|first| *first == "-") || (is_shell(&inv.program) && flags::short(&inv.args, 's', "silxeuvnos"))
}

/// The base name of a program word, lower-cased and without `.exe`.
pub fn program_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word).to_lowercase();
    base.strip_suffix(".exe").map(str::to_string).unwrap_or(base)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Index of the first word after the options starting at `start`; options listed in
/// `with_value` consume the following word too.
fn skip_options(words: &[Arg], start: usize, with_value: &[&str]) -> usize {
    let mut i = start;
    while let Some(word) = words.get(i) {
        let text = word.text.as_str();
        if text == "--" {
            return i + 1;
        }
        if !text.starts_with('-') || text == "-" {
            break;
        }
        i += if with_value.contains(&text) { 2 } else { 1 };
    }
    i
}

/// Skips options, then `count` operands (like the duration of `timeout`).
fn skip_options_and_operands(words: &[Arg], start: usize, with_value: &[&str], count: usize) -> usize {
    (skip_options(words, start, with_value) + count).min(words.len())
}

/// Peels wrappers off `words`. `input` are the arguments `xargs` would read, when known.
/// `None` when nothing runs (an empty command, `command -v x`, a bare `sudo -v`).
pub fn unwrap(words: &[Arg], input: &[String]) -> Option<Invocation> {
    let mut i = 0;
    let mut elevated = false;
    let mut xargs: Option<XargsInput> = None;
    loop {
        while words.get(i).is_some_and(|w| is_assignment(&w.text)) {
            i += 1;
        }
        let word = words.get(i)?;
        let program = program_name(&word.text);
        let next = match program.as_str() {
            "sudo" | "doas" | "pkexec" | "run0" | "gosu" => {
                elevated = true;
                const VALUES: &[&str] = &[
                    "-u",
                    "-g",
                    "-h",
                    "-p",
                    "-C",
                    "-D",
                    "-r",
                    "-t",
                    "-U",
                    "-T",
                    "--user",
                    "--group",
                    "--host",
                    "--prompt",
                    "--chdir",
                    "--role",
                    "--type",
                    "--other-user",
                    "--close-from",
                ];
                let next = skip_options(words, i + 1, VALUES);
                if program == "gosu" {
                    (next + 1).min(words.len())
                } else {
                    next
                }
            }
            "env" => skip_options(words, i + 1, &["-u", "--unset", "-C", "--chdir"]),
            "nice" => skip_options(words, i + 1, &["-n", "--adjustment"]),
            "nohup" | "setsid" | "builtin" | "unbuffer" | "caffeinate" | "catchsegv" => i + 1,
            "time" => skip_options(words, i + 1, &["-f", "-o", "--format", "--output"]),
            "exec" => skip_options(words, i + 1, &["-a"]),
            "command" => {
                if words.get(i + 1).is_some_and(|w| w.text == "-v" || w.text == "-V") {
                    return None;
                }
                skip_options(words, i + 1, &[])
            }
            "timeout" => skip_options_and_operands(words, i + 1, &["-s", "--signal", "-k", "--kill-after"], 1),
            "stdbuf" => skip_options(words, i + 1, &["-i", "-o", "-e"]),
            "ionice" => skip_options(words, i + 1, &["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"]),
            "chrt" | "taskset" => skip_options_and_operands(words, i + 1, &[], 1),
            "chroot" => skip_options_and_operands(words, i + 1, &["--userspec", "--groups"], 1),
            "busybox" => i + 1,
            "xargs" => {
                const VALUES: &[&str] = &[
                    "-I",
                    "-n",
                    "-P",
                    "-L",
                    "-d",
                    "-s",
                    "-a",
                    "-E",
                    "--max-args",
                    "--max-procs",
                    "--delimiter",
                    "--arg-file",
                    "--replace",
                    "--max-lines",
                    "--eof",
                ];
                let replace = flags::value(&words_text(words, i + 1), &["-I", "--replace"]).map(str::to_string);
                xargs = Some(XargsInput { replace });
                let next = skip_options(words, i + 1, VALUES);
                if words.get(next).is_none() {
                    // Plain `xargs` runs `echo`.
                    return finish("echo", &[], input, xargs, elevated, word);
                }
                next
            }
            _ => {
                let rest = words.get(i + 1..).unwrap_or_default();
                return finish(&program, rest, input, xargs, elevated, word);
            }
        };
        if words.get(next).is_none() {
            // A wrapper with nothing to wrap: judge the wrapper itself (`sudo -i`, `su`).
            let rest = words.get(i + 1..).unwrap_or_default();
            return finish(&program, rest, &[], None, elevated, word);
        }
        i = next;
    }
}

struct XargsInput {
    replace: Option<String>,
}

fn words_text(words: &[Arg], start: usize) -> Vec<String> {
    words.get(start..).unwrap_or_default().iter().map(|w| w.text.clone()).collect()
}

fn finish(
    program: &str,
    rest: &[Arg],
    input: &[String],
    xargs: Option<XargsInput>,
    elevated: bool,
    program_word: &Arg,
) -> Option<Invocation> {
    let mut args: Vec<String> = rest.iter().map(|w| w.text.clone()).collect();
    if let Some(xargs) = xargs {
        let unseen = [UNSEEN_INPUT.to_string()];
        let input = if input.is_empty() { &unseen[..] } else { input };
        match xargs.replace {
            Some(token) if args.iter().any(|a| a.contains(&token)) => {
                let first = input.first().map(String::as_str).unwrap_or(UNSEEN_INPUT);
                args = args.iter().map(|a| a.replace(&token, first)).collect();
            }
            _ => args.extend(input.iter().cloned()),
        }
    }
    Some(Invocation {
        program: program.to_string(),
        args,
        elevated,
        disguised: program_word.disguised,
        program_fetched: program_word.fetched,
        args_fetched: rest.iter().any(|w| w.fetched),
        program_payload: program_word.payload.clone(),
        args_payload: rest.iter().find_map(|w| w.payload.clone()),
    })
}

/// The script an invocation runs as text: `sh -c S`, `eval S`, `su -c S`, `cmd /c S`,
/// `powershell -Command S`, `watch S`, `ssh host S`.
pub fn nested_script(inv: &Invocation) -> Option<String> {
    let args = &inv.args;
    let joined = |from: usize| -> Option<String> {
        let rest = args.get(from..)?;
        (!rest.is_empty()).then(|| rest.join(" "))
    };
    let position = |pred: &dyn Fn(&str) -> bool| args.iter().position(|a| pred(a));
    match inv.program.as_str() {
        p if is_shell(p) => {
            let c = position(&|a| {
                a == "--command"
                    || a.strip_prefix('-').is_some_and(|cluster| {
                        !cluster.starts_with('-') && cluster.contains('c') && cluster.chars().all(|ch| ch.is_ascii_alphabetic())
                    })
            })?;
            let after = args.get(c + 1..)?;
            let at = after.iter().position(|a| !a.starts_with('-'))?;
            let script = after.get(at)?;
            Some(with_positionals(script, after.get(at + 1..).unwrap_or_default()))
        }
        "eval" => joined(0),
        "su" | "runuser" => flags::value(args, &["-c", "--command", "--session-command"]).map(str::to_string),
        "cmd" => joined(position(&|a| a.eq_ignore_ascii_case("/c") || a.eq_ignore_ascii_case("/k"))? + 1),
        "powershell" | "pwsh" => {
            let command = position(&|a| {
                let name = a.to_ascii_lowercase();
                name.len() >= 2 && name.starts_with('-') && "-command".starts_with(&name)
            });
            match command {
                Some(at) => joined(at + 1),
                None => {
                    // `powershell "Remove-Item ..."` runs its first operand as a command.
                    let first = args.iter().position(|a| !a.starts_with('-'))?;
                    joined(first)
                }
            }
        }
        "watch" => joined(skip_text_options(args, &["-n", "--interval", "-d", "-q"])),
        "ssh" => {
            const VALUES: &[&str] = &[
                "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-I", "-m", "-O", "-Q", "-S", "-W", "-w",
                "-B",
            ];
            joined(skip_text_options(args, VALUES) + 1)
        }
        _ => None,
    }
}

/// Puts the arguments after `sh -c SCRIPT` in place of `$0`, `$1`... and `$@`, as the shell will.
fn with_positionals(script: &str, positionals: &[String]) -> String {
    let mut script = script.replace("$@", &positionals.get(1..).unwrap_or_default().join(" "));
    for (index, value) in positionals.iter().enumerate().take(10).rev() {
        script = script.replace(&format!("${{{index}}}"), value).replace(&format!("${index}"), value);
    }
    script
}

fn skip_text_options(args: &[String], with_value: &[&str]) -> usize {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if !arg.starts_with('-') {
            break;
        }
        i += if with_value.contains(&arg.as_str()) { 2 } else { 1 };
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Arg> {
        line.split_whitespace().map(|t| Arg { text: t.to_string(), ..Arg::default() }).collect()
    }

    fn run(line: &str) -> Option<(String, Vec<String>, bool)> {
        unwrap(&words(line), &[]).map(|inv| (inv.program, inv.args, inv.elevated))
    }

    fn program(line: &str) -> String {
        run(line).map(|(p, args, _)| format!("{p} {}", args.join(" "))).unwrap_or_default()
    }

    #[test]
    fn wrappers_are_peeled() {
        assert_eq!(program("sudo -u root nice -n 10 env -i X=1 /bin/rm -rf /"), "rm -rf /");
        assert_eq!(program("A=1 B=2 nohup time timeout -s KILL 10 ionice -c 3 stdbuf -oL rm x"), "rm x");
        assert_eq!(program("doas busybox rm x"), "rm x");
        assert_eq!(program("/usr/bin/sudo -- RM.exe y"), "rm y");
        assert_eq!(program("chroot /mnt taskset -c 1 command rm z"), "rm z");
        assert_eq!(program("xargs -0 -n 1 rm -rf"), "rm -rf <input>");
        assert_eq!(program("xargs -I {} mv {} /tmp"), "mv <input> /tmp");
        assert_eq!(program("xargs"), "echo <input>");
        assert_eq!(run("command -v rm"), None);
        assert_eq!(run("sudo -i"), Some(("sudo".to_string(), vec!["-i".to_string()], true)));
        assert!(run("sudo apt install x").is_some_and(|(_, _, elevated)| elevated));
        let input = ["/".to_string()];
        assert_eq!(unwrap(&words("xargs rm -rf"), &input).map(|i| i.args), Some(vec!["-rf".to_string(), "/".to_string()]));
    }

    #[test]
    fn nested_scripts() {
        let nested = |line: &str| unwrap(&words(line), &[]).and_then(|inv| nested_script(&inv));
        assert_eq!(nested("bash -lc ls").as_deref(), Some("ls"));
        assert_eq!(nested("sh -c").as_deref(), None);
        assert_eq!(nested("sh -c rm_$0_$1_$@ a b c").as_deref(), Some("rm_a_b_b c"));
        assert_eq!(nested("zsh script.sh"), None);
        assert_eq!(nested("eval rm -rf /").as_deref(), Some("rm -rf /"));
        assert_eq!(nested("su root -c whoami").as_deref(), Some("whoami"));
        assert_eq!(nested("cmd /C rd /s C:\\").as_deref(), Some("rd /s C:\\"));
        assert_eq!(nested("powershell -NoProfile -Command Get-Process").as_deref(), Some("Get-Process"));
        assert_eq!(nested("ssh -p 22 host uptime").as_deref(), Some("uptime"));
        assert_eq!(nested("watch -n 5 df -h").as_deref(), Some("df -h"));
    }

    #[test]
    fn stdin_readers() {
        let reads = |line: &str| unwrap(&words(line), &[]).is_some_and(|inv| runs_stdin(&inv));
        assert!(reads("sh") && reads("sudo bash") && reads("bash -s -- x") && reads("python3 -"));
        assert!(!reads("python3 app.py") && !reads("bash -c ls") && !reads("jq ."));
    }
}
