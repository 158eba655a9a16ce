//! Writing files: redirections, `tee`, `cp`/`mv` onto a file, `sed -i`, `truncate`. How bad a
//! write is depends on the file, from a scratch file to the password database or a disk.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::paths::{self, Device, Place};
use super::super::shell::{Redirect, RedirectKind};
use super::super::{Finding, Risk};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Overwrite,
    Append,
}

/// Files that decide who can log in and who is root.
const ACCOUNT_FILES: &[&str] = &["/etc/passwd", "/etc/shadow", "/etc/sudoers", "/etc/group", "/etc/gshadow"];
const SYSTEM_TREES: &[&str] = &["/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/sys", "/proc", "/var/lib", "/c:/windows"];
const SHELL_STARTUP: &[&str] = &[".bashrc", ".zshrc", ".profile", ".bash_profile", ".zprofile", ".bash_login", ".zshenv", ".cshrc"];

/// The finding for writing to `path`, if the write is risky.
pub fn write_risk(path: &str, mode: WriteMode) -> Option<Finding> {
    match paths::device(path) {
        Some(Device::Storage) => {
            return Some(
                Finding::new(Risk::Critical, format!("writes raw data to the device '{path}', destroying what is on it"))
                    .with_alternative("check the device with lsblk; write to an image file instead"),
            )
        }
        Some(Device::Network) => {
            return Some(Finding::new(Risk::Critical, "reverse shell: redirects to a /dev/tcp connection"));
        }
        Some(Device::Harmless) => return None,
        Some(Device::Other) => return Some(Finding::new(Risk::High, format!("writes to the device '{path}'"))),
        None => {}
    }
    let normalized = paths::normalize(path);
    let under = |dir: &str| normalized == dir || normalized.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'));
    if ACCOUNT_FILES.contains(&normalized.as_str()) || under("/etc/sudoers.d") {
        return Some(
            Finding::new(Risk::Critical, format!("writes to '{path}', which decides who can log in and who is root"))
                .with_alternative("edit it with visudo or vipw, which check the result"),
        );
    }
    if under("/boot") {
        return Some(Finding::new(Risk::Critical, format!("writes to the boot files in '{path}'")));
    }
    if SYSTEM_TREES.iter().any(|dir| under(dir)) || paths::classify(path) == Place::SystemDir {
        return Some(
            Finding::new(Risk::High, format!("writes to the system file '{path}'"))
                .with_alternative("back the file up first (cp FILE FILE.bak)"),
        );
    }
    let name = normalized.rsplit('/').next().unwrap_or_default();
    if name == "authorized_keys" {
        return Some(Finding::new(Risk::High, format!("changes who can log in over SSH through '{path}'")));
    }
    match mode {
        WriteMode::Overwrite if SHELL_STARTUP.contains(&name) => Some(
            Finding::new(Risk::High, format!("replaces your shell startup file '{path}'"))
                .with_alternative(format!("append with >> {path}, or back it up first")),
        ),
        WriteMode::Append if SHELL_STARTUP.contains(&name) => {
            Some(Finding::new(Risk::Moderate, format!("changes your shell startup file '{path}'")))
        }
        WriteMode::Overwrite => Some(
            Finding::new(Risk::Moderate, format!("overwrites '{path}' if it exists"))
                .with_alternative(format!("append with >> {path}, or write to a new file")),
        ),
        WriteMode::Append => None,
    }
}

/// Findings for a command's redirections; `bare` is true when no program runs (`> file`).
pub fn check_redirects(redirects: &[Redirect], bare: bool, out: &mut Vec<Finding>) {
    for redirect in redirects {
        let target = redirect.target.text.as_str();
        let finding = match redirect.kind {
            RedirectKind::Write => write_risk(target, WriteMode::Overwrite).map(|finding| {
                if bare && finding.risk == Risk::Moderate {
                    emptying(target)
                } else {
                    finding
                }
            }),
            RedirectKind::Append => write_risk(target, WriteMode::Append),
            RedirectKind::Read if paths::device(target) == Some(Device::Network) => write_risk(target, WriteMode::Overwrite),
            RedirectKind::Read | RedirectKind::Duplicate => None,
        };
        out.extend(finding);
    }
}

/// Options through which programs write the file they are given (`tar -f`, `curl -o`, ...).
const OUTPUT_OPTIONS: &[(&[&str], &[&str])] = &[
    (&["curl"], &["-o", "--output"]),
    (&["wget"], &["-O", "--output-document"]),
    (&["sort", "gpg", "gpg2", "zstd", "unzstd", "lz4", "age", "pandoc"], &["-o", "--output"]),
    (&["openssl"], &["-out"]),
    (&["mkisofs", "genisoimage", "xorrisofs"], &["-o"]),
    (&["xorriso"], &["-outdev", "-dev"]),
    (&["partclone"], &["-o", "--output"]),
    (&["copy-item", "cpi", "copy", "move-item"], &["-destination"]),
    (&["set-content", "out-file", "add-content"], &["-path", "-filepath"]),
];

/// Programs whose last operand is where they write: `cp SRC DEST`, `ddrescue IN OUT`.
const WRITES_LAST_OPERAND: &[&str] = &["dcfldd", "qemu-img", "bmaptool", "copy-item", "cpi", "copy", "xcopy", "move-item", "ffmpeg"];

/// The files `inv` writes through its own options or positional destination (redirections are
/// judged apart, `cp`/`mv`/`tee` below).
fn output_targets(inv: &Invocation) -> Vec<&str> {
    let args = &inv.args;
    // `partclone.ext4` and its siblings share their options.
    let program = inv.program.split('.').next().unwrap_or_default();
    // Short options are case-sensitive (`wget -O`), PowerShell's long ones are not.
    let is_option = |options: &[&str], arg: &str| options.iter().any(|o| *o == arg || (o.len() > 2 && o.eq_ignore_ascii_case(arg)));
    let mut targets = Vec::new();
    for (programs, options) in OUTPUT_OPTIONS {
        if programs.contains(&program) {
            let mut iter = args.iter();
            while let Some(arg) = iter.next() {
                if is_option(options, arg) {
                    targets.extend(iter.next().map(String::as_str));
                } else if let Some((name, value)) = arg.split_once('=') {
                    if is_option(options, name) {
                        targets.push(value);
                    }
                } else if let Some(value) = options.iter().filter(|o| o.len() == 2).find_map(|o| arg.strip_prefix(o)) {
                    targets.extend(Some(value).filter(|v| !v.is_empty()));
                }
            }
        }
    }
    if matches!(program, "tar" | "gtar" | "bsdtar" | "star") && tar_writes(args) {
        targets.extend(tar_archive(args));
    }
    if program == "ddrescue" {
        // ddrescue INFILE OUTFILE [MAPFILE]
        targets.extend(flags::operands(args).get(1).copied());
    }
    if WRITES_LAST_OPERAND.contains(&program) {
        let operands = flags::operands(args);
        if operands.len() >= 2 {
            targets.extend(operands.last().copied());
        }
    }
    targets
}

/// Whether `tar` creates or extends its archive (`-c`, `-r`, `-u`, `-A`) rather than reading it.
fn tar_writes(args: &[String]) -> bool {
    let long = ["--create", "--append", "--update", "--catenate", "--concatenate"];
    let in_cluster = |index: usize, arg: &str| {
        let cluster = arg.strip_prefix('-').filter(|rest| !rest.starts_with('-')).or((index == 0).then_some(arg));
        cluster.is_some_and(|c| c.chars().all(|ch| ch.is_ascii_alphabetic()) && c.contains(['c', 'r', 'u', 'A']))
    };
    args.iter().enumerate().any(|(index, arg)| long.contains(&arg.as_str()) || in_cluster(index, arg))
}

/// The archive `tar` writes or reads: the value of `-f`/`--file`, also inside letter clusters
/// (`-cvf FILE`, or the old style `cvf FILE` as the first argument).
fn tar_archive(args: &[String]) -> Option<&str> {
    if let Some(file) = flags::value(args, &["--file"]) {
        return Some(file);
    }
    for (index, arg) in args.iter().enumerate() {
        let cluster = match arg.strip_prefix('-') {
            Some(rest) if !rest.starts_with('-') => rest,
            None if index == 0 => arg.as_str(),
            _ => continue,
        };
        if !cluster.is_empty() && cluster.chars().all(|c| c.is_ascii_alphabetic()) && cluster.contains('f') {
            // `-fFILE` has the file attached; otherwise it is the next argument.
            return match cluster.split_once('f') {
                Some((_, attached)) if !attached.is_empty() && arg.starts_with('-') && cluster.starts_with('f') => Some(&arg[2..]),
                _ => args.get(index + 1).map(String::as_str),
            };
        }
    }
    None
}

/// Programs that write to files named in their arguments.
pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    for target in output_targets(inv) {
        out.extend(write_risk(target, WriteMode::Overwrite).filter(|f| f.risk >= Risk::High));
    }
    let args = &inv.args;
    let operands = flags::operands(args);
    let serious = |finding: Option<Finding>| finding.filter(|f| f.risk >= Risk::High);
    match inv.program.as_str() {
        "tee" => {
            let mode =
                if flags::short(args, 'a', "aip") || flags::long(args, "--append") { WriteMode::Append } else { WriteMode::Overwrite };
            for file in operands {
                out.extend(write_risk(file, mode));
            }
        }
        "cp" | "mv" | "install" | "ln" | "rsync" => {
            if let [source, .., destination] = operands.as_slice() {
                if *source == "/dev/null" && inv.program == "cp" {
                    out.push(emptying(destination));
                } else {
                    out.extend(serious(write_risk(destination, WriteMode::Overwrite)));
                }
            }
        }
        "sed" | "perl" if args.iter().any(|a| a.starts_with("-i") || a.starts_with("--in-place") || a.starts_with("-pi")) => {
            for file in operands {
                out.extend(serious(write_risk(file, WriteMode::Overwrite)));
            }
        }
        "truncate" if flags::value(args, &["-s", "--size"]).is_some_and(|size| size == "0") => {
            for file in flags::operands_after_values(args, &["-s", "--size", "-r", "--reference"]) {
                out.push(emptying(file));
            }
        }
        _ => {}
    }
}

/// Emptying a file: as bad as overwriting it, and at least a loss of its contents.
fn emptying(path: &str) -> Finding {
    match write_risk(path, WriteMode::Overwrite) {
        Some(finding) if finding.risk > Risk::Moderate => finding,
        _ => Finding::new(Risk::Moderate, format!("empties '{path}'")).with_alternative("keep a copy first (cp FILE FILE.bak)"),
    }
}
