//! The chat that asks the model for a command: system prompt, few-shot turns, then the request.
//!
//! Everything before the final user turn depends only on the OS, shell, userland and `explain`,
//! so a KV cache of that prefix can be reused for every request made in the same environment.

use super::context::{OsKind, ShellKind, SuggestContext, Userland};
use cmdai_engine::chat::Message;

/// System prompt + few-shot turns + the final user turn (which alone carries `ctx.cwd` and `request`).
pub fn messages(ctx: &SuggestContext, request: &str, explain: bool) -> Vec<Message> {
    let mut chat = vec![Message::system(system_prompt(ctx, explain))];
    let example_dir = example_directory(ctx.os);
    for example in examples(ctx.shell, ctx.userland) {
        let explanation = if explain { example.parts } else { example.summary };
        chat.push(Message::user(user_turn(example_dir, example.request)));
        chat.push(Message::assistant(answer_json(example.cmd, explanation)));
    }
    chat.push(Message::user(user_turn(&ctx.cwd, request)));
    chat
}

fn user_turn(cwd: &str, request: &str) -> String {
    format!("Current directory: {cwd}\nRequest: {request}")
}

/// The exact layout the model must answer in; [`super::JsonCommandConstraint`] enforces the same bytes.
fn answer_json(cmd: &str, explanation: &str) -> String {
    format!("{{\"cmd\": {}, \"explanation\": {}}}", json_string(cmd), json_string(explanation))
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

fn system_prompt(ctx: &SuggestContext, explain: bool) -> String {
    let shell = shell_name(ctx.shell);
    let os = match &ctx.distro {
        Some(distro) if !distro.trim().is_empty() => format!("{} ({})", os_name(ctx.os), distro.trim()),
        _ => os_name(ctx.os).to_string(),
    };
    let tools = userland_description(ctx.userland);
    let explanation_rule = if explain {
        "The explanation is one line that explains each part of the command, for example: \
         \"find . → search here; -name '*.rs' → Rust files; -mtime -7 → changed in the last 7 days\"."
    } else {
        "The explanation is one short sentence."
    };
    format!(
        "You turn a request into exactly ONE command for {shell} on {os} with {tools}.\n\
         Rules:\n\
         - Give a single command line (pipes and && are fine), never alternatives or several steps.\n\
         - Prefer safe, non-destructive, portable commands; if the request is destructive, use the narrowest form.\n\
         - Only use options that exist in these tools and syntax that {shell} understands.\n\
         - Do not use sudo unless the task needs administrator rights.\n\
         - Answer with only a JSON object in exactly this form: {{\"cmd\": \"...\", \"explanation\": \"...\"}}\n\
         - {explanation_rule}"
    )
}

fn shell_name(shell: ShellKind) -> &'static str {
    match shell {
        ShellKind::Bash => "bash",
        ShellKind::Zsh => "zsh",
        ShellKind::Fish => "fish",
        ShellKind::Sh => "POSIX sh",
        ShellKind::PowerShell => "PowerShell",
        ShellKind::Cmd => "Windows cmd.exe",
    }
}

fn os_name(os: OsKind) -> &'static str {
    match os {
        OsKind::Linux => "Linux",
        OsKind::MacOs => "macOS",
        OsKind::Windows => "Windows",
        OsKind::Other => "a Unix-like system",
    }
}

fn userland_description(userland: Userland) -> &'static str {
    match userland {
        Userland::Gnu => "GNU tools (coreutils, findutils, sed, grep)",
        Userland::Bsd => "BSD tools (as on macOS: BSD find, sed, stat, date)",
        Userland::Busybox => "BusyBox tools (fewer options than GNU)",
        Userland::Windows => "the built-in Windows tools",
    }
}

fn example_directory(os: OsKind) -> &'static str {
    match os {
        OsKind::Windows => r"C:\Users\me\project",
        OsKind::MacOs => "/Users/me/project",
        OsKind::Linux | OsKind::Other => "/home/me/project",
    }
}

/// One few-shot turn; `summary` answers with `explain` off, `parts` with it on.
struct Example {
    request: &'static str,
    cmd: &'static str,
    summary: &'static str,
    parts: &'static str,
}

fn examples(shell: ShellKind, userland: Userland) -> [Example; 4] {
    match shell {
        ShellKind::PowerShell => powershell_examples(),
        ShellKind::Cmd => cmd_examples(),
        ShellKind::Bash | ShellKind::Zsh | ShellKind::Sh | ShellKind::Fish => {
            [RECENT_RUST_FILES, replace_in_file(userland), modification_time(userland), dated_directory(shell)]
        }
    }
}

const RECENT_RUST_FILES: Example = Example {
    request: "find rust files changed in the last week",
    cmd: "find . -name '*.rs' -mtime -7",
    summary: "Lists .rs files under the current directory modified in the last 7 days.",
    parts: "find . → search here; -name '*.rs' → Rust files; -mtime -7 → changed in the last 7 days",
};

fn replace_in_file(userland: Userland) -> Example {
    let request = "replace foo with bar in config.txt";
    let summary = "Replaces every foo with bar in config.txt, editing the file in place.";
    // BSD sed needs an explicit (empty) backup suffix after -i.
    match userland {
        Userland::Bsd => Example {
            request,
            cmd: "sed -i '' 's/foo/bar/g' config.txt",
            summary,
            parts: "sed -i '' → edit in place without a backup; 's/foo/bar/g' → replace every foo with bar; config.txt → the file",
        },
        Userland::Gnu | Userland::Busybox | Userland::Windows => Example {
            request,
            cmd: "sed -i 's/foo/bar/g' config.txt",
            summary,
            parts: "sed -i → edit in place; 's/foo/bar/g' → replace every foo with bar; config.txt → the file",
        },
    }
}

fn modification_time(userland: Userland) -> Example {
    let request = "when was notes.md last modified";
    let summary = "Prints the last modification time of notes.md.";
    match userland {
        Userland::Bsd => Example {
            request,
            cmd: "stat -f '%Sm' notes.md",
            summary,
            parts: "stat -f → custom output format (BSD); '%Sm' → modification time as text; notes.md → the file",
        },
        Userland::Gnu | Userland::Busybox | Userland::Windows => Example {
            request,
            cmd: "stat -c '%y' notes.md",
            summary,
            parts: "stat -c → custom output format; '%y' → modification time; notes.md → the file",
        },
    }
}

fn dated_directory(shell: ShellKind) -> Example {
    let request = "make a directory named after today's date";
    let summary = "Creates a directory named like 2024-05-31.";
    // fish has no $(...): command substitution is a bare (...).
    if shell == ShellKind::Fish {
        Example {
            request,
            cmd: "mkdir (date +%F)",
            summary,
            parts: "mkdir → create a directory; (date +%F) → today's date as YYYY-MM-DD (fish command substitution)",
        }
    } else {
        Example {
            request,
            cmd: "mkdir \"$(date +%F)\"",
            summary,
            parts: "mkdir → create a directory; \"$(date +%F)\" → today's date as YYYY-MM-DD",
        }
    }
}

fn powershell_examples() -> [Example; 4] {
    [
        Example {
            request: "find rust files changed in the last week",
            cmd: "Get-ChildItem -Recurse -Filter *.rs | Where-Object LastWriteTime -gt (Get-Date).AddDays(-7)",
            summary: "Lists .rs files under the current directory modified in the last 7 days.",
            parts: "Get-ChildItem -Recurse -Filter *.rs → Rust files here and below; Where-Object LastWriteTime -gt (Get-Date).AddDays(-7) → keep those changed in the last 7 days",
        },
        Example {
            request: "replace foo with bar in config.txt",
            cmd: "(Get-Content config.txt) -replace 'foo', 'bar' | Set-Content config.txt",
            summary: "Replaces every foo with bar in config.txt and saves the file.",
            parts: "(Get-Content config.txt) → read the whole file first; -replace 'foo', 'bar' → replace every foo; Set-Content config.txt → write it back",
        },
        Example {
            request: "when was notes.md last modified",
            cmd: "(Get-Item notes.md).LastWriteTime",
            summary: "Prints the last modification time of notes.md.",
            parts: "Get-Item notes.md → the file; .LastWriteTime → its modification time",
        },
        Example {
            request: "make a directory named after today's date",
            cmd: "New-Item -ItemType Directory -Name (Get-Date -Format yyyy-MM-dd)",
            summary: "Creates a directory named like 2024-05-31.",
            parts: "New-Item -ItemType Directory → create a directory; -Name (Get-Date -Format yyyy-MM-dd) → named after today's date",
        },
    ]
}

fn cmd_examples() -> [Example; 4] {
    [
        Example {
            request: "list all rust files in this folder and below",
            cmd: "dir /s /b *.rs",
            summary: "Lists the full paths of all .rs files here and in subfolders.",
            parts: "dir *.rs → Rust files; /s → include subfolders; /b → bare full paths only",
        },
        Example {
            request: "replace foo with bar in config.txt",
            cmd: "powershell -NoProfile -Command \"(Get-Content config.txt) -replace 'foo', 'bar' | Set-Content config.txt\"",
            summary: "Uses PowerShell, since cmd has no text replacement tool, to replace foo with bar in config.txt.",
            parts: "powershell -NoProfile -Command → run one PowerShell command; (Get-Content config.txt) -replace 'foo', 'bar' → replace every foo; Set-Content config.txt → save",
        },
        Example {
            request: "when was notes.md last modified",
            cmd: "for %f in (notes.md) do @echo %~tf",
            summary: "Prints the last modification time of notes.md.",
            parts: "for %f in (notes.md) → take the file; @echo %~tf → print its timestamp",
        },
        Example {
            request: "which process is listening on port 8080",
            cmd: "netstat -ano | findstr :8080",
            summary: "Shows connections on port 8080 with the owning process id.",
            parts: "netstat -ano → all connections with process ids; findstr :8080 → keep lines for port 8080",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::parse_suggestion;

    const ALL_SHELLS: [ShellKind; 6] =
        [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish, ShellKind::Sh, ShellKind::PowerShell, ShellKind::Cmd];
    const ALL_USERLANDS: [Userland; 4] = [Userland::Gnu, Userland::Bsd, Userland::Busybox, Userland::Windows];

    fn context(shell: ShellKind, userland: Userland) -> SuggestContext {
        SuggestContext { os: OsKind::Linux, distro: Some("Ubuntu 24.04".into()), shell, cwd: "/home/u/proj".into(), userland }
    }

    fn all_text(chat: &[Message]) -> String {
        chat.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn prefix_is_independent_of_request_and_cwd() {
        let mut other_dir = context(ShellKind::Bash, Userland::Gnu);
        other_dir.cwd = "/tmp/elsewhere".into();
        let first = messages(&context(ShellKind::Bash, Userland::Gnu), "find rust files changed this week", false);
        let second = messages(&other_dir, "count lines of code", false);
        assert_eq!(first.len(), second.len());
        let (last_first, prefix_first) = first.split_last().unwrap();
        let (last_second, prefix_second) = second.split_last().unwrap();
        assert_eq!(prefix_first, prefix_second);
        assert_ne!(last_first, last_second);
        assert!(!all_text(prefix_first).contains("/home/u/proj"));
        assert_eq!(last_first.role, "user");
        assert_eq!(last_first.content, "Current directory: /home/u/proj\nRequest: find rust files changed this week");
    }

    #[test]
    fn layout_is_system_then_few_shot_pairs_then_user() {
        let chat = messages(&context(ShellKind::Zsh, Userland::Gnu), "list files", false);
        assert_eq!(chat[0].role, "system");
        let turns = &chat[1..chat.len() - 1];
        assert!((6..=8).contains(&turns.len()));
        for pair in turns.chunks(2) {
            assert_eq!((pair[0].role.as_str(), pair[1].role.as_str()), ("user", "assistant"));
        }
    }

    #[test]
    fn system_prompt_names_shell_os_and_tools() {
        let system = &messages(&context(ShellKind::Fish, Userland::Gnu), "x", false)[0].content;
        assert!(system.contains("fish") && system.contains("Ubuntu 24.04") && system.contains("GNU"), "{system}");
        assert!(system.contains(r#"{"cmd": "...", "explanation": "..."}"#));
        let mac = SuggestContext { os: OsKind::MacOs, distro: None, ..context(ShellKind::Zsh, Userland::Bsd) };
        let system = &messages(&mac, "x", false)[0].content;
        assert!(system.contains("macOS") && system.contains("BSD"), "{system}");
    }

    #[test]
    fn few_shots_follow_shell_and_userland() {
        let text = |shell, userland| all_text(&messages(&context(shell, userland), "x", false));
        assert!(text(ShellKind::Bash, Userland::Gnu).contains("sed -i 's/foo/bar/g'"));
        assert!(text(ShellKind::Bash, Userland::Gnu).contains("stat -c"));
        assert!(text(ShellKind::Zsh, Userland::Bsd).contains(r#"sed -i '' 's/foo/bar/g'"#));
        assert!(text(ShellKind::Zsh, Userland::Bsd).contains("stat -f"));
        assert!(text(ShellKind::Fish, Userland::Gnu).contains("mkdir (date +%F)"));
        assert!(!text(ShellKind::Fish, Userland::Gnu).contains("$("));
        assert!(text(ShellKind::Bash, Userland::Gnu).contains(r#"mkdir \"$(date +%F)\""#));
        assert!(text(ShellKind::PowerShell, Userland::Windows).contains("Get-ChildItem -Recurse -Filter *.rs"));
        assert!(text(ShellKind::Cmd, Userland::Windows).contains("dir /s /b *.rs"));
    }

    #[test]
    fn explain_changes_system_prompt_and_answers() {
        let ctx = context(ShellKind::Bash, Userland::Gnu);
        let short = messages(&ctx, "x", false);
        let detailed = messages(&ctx, "x", true);
        assert_ne!(short[0], detailed[0]);
        assert!(detailed[0].content.contains("each part"));
        let answer = parse_suggestion(&detailed[2].content).unwrap();
        assert!(answer.explanation.contains("→"), "{}", answer.explanation);
    }

    #[test]
    fn every_few_shot_answer_is_exact_layout_json() {
        for shell in ALL_SHELLS {
            for userland in ALL_USERLANDS {
                for explain in [false, true] {
                    let chat = messages(&context(shell, userland), "x", explain);
                    for answer in chat.iter().filter(|m| m.role == "assistant") {
                        let value: serde_json::Value = serde_json::from_str(&answer.content).unwrap();
                        let cmd = value["cmd"].as_str().unwrap();
                        let explanation = value["explanation"].as_str().unwrap();
                        assert_eq!(answer.content, answer_json(cmd, explanation));
                        assert!(answer.content.starts_with("{\"cmd\": \"") && answer.content.ends_with("\"}"));
                        assert!(!cmd.contains('\n') && !explanation.contains('\n'));
                        let parsed = parse_suggestion(&answer.content).unwrap();
                        assert_eq!((parsed.cmd.as_str(), parsed.explanation.as_str()), (cmd, explanation));
                    }
                }
            }
        }
    }
}
