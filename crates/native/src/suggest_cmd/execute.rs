//! Running an accepted command in the user's shell, its exit code passed through.

use std::process::Command;

use anyhow::{Context, Result};
use cmdai_workbench::suggest::ShellKind;

/// Runs `cmd` with `shell`, attached to this terminal; returns its exit code.
pub fn run_in_shell(shell: ShellKind, cmd: &str) -> Result<i32> {
    let mut command = match shell {
        ShellKind::PowerShell => {
            let program = if which("pwsh") { "pwsh" } else { "powershell" };
            let mut c = Command::new(program);
            c.args(["-NoProfile", "-Command", cmd]);
            c
        }
        ShellKind::Cmd => {
            let mut c = Command::new("cmd");
            c.args(["/C", cmd]);
            c
        }
        posix => {
            let mut c = Command::new(shell_program(posix));
            c.args(["-c", cmd]);
            c
        }
    };
    let status = command.status().with_context(|| format!("cannot start {shell}"))?;
    // A signal-killed command has no code; report it the way shells do (128 + signal).
    Ok(status.code().unwrap_or_else(|| signal_code(&status)))
}

/// `$SHELL` when it is the wanted shell (keeps the user's own build), else the shell by name.
fn shell_program(shell: ShellKind) -> String {
    let name = shell.to_string();
    match std::env::var("SHELL") {
        Ok(path) if std::path::Path::new(&path).file_name().is_some_and(|f| f.to_string_lossy() == name) => path,
        _ => name,
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[cfg(unix)]
fn signal_code(status: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.signal().map_or(1, |s| 128 + s)
}

#[cfg(not(unix))]
fn signal_code(_: &std::process::ExitStatus) -> i32 {
    1
}
