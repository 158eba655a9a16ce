//! Overwriting, formatting and repartitioning disks.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::paths::{self, Device};
use super::super::{Finding, Risk};
use super::{has_word, subcommand, writes};

const CHECK_DEVICE: &str = "check the device name with lsblk (or diskutil list) and write to an image file to test";

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let program = inv.program.as_str();
    let args = &inv.args;
    let operands = flags::operands(args);
    let target = operands.last().copied().unwrap_or("the device");
    match program {
        "dd" => {
            for output in args.iter().filter_map(|a| a.strip_prefix("of=")) {
                if paths::device(output) == Some(Device::Storage) {
                    out.push(
                        Finding::new(Risk::Critical, format!("dd overwrites the disk device '{output}'")).with_alternative(CHECK_DEVICE),
                    );
                } else {
                    out.extend(writes::write_risk(output, writes::WriteMode::Overwrite).filter(|f| f.risk >= Risk::High));
                }
            }
        }
        p if is_formatter(p) => {
            out.push(
                Finding::new(Risk::Critical, format!("{p} formats '{target}', erasing everything on it")).with_alternative(CHECK_DEVICE),
            );
        }
        "fdisk" | "gdisk" | "cfdisk" | "sfdisk" | "sgdisk" | "parted" | "wipefs" => {
            let lists_only = flags::short(args, 'l', "lsdp")
                || flags::long(args, "--list")
                || flags::long(args, "--dump")
                || flags::short(args, 'p', "p")
                || (program == "parted" && has_word(inv, &["print"]))
                || (program == "wipefs"
                    && !(flags::short(args, 'a', "afq")
                        || flags::long(args, "--all")
                        || flags::value(args, &["-o", "--offset"]).is_some()));
            if !lists_only {
                out.push(
                    Finding::new(Risk::Critical, format!("{program} rewrites the partition table or signatures of '{target}'"))
                        .with_alternative("inspect first with lsblk or fdisk -l"),
                );
            }
        }
        "blkdiscard" => out.push(Finding::new(Risk::Critical, format!("blkdiscard discards every block of '{target}'"))),
        "hdparm" if args.iter().any(|a| a.starts_with("--security-erase") || a.starts_with("--trim-sector")) => {
            out.push(Finding::new(Risk::Critical, "hdparm erases the drive"));
        }
        "shred" => {
            for file in &operands {
                if paths::device(file) == Some(Device::Storage) {
                    out.push(
                        Finding::new(Risk::Critical, format!("shred overwrites the disk device '{file}'")).with_alternative(CHECK_DEVICE),
                    );
                } else {
                    out.push(
                        Finding::new(Risk::High, format!("shred irreversibly destroys '{file}'"))
                            .with_alternative("delete it normally, or move it to the trash"),
                    );
                }
            }
        }
        "diskutil" => {
            const ERASING: &[&str] =
                &["erasedisk", "erasevolume", "zerodisk", "randomdisk", "secureerase", "partitiondisk", "reformat", "deletecontainer"];
            if subcommand(inv).is_some_and(|s| ERASING.contains(&s.as_str())) || has_word(inv, &["deletecontainer", "deletevolume"]) {
                out.push(
                    Finding::new(Risk::Critical, "diskutil erases a disk or volume")
                        .with_alternative("run diskutil list to check the identifier first"),
                );
            }
        }
        "format" if operands.iter().any(|a| a.len() == 2 && a.ends_with(':')) => {
            out.push(Finding::new(Risk::Critical, format!("format erases the drive {target}")));
        }
        "format-volume" | "clear-disk" | "initialize-disk" | "remove-partition" => {
            out.push(Finding::new(Risk::Critical, format!("{program} erases a disk or volume")));
        }
        "diskpart" => out.push(Finding::new(Risk::Critical, "diskpart can clean and repartition disks")),
        "cipher" if args.iter().any(|a| a.to_lowercase().starts_with("/w")) => {
            out.push(Finding::new(Risk::Moderate, "cipher /w overwrites all free space on the drive, which takes long"));
        }
        _ => {}
    }
}

fn is_formatter(program: &str) -> bool {
    ["mkfs", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "mkexfatfs", "newfs"]
        .iter()
        .any(|name| program == *name || program.strip_prefix(name).is_some_and(|rest| rest.starts_with(['.', '_'])))
}
