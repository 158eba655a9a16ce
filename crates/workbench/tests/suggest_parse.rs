//! A corpus of messy model answers and the command (and explanation) that must be read from each.

use cmdai_workbench::suggest::{parse_suggestion, ParseError};

/// (model output, expected command, expected explanation when the case checks it)
const CORPUS: &[(&str, &str, Option<&str>)] = &[
    // The layout the model was asked for.
    (r#"{"cmd": "ls -la", "explanation": "Lists all files, hidden ones included."}"#, "ls -la", Some("Lists all files, hidden ones included.")),
    (r#"{"cmd": "find . -name '*.rs' -mtime -7", "explanation": "Rust files changed this week."}<|im_end|>"#, "find . -name '*.rs' -mtime -7", Some("Rust files changed this week.")),
    (r#"{"cmd":"du -sh *","explanation":"Sizes of everything here."}"#, "du -sh *", Some("Sizes of everything here.")),
    ("{\n  \"command\": \"git log --oneline -n 5\",\n  \"description\": \"Last five commits.\"\n}", "git log --oneline -n 5", Some("Last five commits.")),
    (r#"{"cmd": "grep -rn \"TODO\" src/", "explain": "Finds TODO comments."}"#, r#"grep -rn "TODO" src/"#, Some("Finds TODO comments.")),
    (r#"{"Cmd": "pwd", "Explanation": "Prints the current directory."}"#, "pwd", Some("Prints the current directory.")),
    (r#"{"cmd": "echo hi\n"}"#, "echo hi", Some("")),
    // JSON with chat around it.
    ("Sure! Here's the JSON:\n{\"cmd\": \"df -h\", \"explanation\": \"Disk usage per filesystem.\"}\nLet me know if you need more help.", "df -h", Some("Disk usage per filesystem.")),
    ("```json\n{\"cmd\": \"ps aux | grep nginx\", \"explanation\": \"Finds nginx processes.\"}\n```", "ps aux | grep nginx", Some("Finds nginx processes.")),
    ("[{\"cmd\": \"uptime\", \"explanation\": \"How long the system has run.\"}, {\"cmd\": \"w\", \"explanation\": \"Who is logged in.\"}]", "uptime", Some("How long the system has run.")),
    ("To list them: {\"cmd\": \"ls *.txt\", \"explanation\": \"Text files.\"} or {\"cmd\": \"find . -name '*.txt'\", \"explanation\": \"Recursively.\"}", "ls *.txt", Some("Text files.")),
    ("Use find -exec rm {} \\; carefully.\n{\"cmd\": \"find . -name '*.tmp' -print\", \"explanation\": \"Lists temp files before deleting.\"}", "find . -name '*.tmp' -print", Some("Lists temp files before deleting.")),
    ("<|im_start|>assistant\n{\"cmd\": \"whoami\", \"explanation\": \"Your user name.\"}<|im_end|>\n<|im_start|>user\nthanks", "whoami", Some("Your user name.")),
    // Broken JSON.
    (r#"{"cmd": "ls -la", "expl"#, "ls -la", Some("")),
    (r#"{"cmd": "tar -czf backup.tar.gz src/", "explanation": "Compresses src into a tarb"#, "tar -czf backup.tar.gz src/", Some("")),
    ("{'cmd': 'free -h', 'explanation': 'Memory usage in human units.'}", "free -h", Some("Memory usage in human units.")),
    ("{\"cmd\": \"echo 'a' | tr a b\", \"explanation\": \"Swaps letters\",}", "echo 'a' | tr a b", Some("Swaps letters")),
    // Fenced code blocks.
    ("Sure! Here's the command:\n\n```bash\nls -la\n```\n\nThis lists all files, including hidden ones.", "ls -la", Some("This lists all files, including hidden ones.")),
    ("```sh\n$ du -sh ~/Downloads\n```", "du -sh ~/Downloads", None),
    ("```\n# list open ports\nss -tulpn\n```", "ss -tulpn", None),
    ("```bash\nfind . -name '*.log' \\\n  -mtime +30 \\\n  -print\n```", "find . -name '*.log' -mtime +30 -print", None),
    ("```console\n$ uname -a\nLinux host 6.8.0 x86_64 GNU/Linux\n```", "uname -a", None),
    ("```powershell\nGet-ChildItem -Recurse -Filter *.rs | Where-Object LastWriteTime -gt (Get-Date).AddDays(-7)\n```", "Get-ChildItem -Recurse -Filter *.rs | Where-Object LastWriteTime -gt (Get-Date).AddDays(-7)", None),
    ("```powershell\nPS C:\\Users\\me> Get-Process | Sort-Object CPU -Descending | Select-Object -First 5\n```", "Get-Process | Sort-Object CPU -Descending | Select-Object -First 5", None),
    ("```cmd\nC:\\Users\\me>dir /s /b *.rs\n```", "dir /s /b *.rs", None),
    ("```bat\nREM list rust files\ndir /s /b *.rs\n```", "dir /s /b *.rs", None),
    ("Here you go:\n```zsh\nmkdir -p src/{lib,bin}\n```\n```bash\nmkdir src\n```", "mkdir -p src/{lib,bin}", None),
    ("```bash\ngrep -rn \"fn main\" .", "grep -rn \"fn main\" .", None),
    ("```ls -la```", "ls -la", None),
    ("```output\ntotal 0\n```\n```bash\nls -la\n```", "ls -la", None),
    // Labelled lines.
    ("cmd: ls -la\nexplanation: lists files", "ls -la", Some("lists files")),
    ("Command: `git status`\nExplanation: Shows the working tree status.", "git status", Some("Shows the working tree status.")),
    ("**Command:** `docker ps -a`\n\n**Explanation:** Lists all containers.", "docker ps -a", Some("Lists all containers.")),
    ("- Command: \"chmod +x run.sh\"", "chmod +x run.sh", None),
    ("Command:\nsort -u names.txt", "sort -u names.txt", None),
    // Inline code and bare lines.
    ("Use `ls -la` to list all files, including hidden ones.", "ls -la", Some("Use `ls -la` to list all files, including hidden ones.")),
    ("You can run `wc -l *.py` to count lines.", "wc -l *.py", None),
    ("Here is the command to list `*.rs` files:\nfind . -name '*.rs'", "find . -name '*.rs'", None),
    ("`top -o cpu`", "top -o cpu", None),
    ("ls -la", "ls -la", Some("")),
    ("  ls -la  \n", "ls -la", None),
    ("ls -la<|im_end|>", "ls -la", None),
    ("ls -la</s>", "ls -la", None),
    ("echo `date`", "echo `date`", None),
    ("$ cat /etc/os-release", "cat /etc/os-release", None),
    ("Sure! Here's the command:\n\nps aux --sort=-%mem | head\n\nThis shows the processes using the most memory.", "ps aux --sort=-%mem | head", Some("This shows the processes using the most memory.")),
    ("Certainly, here is the command: df -h /", "df -h /", None),
    ("1. `ip addr show` lists network interfaces\n2. `ifconfig` is older", "ip addr show", None),
    ("Get-ChildItem -Force", "Get-ChildItem -Force", Some("")),
    ("dir /a", "dir /a", None),
    ("find . -type f -size +100M\nThis lists files larger than 100 MB. Run it from your home directory.", "find . -type f -size +100M", Some("This lists files larger than 100 MB.")),
    ("Sure!\nfind . -name \"*.jpg\" -exec du -ch {} + | tail -n 1<|im_end|><|endoftext|>", "find . -name \"*.jpg\" -exec du -ch {} + | tail -n 1", None),
    ("awk '{print $1}' access.log | sort | uniq -c | sort -rn | head", "awk '{print $1}' access.log | sort | uniq -c | sort -rn | head", None),
    ("journalctl -u nginx --since today\n\nExplanation: Shows today's nginx logs.", "journalctl -u nginx --since today", Some("Shows today's nginx logs.")),
    ("The command `nproc` prints the number of processing units.", "nproc", None),
    ("ls -la 📁 ünïcödé", "ls -la 📁 ünïcödé", None),
];

#[test]
fn corpus_is_large_enough() {
    assert!(CORPUS.len() >= 40);
}

#[test]
fn corpus_parses_to_expected_commands() {
    let mut failures = Vec::new();
    for (output, cmd, explanation) in CORPUS {
        match parse_suggestion(output) {
            Ok(found) => {
                let explanation_ok = explanation.is_none_or(|expected| found.explanation == expected);
                if found.cmd != *cmd || !explanation_ok {
                    failures.push(format!("{output:?}\n  got {found:?}\n  want cmd {cmd:?}, explanation {explanation:?}"));
                }
            }
            Err(err) => failures.push(format!("{output:?}\n  got error {err}\n  want cmd {cmd:?}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), CORPUS.len(), failures.join("\n"));
}

#[test]
fn commands_are_single_line_unless_json_says_so() {
    for (output, _, _) in CORPUS {
        if let Ok(found) = parse_suggestion(output) {
            assert!(!found.cmd.contains('\n') && found.cmd == found.cmd.trim(), "{output:?} gave {:?}", found.cmd);
        }
    }
    let multi = parse_suggestion(r#"{"cmd": "for f in *; do\n  echo $f\ndone", "explanation": ""}"#).unwrap();
    assert_eq!(multi.cmd, "for f in *; do\n  echo $f\ndone");
}

#[test]
fn answers_without_a_command_are_errors() {
    assert_eq!(parse_suggestion(""), Err(ParseError::EmptyAnswer));
    assert_eq!(parse_suggestion("  \n<|im_end|>"), Err(ParseError::EmptyAnswer));
    assert_eq!(parse_suggestion(r#"{"cmd": "", "explanation": "nothing"}"#), Err(ParseError::NoCommand));
    assert_eq!(parse_suggestion("```bash\n# nothing to run\n```"), Err(ParseError::NoCommand));
    assert_eq!(parse_suggestion("I'm sorry, I can't help with that."), Err(ParseError::NoCommand));
    assert_eq!(parse_suggestion("Here is the command:"), Err(ParseError::NoCommand));
    // Found by fuzzing: a NUL or a terminal escape in a command could hide what it runs.
    assert_eq!(parse_suggestion("{\"command\": \"du -sh\0\0.\"}"), Err(ParseError::ControlCharacters));
    assert_eq!(parse_suggestion("```bash\nls \u{1b}[8mrm -rf ~\n```"), Err(ParseError::ControlCharacters));
}

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "{",
        "[",
        "{\"cmd\": \"",
        "{\"cmd\": \"\\",
        "{\"cmd\": \"\\u12",
        "```",
        "```\n",
        "`",
        "``",
        "<|",
        "<|im_end",
        "é{",
        "{é",
        "cmd:",
        "Command: ``",
        "C:\\",
        "PS ",
        "$ ",
        "\\",
        "\u{0}",
        "日本語",
        "💥```💥",
        "{\"cmd\": 5}",
    ];
    for text in odd {
        let _ = parse_suggestion(text);
    }
    let long = "{".repeat(10_000);
    let _ = parse_suggestion(&long);
}
