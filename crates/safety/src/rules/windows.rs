//! Windows-only system changes: execution policy, shadow copies, boot configuration, registry.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::{Finding, Risk};
use super::{has_word, joined_lower, subcommand};

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let text = joined_lower(inv);
    let finding = match inv.program.as_str() {
        "set-executionpolicy" if has_word(inv, &["unrestricted", "bypass"]) => Some(
            Finding::new(Risk::High, "lets every PowerShell script run unchecked")
                .with_alternative("Set-ExecutionPolicy RemoteSigned -Scope CurrentUser, or -Scope Process for one session"),
        ),
        "vssadmin" if text.contains("delete") && text.contains("shadows") => {
            Some(Finding::new(Risk::Critical, "deletes all volume shadow copies, the system's restore points"))
        }
        "wmic" if text.contains("shadowcopy") && text.contains("delete") => {
            Some(Finding::new(Risk::Critical, "deletes all volume shadow copies, the system's restore points"))
        }
        "bcdedit" if inv.args.iter().any(|a| matches!(a.to_lowercase().as_str(), "/set" | "/delete" | "/deletevalue" | "/import")) => Some(
            Finding::new(Risk::High, "changes the boot configuration; a mistake stops Windows from starting")
                .with_alternative("bcdedit /export C:\\bcd-backup first"),
        ),
        "reg" if subcommand(inv).as_deref() == Some("delete") => Some(if text.contains("hklm") || text.contains("hkey_local_machine") {
            Finding::new(Risk::High, "deletes machine-wide registry keys").with_alternative("reg export the key first")
        } else {
            Finding::new(Risk::Moderate, "deletes registry keys").with_alternative("reg export the key first")
        }),
        "remove-itemproperty" | "remove-item" if text.contains("hklm:") => {
            Some(Finding::new(Risk::High, "deletes machine-wide registry keys"))
        }
        "powershell" | "pwsh" if flags::powershell(&inv.args, "encodedcommand", 1) || has_word(inv, &["-ec"]) => {
            Some(Finding::new(Risk::High, "runs an encoded command that cannot be read before it runs"))
        }
        _ => None,
    };
    out.extend(finding);
}
