//! Turning off firewalls and other host protections.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::{Finding, Risk};
use super::{has_word, joined_lower, subcommand};

const PROTECTION_SERVICES: &[&str] =
    &["firewalld", "ufw", "nftables", "iptables", "ip6tables", "netfilter-persistent", "apparmor", "auditd", "pf"];

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let args = &inv.args;
    let text = joined_lower(inv);
    let disables = match inv.program.as_str() {
        "iptables" | "ip6tables" | "iptables-legacy" | "iptables-nft" => {
            let flushes = flags::short(args, 'F', "FtvnwX") || flags::long(args, "--flush");
            let accepts_all = flags::value(args, &["-P", "--policy"]).is_some() && has_word(inv, &["accept"]);
            flushes || accepts_all
        }
        "nft" => (text.contains("flush") && text.contains("ruleset")) || text.contains("delete table"),
        "ufw" => subcommand(inv).is_some_and(|s| s == "disable" || s == "reset"),
        "systemctl" | "service" => {
            has_word(inv, &["stop", "disable", "mask"])
                && inv.args.iter().any(|a| PROTECTION_SERVICES.contains(&a.trim_end_matches(".service").to_lowercase().as_str()))
        }
        "setenforce" => has_word(inv, &["0", "permissive"]),
        "netsh" => (text.contains("firewall") && text.contains("state off")) || text.contains("opmode disable"),
        "set-netfirewallprofile" => text.contains("-enabled") && (text.contains("false") || text.contains(" 0")),
        "set-mppreference" => text.contains("-disable") && (text.contains("true") || text.contains(" 1")),
        "pfctl" => flags::short(args, 'd', "d"),
        _ => false,
    };
    if disables {
        out.push(
            Finding::new(Risk::High, format!("{} turns off the firewall or another host protection", inv.program))
                .with_alternative("open only the port you need (e.g. ufw allow 8080/tcp)"),
        );
    }
}
