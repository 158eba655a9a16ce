//! Mirroring tools that delete: `rsync --delete`, `rclone sync`, `robocopy /MIR`. They make
//! the destination look like the source, so an empty or wrong source empties the destination.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::paths::{self, Place};
use super::super::{Finding, Risk};

const RSYNC_DELETING: &[&str] =
    &["--delete", "--del", "--delete-before", "--delete-during", "--delete-delay", "--delete-after", "--delete-excluded"];
const MIRRORS: &str = "deletes whatever in it is missing from the source";
/// Moving files away deletes them where they were, like `mv`.
const MOVES: &str = "deletes the files it sends";
const DRY_RUN: &str = "run it with --dry-run (or -n) first and read what it would delete";

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let args = &inv.args;
    match inv.program.as_str() {
        "rsync" => {
            let operands = rsync_operands(args);
            let Some((destination, sources)) = operands.split_last() else { return };
            if args.iter().any(|a| RSYNC_DELETING.contains(&a.as_str())) {
                out.push(judge("rsync --delete", destination, MIRRORS));
            }
            if flags::long(args, "--remove-source-files") {
                for source in sources {
                    out.push(judge("rsync --remove-source-files", source, MOVES));
                }
            }
        }
        "rclone" => {
            let operands = flags::operands(args);
            let syncs = operands.first().is_some_and(|sub| matches!(*sub, "sync" | "bisync"));
            let moves = operands.first().is_some_and(|sub| *sub == "move");
            match operands.as_slice() {
                [_, _, destination, ..] if syncs => {
                    out.push(judge("rclone sync", destination, MIRRORS));
                }
                [_, source, _, ..] if moves => out.push(judge("rclone move", source, MOVES)),
                _ => {}
            }
        }
        "robocopy" => {
            let mirrors = args.iter().any(|a| a.eq_ignore_ascii_case("/mir") || a.eq_ignore_ascii_case("/purge"));
            let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('/')).collect();
            if let (true, Some(destination)) = (mirrors, operands.get(1)) {
                out.push(judge("robocopy /MIR", destination, MIRRORS));
            }
        }
        _ => {}
    }
}

/// How bad it is to let `tool` delete in `target`: critical for /, a home, a system directory
/// or a drive root (here or on a remote host); for other places high when mirroring into a
/// local directory, moderate when mirroring to a remote one (deploying a build with --delete is
/// routine) or when moving files away (as `mv` does).
fn judge(tool: &str, target: &str, what: &str) -> Finding {
    let (remote, path) = split_remote(target);
    let place = paths::classify(path);
    let (risk, whose) = match place {
        Place::Root | Place::Home | Place::SystemDir => (Risk::Critical, "the whole of"),
        _ if remote => (Risk::Moderate, "the remote"),
        _ if what == MOVES => (Risk::Moderate, "the directory"),
        _ => (Risk::High, "the directory"),
    };
    Finding::new(risk, format!("{tool} {what}: {whose} '{target}'")).with_alternative(DRY_RUN)
}

/// `host:path`, `user@host:path` and `rsync://` addresses are on another machine; `C:\x` is not.
fn split_remote(target: &str) -> (bool, &str) {
    if let Some(rest) = target.strip_prefix("rsync://") {
        return (true, rest.split_once('/').map_or("/", |(_, path)| path));
    }
    match target.split_once(':') {
        Some((host, path)) if !host.is_empty() && !host.contains('/') && !is_drive_path(target) => {
            (true, if path.is_empty() { "~" } else { path })
        }
        _ => (false, target),
    }
}

fn is_drive_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && (bytes.len() == 2 || matches!(bytes[2], b'\\' | b'/'))
}

/// rsync's operands, leaving out the values of its options that take one.
fn rsync_operands(args: &[String]) -> Vec<&str> {
    const VALUES: &[&str] =
        &["-e", "--rsh", "--exclude", "--include", "--filter", "-f", "--exclude-from", "--include-from", "--files-from"];
    flags::operands_after_values(args, VALUES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_and_local_destinations() {
        assert_eq!(split_remote("server:/srv/app/"), (true, "/srv/app/"));
        assert_eq!(split_remote("me@host:"), (true, "~"));
        assert_eq!(split_remote("rsync://host/module/x"), (true, "module/x"));
        assert_eq!(split_remote("C:\\"), (false, "C:\\"));
        assert_eq!(split_remote("backup/"), (false, "backup/"));
        assert_eq!(split_remote("./a:b"), (false, "./a:b"));
    }
}
