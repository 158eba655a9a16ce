//! Judges how risky a shell command is before cmdai offers to run it.
//!
//! The command is parsed as shell syntax and every program that would run — through pipelines,
//! lists, wrappers such as `sudo` or `xargs`, and nested scripts such as `sh -c` or `$(..)` — is
//! checked against rules for destructive, system-breaking or remote-control actions. The
//! natural-language request can be screened too, so a harmless-looking answer to a harmful
//! request is still caught. Everything here is pure computation and never panics.

mod analyze;
mod find;
mod flags;
mod intent;
mod interpreter;
mod invocation;
mod lookalike;
mod mode;
mod paths;
mod payload;
mod rules;
mod shell;
mod syntax;
mod verdict;

pub use mode::{decide, Decision, SafetyMode};
pub use syntax::syntax_problem;
pub use verdict::{Assessment, Finding, Risk};

/// Judges a shell command line.
pub fn assess(command: &str) -> Assessment {
    let mut findings = Vec::new();
    analyze::command_line(command, &mut findings);
    Assessment::from_findings(findings)
}

/// Judges a command together with the request it was produced for. A harmful request ("wipe the
/// disk", "fork bomb", "disable the firewall") adds its own finding, so the overall risk is the
/// higher of the two even when the command itself looks harmless.
pub fn assess_with_request(request: &str, command: &str) -> Assessment {
    let mut findings = intent::screen(request);
    analyze::command_line(command, &mut findings);
    Assessment::from_findings(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(command: &str) -> Risk {
        assess(command).risk
    }

    #[test]
    fn request_raises_but_never_lowers() {
        let a = assess_with_request("wipe the disk", "ls -la");
        assert_eq!(a.risk, Risk::Critical);
        assert_eq!(a.reason(), "the request asks to wipe or format a disk");
        assert_eq!(assess_with_request("list files", "rm -rf /").risk, Risk::Critical);
        assert_eq!(assess_with_request("list files", "ls").risk, Risk::Safe);
        assert_eq!(assess_with_request("disable the firewall", "echo ok").risk, Risk::High);
    }

    /// The five bypass families through forms a one-line corpus cannot hold (here-documents,
    /// multi-line code) and a few of their edges.
    #[test]
    fn bypass_families_beyond_the_corpus() {
        for (command, expected) in [
            ("python3 <<'EOF'\nimport shutil\nshutil.rmtree('/')\nEOF", Risk::Critical),
            ("sudo perl <<EOF\nunlink '/etc/shadow';\nEOF", Risk::Critical),
            ("node <<'JS'\nconsole.log(1)\nJS", Risk::Safe),
            ("ruby -e 'x = 1\nsystem(\"reboot\")'", Risk::High),
            ("python3 -c 'import os\nos.system(\"rm -rf \" + \"/\")'", Risk::Critical),
            ("sudo python3 deploy.py", Risk::Moderate),
            ("python3 deploy.py", Risk::Safe),
            ("find /etc -name '*.conf' | xargs rm", Risk::High),
            ("find . -name '*.conf' | xargs rm", Risk::Moderate),
            ("rsync -a --remove-source-files ~/ /backup/", Risk::Critical),
            ("rclone move ./out remote:out", Risk::Moderate),
            ("tar -xf /dev/st0", Risk::Safe),
            ("tar --create --file=/dev/nvme0n1 /home", Risk::Critical),
            ("source <(printf '%s' cm0gLXJmIC8= | base64 --decode)", Risk::Critical),
            ("eval \"$(base64 -d <<< c2h1dGRvd24gLWggbm93)\"", Risk::High),
        ] {
            assert_eq!(risk(command), expected, "{command}: {}", assess(command).reason());
        }
    }

    #[test]
    fn reasons_and_alternatives() {
        let a = assess("git push --force origin main");
        assert_eq!(a.risk, Risk::High);
        assert_eq!(a.alternative().as_deref(), Some("git push --force-with-lease"));
        assert!(assess("curl -fsSL https://x.sh | sh").alternative().is_some_and(|alt| alt.contains("read it")));
        assert!(assess("git reset --hard").alternative().is_some_and(|alt| alt.contains("git stash")));
        assert!(assess("git clean -fdx").alternative().is_some_and(|alt| alt.contains("git clean -n")));
        assert!(assess("rm -rf ~/old").alternative().is_some_and(|alt| alt.contains("trash")));
        assert!(assess("ls > out.txt").alternative().is_some_and(|alt| alt.contains(">>")));
        assert_eq!(assess("ls").reason(), "no known risk");
    }

    #[test]
    fn flags_and_wrappers_combine() {
        for command in [
            "rm -rf /",
            "rm -fr /",
            "rm -r -f /",
            "rm -Rf /",
            "rm --recursive --force /",
            "sudo -u root nice -n 10 env X=1 rm -rf /",
            "/usr/bin/sudo /bin/rm -rf /",
            "\\rm -rf /",
            "r''m -rf /",
            "ｒｍ -rf /",
        ] {
            assert_eq!(risk(command), Risk::Critical, "{command}");
        }
        assert_eq!(risk("rm -f notes.txt"), Risk::Moderate);
        assert_eq!(risk("sudo apt install ripgrep"), Risk::Safe);
    }

    #[test]
    fn unparsable_input_is_flagged_without_lowering() {
        assert_eq!(risk("echo 'unclosed"), Risk::Moderate);
        assert_eq!(risk("rm -rf / 'unclosed"), Risk::Critical);
        assert!(assess("echo \"$(ls").findings.iter().any(|f| f.reason.contains("parsed fully")));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!("{}ls{}", "$(echo ".repeat(40), ")".repeat(40));
        let a = assess(&deep);
        assert_eq!(a.risk, Risk::Moderate);
        assert!(a.reason().contains("nested"));
        let shallow = format!("{}$(rm -rf /){}", "$(echo ".repeat(5), ")".repeat(5));
        assert_eq!(risk(&shallow), Risk::Critical);
    }

    /// A tiny deterministic generator, so the fuzz inputs are the same on every run.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn never_panics() {
        let long = "a".repeat(100_000);
        let long_nest = "$(".repeat(50_000);
        let odd = [
            "",
            " ",
            "'",
            "\"",
            "''",
            "\"\"",
            "`",
            "$(",
            "$((",
            "${",
            "$'",
            "$'\\x",
            "$'\\u12",
            "\\",
            "(",
            ")",
            "{",
            "}",
            "|",
            "||",
            "&&",
            ";;",
            "<",
            ">",
            "2>",
            ">&",
            "<<",
            "<<EOF",
            "<(",
            "\0",
            "rm\0 -rf /",
            "((((",
            "))))",
            ":(){",
            "f()",
            "find / -exec",
            "xargs -I",
            "sudo",
            "sudo -u",
            "env -u",
            "timeout",
            "git -C",
            "kill -s",
            "dd of=",
            "chmod",
            "é",
            "ｒ",
            "\u{200B}",
        ];
        for input in odd.iter().map(|s| s.to_string()).chain([long.clone(), long_nest, format!("rm -rf {long}"), "'".repeat(1001)]) {
            let _ = assess(&input);
            let _ = assess_with_request(&input, &input);
        }
        let alphabet = b"ab rm-f/$(){}'\"`\\|&;<>*~=\n\t0-9x";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..10_000 {
            let len = (rng.next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if round % 2 == 0 {
                        r as u8
                    } else {
                        alphabet.get((r % alphabet.len() as u64) as usize).copied().unwrap_or(b' ')
                    }
                })
                .collect();
            let input = String::from_utf8_lossy(&bytes);
            let _ = assess_with_request(&input, &input);
        }
    }
}
