//! Whether a command line is well-formed: quotes, substitutions and groups closed, operators with
//! their operands, compound commands (`if`, `for`, `while`, `case`) closed on the same line, and
//! every `find -exec` ended by `;` or `{} +`. A small model's broken command gets one
//! regeneration with the problem named (see cmdai-workbench's suggest).

use crate::invocation::program_name;
use crate::shell::{self, SimpleCommand};

/// What is wrong with `command`'s syntax, in words the model (and a user) understands.
pub fn syntax_problem(command: &str) -> Option<String> {
    let script = shell::parse(command);
    if !script.complete {
        return Some("the command is incomplete: a quote, bracket or $( ) is left open, or an operator lacks its operand".into());
    }
    if let Some(closer) = script.unclosed_compound {
        // The model meant to go on on the next line, which the one-line answer cut off.
        return Some(format!("it has no closing {closer}: write the whole command on one line, joined with ;"));
    }
    script.pipelines.iter().flat_map(|p| &p.commands).find_map(unterminated_exec)
}

/// `find`'s actions that run a command, which must end with `;` or `{} +`.
const EXEC_ACTIONS: [&str; 4] = ["-exec", "-execdir", "-ok", "-okdir"];

fn unterminated_exec(command: &SimpleCommand) -> Option<String> {
    let words: Vec<&str> = command.words.iter().map(|w| w.text.as_str()).collect();
    let find_at = words.iter().position(|w| program_name(w) == "find")?;
    let mut rest = &words[find_at + 1..];
    while let Some(start) = rest.iter().position(|w| EXEC_ACTIONS.contains(w)) {
        let action = rest[start];
        let after = &rest[start + 1..];
        let end = after.iter().enumerate().position(|(i, w)| *w == ";" || (*w == "+" && i > 0 && after[i - 1] == "{}"));
        let Some(end) = end else {
            return Some(format!("find {action} must end with \\; (or {{}} + to pass many files at once)"));
        };
        rest = &after[end + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_commands_pass() {
        for command in [
            "find . -name '*.tmp' -exec rm {} \\;",
            "find . -name '*.tmp' -exec rm {} ';'",
            "find . -type f -exec md5sum {} + | sort",
            "find src -name '*.rs' -execdir wc -l {} \\; -o -name '*.py' -ok rm {} \\;",
            "grep -rn \"TODO\" src | sed 's/\\.rs:/ /'",
            "printf '%s\\n' \"$(date +%F)\"",
            "ls -la",
            "for f in *.txt; do mv \"$f\" \"${f%.txt}.md\"; done",
            "if [ -e a ]; then echo yes; else echo no; fi",
            "while read -r l; do echo \"$l\"; done < list.txt",
            "echo for if while; grep -w done notes.txt",
        ] {
            assert_eq!(syntax_problem(command), None, "{command}");
        }
    }

    #[test]
    fn derailed_answers_are_named() {
        for (command, expected) in [
            ("find /x -type f -exec rm {} \",", "incomplete"),
            ("find /x -exec md5sum {} \\\\", "-exec must end"),
            ("find . -name '*.log' -exec gzip {}", "-exec must end"),
            ("find . -exec echo + ", "-exec must end"),
            ("find . -name a -exec rm {} \\; -o -exec cat {}", "-exec must end"),
            ("echo 'unclosed", "incomplete"),
            ("cat $(ls", "incomplete"),
            ("ls |", "incomplete"),
            ("for n in {1..5}; do", "no closing done"),
            ("if (( $(date +%Y) % 4 == 0 )); then", "no closing fi"),
            ("while read -r line; do echo \"$line\"", "closing done"),
            ("case $x in a) echo a;;", "incomplete"),
        ] {
            let problem = syntax_problem(command).unwrap_or_else(|| panic!("{command} passed"));
            assert!(problem.contains(expected), "{command}: {problem}");
        }
    }
}
