//! What the suggestion is for: the user's shell, operating system and command-line tools.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The shell the suggested command will be typed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    Sh,
    PowerShell,
    Cmd,
}

/// A shell name that [`ShellKind::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown shell {0:?}; expected one of: bash, zsh, fish, sh, powershell (or pwsh), cmd")]
pub struct UnknownShell(pub String);

impl FromStr for ShellKind {
    type Err = UnknownShell;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "bash" => Ok(ShellKind::Bash),
            "zsh" => Ok(ShellKind::Zsh),
            "fish" => Ok(ShellKind::Fish),
            "sh" => Ok(ShellKind::Sh),
            "powershell" | "pwsh" => Ok(ShellKind::PowerShell),
            "cmd" => Ok(ShellKind::Cmd),
            _ => Err(UnknownShell(name.to_string())),
        }
    }
}

impl fmt::Display for ShellKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShellKind::Bash => "bash",
            ShellKind::Zsh => "zsh",
            ShellKind::Fish => "fish",
            ShellKind::Sh => "sh",
            ShellKind::PowerShell => "powershell",
            ShellKind::Cmd => "cmd",
        })
    }
}

/// The operating system the command runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OsKind {
    Linux,
    MacOs,
    Windows,
    Other,
}

/// The flavour of the standard command-line tools (`find`, `sed`, `stat`, ...), whose options differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Userland {
    Gnu,
    Bsd,
    Busybox,
    Windows,
}

/// Everything about the user's environment that shapes a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestContext {
    pub os: OsKind,
    /// Linux distribution and version, e.g. "Ubuntu 24.04".
    pub distro: Option<String>,
    pub shell: ShellKind,
    /// Working directory the command will run in.
    pub cwd: String,
    pub userland: Userland,
    /// The user's home directory, so that "my home directory" becomes a real path.
    #[serde(default)]
    pub home: Option<String>,
    /// The user's login name.
    #[serde(default)]
    pub user: Option<String>,
    /// Names in the working directory (directories end in `/`); the prompt shows the first few.
    /// The shells leave it empty: on the dev set the names cost time and lowered accuracy.
    #[serde(default)]
    pub entries: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_names_round_trip() {
        for shell in [ShellKind::Bash, ShellKind::Zsh, ShellKind::Fish, ShellKind::Sh, ShellKind::PowerShell, ShellKind::Cmd] {
            assert_eq!(shell.to_string().parse::<ShellKind>(), Ok(shell));
            let json = serde_json::to_string(&shell).unwrap();
            assert_eq!(json, format!("\"{shell}\""));
        }
    }

    #[test]
    fn shell_names_are_case_insensitive_and_know_pwsh() {
        assert_eq!("PWSH".parse::<ShellKind>(), Ok(ShellKind::PowerShell));
        assert_eq!(" Zsh ".parse::<ShellKind>(), Ok(ShellKind::Zsh));
    }

    #[test]
    fn unknown_shell_lists_the_valid_names() {
        let err = "tcsh".parse::<ShellKind>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("tcsh") && message.contains("bash") && message.contains("pwsh"), "{message}");
    }
}
