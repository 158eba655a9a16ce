//! git commands that throw away commits or uncommitted work.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::{Finding, Risk};

/// Global options that take a value before the subcommand.
const GLOBAL_WITH_VALUE: &[&str] = &["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"];

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    if inv.program != "git" {
        return;
    }
    let mut i = 0;
    while let Some(arg) = inv.args.get(i) {
        if !arg.starts_with('-') {
            break;
        }
        i += if GLOBAL_WITH_VALUE.contains(&arg.as_str()) { 2 } else { 1 };
    }
    let Some(subcommand) = inv.args.get(i) else { return };
    let args = inv.args.get(i + 1..).unwrap_or_default();
    let operands = flags::operands(args);
    let finding = match subcommand.as_str() {
        "push" => {
            let forced = flags::long(args, "--force")
                || flags::short(args, 'f', "fuvnqd")
                || operands.iter().skip(1).any(|refspec| refspec.starts_with('+'));
            let leased = flags::long(args, "--force-with-lease") || flags::long(args, "--force-if-includes");
            let deletes = flags::long(args, "--delete") || flags::short(args, 'd', "fuvnqd") || operands.iter().any(|r| r.starts_with(':'));
            if forced {
                Some(
                    Finding::new(Risk::High, "git push --force can overwrite commits others pushed")
                        .with_alternative("git push --force-with-lease"),
                )
            } else if leased {
                Some(Finding::new(Risk::Moderate, "force-pushes, though only if the remote has not moved"))
            } else if deletes || flags::long(args, "--mirror") {
                Some(Finding::new(Risk::Moderate, "deletes or replaces branches on the remote"))
            } else {
                None
            }
        }
        "reset" if flags::long(args, "--hard") => Some(
            Finding::new(Risk::High, "git reset --hard throws away uncommitted changes")
                .with_alternative("git stash (keeps the changes recoverable)"),
        ),
        "clean" => {
            let forced = flags::short(args, 'f', "fdxXqie") || flags::long(args, "--force");
            let dry_run = flags::short(args, 'n', "fdxXqien") || flags::long(args, "--dry-run");
            (forced && !dry_run).then(|| {
                Finding::new(Risk::High, "git clean -f deletes untracked files for good")
                    .with_alternative("git clean -n to see what would be deleted first")
            })
        }
        "checkout" => {
            let discards = args.iter().any(|a| a == "--" || a == ".") || flags::short(args, 'f', "fq") || flags::long(args, "--force");
            let new_branch = flags::short(args, 'b', "bBt") || flags::short(args, 'B', "bBt");
            (discards && !new_branch).then(|| {
                Finding::new(Risk::Moderate, "discards uncommitted changes to the checked-out files").with_alternative("git stash")
            })
        }
        "restore" => {
            let only_staged = flags::long(args, "--staged") && !flags::long(args, "--worktree");
            (!only_staged && !operands.is_empty())
                .then(|| Finding::new(Risk::Moderate, "git restore discards uncommitted changes").with_alternative("git stash"))
        }
        "branch" if flags::short(args, 'D', "D") || (flags::long(args, "--delete") && flags::long(args, "--force")) => Some(
            Finding::new(Risk::Moderate, "deletes a branch even if it is not merged")
                .with_alternative("git branch -d (refuses unmerged branches)"),
        ),
        "stash" if operands.first().is_some_and(|s| *s == "drop" || *s == "clear") => {
            Some(Finding::new(Risk::Moderate, "drops stashed changes"))
        }
        "filter-branch" | "filter-repo" => Some(
            Finding::new(Risk::High, "rewrites the whole history of the repository")
                .with_alternative("work on a fresh clone and keep a backup"),
        ),
        _ => None,
    };
    out.extend(finding);
}
