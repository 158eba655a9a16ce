//! The rules that judge one invocation (or one pipeline), one family of harm per module.

mod delete;
mod disk;
mod firewall;
pub mod forkbomb;
mod git;
mod infra;
mod mirror;
pub mod network;
mod perms;
mod system;
mod windows;
pub mod writes;

use super::invocation::Invocation;
use super::{Finding, Risk};

/// Adds the findings for one program run.
pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    if inv.disguised {
        out.push(Finding::new(Risk::Moderate, format!("the program name '{}' is spelt with look-alike characters", inv.program)));
    }
    for rule in [
        delete::check,
        disk::check,
        firewall::check,
        forkbomb::check_code,
        git::check,
        infra::check,
        mirror::check,
        network::check,
        perms::check,
        system::check,
        windows::check,
        writes::check,
    ] {
        rule(inv, out);
    }
}

/// Adds the findings that come from how the stages of a pipeline feed each other.
pub fn check_pipeline(stages: &[Invocation], out: &mut Vec<Finding>) {
    network::check_pipeline(stages, out);
}

/// Lower-cased arguments joined by spaces, for rules that look for keyword sequences.
fn joined_lower(inv: &Invocation) -> String {
    inv.args.join(" ").to_lowercase()
}

/// The first argument that is not an option, lower-cased: the subcommand of `git`, `ufw`...
fn subcommand(inv: &Invocation) -> Option<String> {
    inv.args.iter().find(|a| !a.starts_with('-')).map(|a| a.to_lowercase())
}

fn has_word(inv: &Invocation, words: &[&str]) -> bool {
    inv.args.iter().any(|a| words.iter().any(|w| a.eq_ignore_ascii_case(w)))
}
