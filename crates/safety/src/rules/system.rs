//! Whole-system actions: root shells and admin grants, shutdowns, mass kills, crontab removal.

use super::super::flags;
use super::super::invocation::{self, Invocation};
use super::super::{Finding, Risk};
use super::{has_word, subcommand};

const ADMIN_GROUPS: &[&str] = &["sudo", "wheel", "admin", "root", "adm", "administrators"];

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let program = inv.program.as_str();
    let args = &inv.args;
    let finding = match program {
        "sudo" | "doas" | "run0" if has_word(inv, &["-i", "-s", "--login", "--shell"]) || args.is_empty() && program == "run0" => {
            Some(root_shell())
        }
        p if invocation::is_shell(p) && inv.elevated && invocation::nested_script(inv).is_none() && flags::operands(args).is_empty() => {
            Some(root_shell())
        }
        "su" if invocation::nested_script(inv).is_none() => Some(
            Finding::new(Risk::High, "opens a shell as another user (root by default)")
                .with_alternative("run the single command with sudo"),
        ),
        "visudo" => Some(Finding::new(Risk::High, "edits who may run commands as root")),
        "usermod" | "gpasswd" | "adduser" | "useradd" | "addgroup"
            if args.iter().any(|a| a.split(',').any(|group| ADMIN_GROUPS.contains(&group.to_lowercase().as_str()))) =>
        {
            Some(Finding::new(Risk::High, "gives a user administrator rights"))
        }
        "passwd" if has_word(inv, &["root"]) || flags::short(args, 'd', "d") => {
            Some(Finding::new(Risk::High, "changes or removes the password of an account"))
        }
        "shutdown" | "reboot" | "halt" | "poweroff" if !cancels_shutdown(args) => Some(power()),
        "init" | "telinit" if has_word(inv, &["0", "6"]) => Some(power()),
        "systemctl"
            if subcommand(inv).is_some_and(|s| matches!(s.as_str(), "poweroff" | "reboot" | "halt" | "kexec" | "rescue" | "emergency")) =>
        {
            Some(power())
        }
        "stop-computer" | "restart-computer" => Some(power()),
        "kill" if kills_everything(args) => Some(
            Finding::new(Risk::High, "signals every process you may signal (pid -1) or init")
                .with_alternative("kill the one process by its pid (pgrep NAME, lsof -t -i :PORT)"),
        ),
        "killall5" => Some(Finding::new(Risk::Critical, "killall5 kills every process on the system")),
        "killall" => Some(
            Finding::new(Risk::High, "killall kills every process with that name (on some systems, every process)")
                .with_alternative("pgrep NAME to check, then kill the pid"),
        ),
        "pkill" if flags::value(args, &["-u", "--euid", "-U", "--uid"]).is_some() || has_word(inv, &[".", ".*", ""]) => {
            Some(Finding::new(Risk::High, "kills every process of a user").with_alternative("pgrep -a first, then kill the pid"))
        }
        "crontab" if flags::short(args, 'r', "riu") => Some(
            Finding::new(Risk::High, "crontab -r deletes every scheduled job without asking")
                .with_alternative("crontab -l > crontab.bak, then edit with crontab -e"),
        ),
        "fc" if flags::short(args, 's', "s") => Some(Finding::new(Risk::Moderate, "re-runs a previous command without showing it")),
        "swapoff" if flags::short(args, 'a', "av") => {
            Some(Finding::new(Risk::Moderate, "turns off all swap, which can run the system out of memory"))
        }
        "sysctl" if flags::short(args, 'w', "wq") || args.iter().any(|a| a.contains('=')) => {
            Some(Finding::new(Risk::Moderate, "changes kernel parameters of the running system"))
        }
        _ => None,
    };
    out.extend(finding);
}

fn root_shell() -> Finding {
    Finding::new(Risk::High, "starts a root shell, which runs whatever it is given with full control of the system")
        .with_alternative("run the single command with sudo")
}

fn power() -> Finding {
    Finding::new(Risk::High, "shuts down or restarts the machine").with_alternative("schedule it (shutdown -r +5) and save work first")
}

fn cancels_shutdown(args: &[String]) -> bool {
    flags::short(args, 'c', "ck") || flags::slash(args, 'a') || flags::long(args, "--help")
}

/// `kill -9 -1`, `kill -s KILL -1`, `kill -- -1`, `kill 1`.
fn kills_everything(args: &[String]) -> bool {
    let mut targets = args.iter().map(String::as_str).peekable();
    match targets.peek() {
        Some(&("-s" | "-n")) => {
            targets.next();
            targets.next();
        }
        Some(first) if first.starts_with('-') && *first != "--" && args.len() > 1 => {
            targets.next();
        }
        _ => {}
    }
    targets.any(|pid| pid == "-1" || pid == "1")
}
