//! What the suggestion prompt needs to know about where the command will run: OS and
//! distribution, shell, working directory, home directory and user name, and which userland's
//! flags apply.

use std::path::Path;

use cmdai_workbench::suggest::{OsKind, ShellKind, SuggestContext, Userland};

/// The user's environment, with `shell` taken from `--shell` when given.
pub fn detect(shell: Option<ShellKind>) -> SuggestContext {
    let os = match std::env::consts::OS {
        "linux" => OsKind::Linux,
        "macos" => OsKind::MacOs,
        "windows" => OsKind::Windows,
        _ => OsKind::Other,
    };
    SuggestContext {
        os,
        distro: distro(os),
        shell: shell.unwrap_or_else(|| detect_shell(os)),
        cwd: std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default(),
        userland: userland(os),
        home: dirs::home_dir().map(|p| p.display().to_string()),
        user: ["USER", "USERNAME", "LOGNAME"].iter().find_map(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty())),
        // The names here cost prompt tokens on every request and did not raise accuracy on the
        // dev set (tests/commands/README.md), so they are left out.
        entries: Vec::new(),
    }
}

/// `$SHELL`'s program name; PowerShell on Windows unless a POSIX shell is set there.
pub fn detect_shell(os: OsKind) -> ShellKind {
    let from_env = std::env::var("SHELL").ok().and_then(|s| shell_from_path(&s));
    match (from_env, os) {
        (Some(shell), _) => shell,
        (None, OsKind::Windows) => ShellKind::PowerShell,
        (None, _) => ShellKind::Sh,
    }
}

fn shell_from_path(path: &str) -> Option<ShellKind> {
    let name = Path::new(path).file_stem()?.to_str()?;
    match name {
        "pwsh" | "powershell" => Some(ShellKind::PowerShell),
        "dash" | "ash" | "ksh" | "mksh" => Some(ShellKind::Sh),
        other => other.parse().ok(),
    }
}

/// `PRETTY_NAME` from os-release on Linux ("Debian GNU/Linux 12 (bookworm)").
fn distro(os: OsKind) -> Option<String> {
    if os != OsKind::Linux {
        return None;
    }
    let text = std::fs::read_to_string("/etc/os-release").or_else(|_| std::fs::read_to_string("/usr/lib/os-release")).ok()?;
    os_release_name(&text)
}

fn os_release_name(text: &str) -> Option<String> {
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    };
    value("PRETTY_NAME").or_else(|| value("NAME"))
}

/// GNU coreutils on most Linux systems, BusyBox where `ls` is a BusyBox applet (Alpine),
/// BSD tools on macOS and the BSDs.
fn userland(os: OsKind) -> Userland {
    match os {
        OsKind::Windows => Userland::Windows,
        OsKind::MacOs => Userland::Bsd,
        OsKind::Linux => {
            let busybox = std::fs::canonicalize("/bin/ls").map(|p| p.file_name().is_some_and(|n| n == "busybox")).unwrap_or(false);
            if busybox {
                Userland::Busybox
            } else {
                Userland::Gnu
            }
        }
        OsKind::Other => Userland::Bsd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_from_paths() {
        assert_eq!(shell_from_path("/usr/bin/zsh"), Some(ShellKind::Zsh));
        assert_eq!(shell_from_path("/bin/bash"), Some(ShellKind::Bash));
        assert_eq!(shell_from_path("/usr/local/bin/fish"), Some(ShellKind::Fish));
        assert_eq!(shell_from_path("/bin/dash"), Some(ShellKind::Sh));
        assert_eq!(shell_from_path("C:/Program Files/PowerShell/7/pwsh.exe"), Some(ShellKind::PowerShell));
        assert_eq!(shell_from_path("/usr/bin/xonsh"), None);
    }

    #[test]
    fn os_release() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(os_release_name(text).as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(os_release_name("NAME=Alpine\n").as_deref(), Some("Alpine"));
        assert_eq!(os_release_name("ID=x\n"), None);
    }
}
