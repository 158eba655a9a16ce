//! Permission and ownership changes: recursive ones on system trees, world-writable modes, setuid.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::paths::{self, Place};
use super::super::{Finding, Risk};

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let program = inv.program.as_str();
    if !matches!(program, "chmod" | "chown" | "chgrp") {
        return;
    }
    let args = &inv.args;
    let recursive = flags::short(args, 'R', "RcfvhHLP") || flags::long(args, "--recursive");
    let operands = flags::operands(args);
    // chmod's mode may look like an option (`chmod -x file`); it is then not an operand.
    let (mode, targets) = match operands.split_first() {
        Some((first, rest)) if program != "chmod" || !args.iter().any(|a| is_mode(a) && a.starts_with('-')) => (*first, rest),
        _ => ("", &operands[..]),
    };
    let mode = if program == "chmod" { mode } else { "" };
    if is_setuid(mode) {
        out.push(
            Finding::new(Risk::High, format!("sets the setuid/setgid bit with mode {mode}, letting anyone run it with its owner's rights"))
                .with_alternative("grant the specific right with sudoers or capabilities instead"),
        );
    }
    let open_to_all = is_world_writable(mode);
    for target in targets {
        let place = paths::classify(target);
        let finding = match (place, recursive) {
            (Place::Root | Place::SystemDir | Place::Home, true) => Some(Finding::new(
                Risk::Critical,
                format!("{program} -R on '{target}' changes every file below it and can break the system"),
            )),
            (Place::Root | Place::SystemDir, false) => {
                Some(Finding::new(Risk::High, format!("{program} on the system directory '{target}'")))
            }
            (Place::InsideSystem, true) => Some(Finding::new(Risk::High, format!("{program} -R on system files in '{target}'"))),
            (_, true) if open_to_all => Some(
                Finding::new(Risk::High, format!("makes everything under '{target}' writable by every user"))
                    .with_alternative("chmod -R u+rwX,go+rX (no write for others)"),
            ),
            (Place::InsideSystem, false) if open_to_all => {
                Some(Finding::new(Risk::High, format!("makes the system file '{target}' writable by every user")))
            }
            (_, false) if open_to_all => Some(
                Finding::new(Risk::Moderate, format!("makes '{target}' writable by every user"))
                    .with_alternative("chmod 755 (or 644 for files)"),
            ),
            _ => None,
        };
        out.extend(finding);
    }
}

fn is_mode(arg: &str) -> bool {
    let arg = arg.trim_start_matches('-');
    !arg.is_empty() && arg.chars().all(|c| "ugoa+-=rwxXst,".contains(c)) && arg.chars().any(|c| "+-=".contains(c))
}

fn octal(mode: &str) -> Option<u32> {
    (!mode.is_empty() && mode.len() <= 4 && mode.chars().all(|c| c.is_digit(8))).then(|| u32::from_str_radix(mode, 8).ok()).flatten()
}

fn is_setuid(mode: &str) -> bool {
    match octal(mode) {
        Some(bits) => bits & 0o6000 != 0,
        None => mode.split(',').any(|clause| clause.contains('+') && clause.contains('s')),
    }
}

fn is_world_writable(mode: &str) -> bool {
    match octal(mode) {
        Some(bits) => bits & 0o002 != 0,
        None => mode.split(',').any(|clause| {
            let (who, what) = clause.split_once(['+', '=']).unwrap_or(("", ""));
            (who.contains('o') || who.contains('a')) && what.contains('w')
        }),
    }
}
