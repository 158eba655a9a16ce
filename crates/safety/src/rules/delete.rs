//! Deleting and moving away files: `rm`, `rmdir /s`, `del`, `Remove-Item`, `find -delete`, `mv`.

use super::super::find;
use super::super::flags;
use super::super::invocation::{Invocation, UNSEEN_INPUT};
use super::super::paths::{self, Place};
use super::super::{Finding, Risk};
use super::writes;

const RM_LETTERS: &str = "rRfivdIPx";
const CMD_DELETERS: &[&str] = &["del", "erase", "rd", "rmdir"];
const POWERSHELL_DELETERS: &[&str] = &["remove-item", "ri"];

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let program = inv.program.as_str();
    if find::is_find(inv) && find::deletes(inv) {
        for path in find::matched_paths(inv) {
            out.extend(judge(&path, true));
        }
        return;
    }
    if program == "mv" {
        return check_move(inv, out);
    }
    let is_deleter =
        matches!(program, "rm" | "unlink" | "srm") || CMD_DELETERS.contains(&program) || POWERSHELL_DELETERS.contains(&program);
    if !is_deleter {
        return;
    }
    let args = &inv.args;
    let recursive = flags::short(args, 'r', RM_LETTERS)
        || flags::short(args, 'R', RM_LETTERS)
        || flags::long(args, "--recursive")
        || flags::slash(args, 's')
        || flags::powershell(args, "recurse", if POWERSHELL_DELETERS.contains(&program) { 1 } else { 3 });
    if program == "rmdir" && !recursive {
        return; // Only removes empty directories.
    }
    if flags::long(args, "--no-preserve-root") {
        out.push(Finding::new(Risk::Critical, "--no-preserve-root disables the guard against deleting /"));
    }
    let is_cmd_switch = |a: &str| CMD_DELETERS.contains(&program) && a.len() == 2 && a.starts_with('/') && a != "/.";
    for target in flags::operands(args).into_iter().filter(|a| !is_cmd_switch(a)) {
        out.extend(judge(target, recursive));
    }
}

/// The finding for deleting `target`.
fn judge(target: &str, recursive: bool) -> Option<Finding> {
    if target == UNSEEN_INPUT && recursive {
        return Some(
            Finding::new(Risk::High, "recursively deletes whatever paths its input lists, which cmdai cannot see")
                .with_alternative("print the list first, check it, then delete those paths"),
        );
    }
    // `{root}/**` (a whole tree that find lists) deletes everything below the root.
    let recursive = recursive || target.trim_end_matches('/').ends_with("/**");
    let place = paths::classify(target);
    let root = paths::tree_root(target).unwrap_or(target).to_string();
    let shown = shown_path(target);
    let target = shown.as_str();
    let trash = format!("move it to the trash instead: gio trash {target} (or trash-put {target})");
    let finding = match (place, recursive) {
        (Place::Root, _) if recursive => Finding::new(Risk::Critical, format!("recursively deletes the root directory '{target}'")),
        (Place::Home, true) => Finding::new(Risk::Critical, format!("recursively deletes the home directory '{target}'")),
        (Place::WorkingDir, true) => Finding::new(Risk::Critical, format!("recursively deletes everything in '{target}'"))
            .with_alternative("list what would go first (ls), then delete the named entries"),
        (Place::SystemDir, true) => Finding::new(Risk::Critical, format!("recursively deletes the system directory '{target}'")),
        (Place::WorkingDir, false) => Finding::new(Risk::High, format!("deletes every file matching '{target}'"))
            .with_alternative("list the files first, then delete them by name"),
        (Place::InsideSystem, true) => Finding::new(Risk::High, format!("recursively deletes system files in '{target}'")),
        (Place::InsideSystem, false) => match writes::write_risk(target, writes::WriteMode::Overwrite) {
            Some(write) if write.risk == Risk::Critical => {
                Finding::new(Risk::Critical, format!("deletes the critical system file '{target}'"))
            }
            _ => Finding::new(Risk::High, format!("deletes the system file '{target}'")),
        },
        (Place::AcrossTree, _) => Finding::new(Risk::High, format!("deletes the matching files anywhere under '{root}'"))
            .with_alternative("run the same search with -print first, and narrow it to the directory you mean"),
        (Place::Repository, _) => Finding::new(Risk::High, format!("deletes the git history in '{target}'"))
            .with_alternative("back the repository up (git bundle create) before deleting it"),
        (Place::VariablePrefix, true) => {
            Finding::new(Risk::High, format!("recursively deletes '{target}', which becomes a path under / if the variable is empty"))
                .with_alternative("use ${VAR:?} so an empty variable aborts the command")
        }
        (_, true) => Finding::new(Risk::Moderate, format!("recursively deletes '{target}'")).with_alternative(trash),
        (_, false) => Finding::new(Risk::Moderate, format!("deletes '{target}'")).with_alternative(trash),
    };
    Some(finding)
}

/// A path as the user wrote it: `/` for find's whole tree `/**`, `./…` for the files it
/// matches below `.`.
fn shown_path(target: &str) -> String {
    match paths::tree_root(target) {
        Some(root) if target.ends_with(paths::MATCHED) && root.ends_with('/') => format!("{root}…"),
        Some(root) if target.ends_with(paths::MATCHED) => format!("{root}/…"),
        Some(root) => root.to_string(),
        None => target.to_string(),
    }
}

fn check_move(inv: &Invocation, out: &mut Vec<Finding>) {
    let operands = flags::operands(&inv.args);
    let Some((destination, sources)) = operands.split_last() else { return };
    for source in sources {
        if matches!(paths::classify(source), Place::Root | Place::Home | Place::SystemDir) {
            out.push(Finding::new(Risk::Critical, format!("moves '{source}' away, which breaks the system or your account")));
        }
    }
    if !sources.is_empty() && paths::normalize(destination) == "/dev/null" {
        out.push(
            Finding::new(Risk::Moderate, "moving onto /dev/null destroys the moved file")
                .with_alternative("delete it with rm, or move it to the trash"),
        );
    }
}
