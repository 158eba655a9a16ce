//! Screens the user's natural-language request, so that a harmless-looking command produced for
//! a harmful request ("wipe the disk") is still flagged. Everyday wording ("format this json
//! file", "kill the process on port 3000", "delete the build folder") must pass.

use super::{Finding, Risk};

/// A harmful intent: a verb and an object close after it, or a telling phrase.
struct Intent {
    risk: Risk,
    reason: &'static str,
    verbs: &'static [&'static str],
    /// Objects that are harmful whatever follows them.
    objects: &'static [&'static str],
    /// Objects that are harmful only unscoped ("delete everything", not "delete everything in build/").
    scoped_objects: &'static [&'static str],
    phrases: &'static [&'static str],
}

/// How many words may stand between a verb and its object ("wipe my whole external drive").
const GAP: usize = 3;

/// Words that, after "everything in/on", mean the whole machine rather than one folder.
const WHOLE_MACHINE: &[&str] =
    &["/", "root", "computer", "system", "machine", "disk", "drive", "pc", "laptop", "server", "c:", "home", "~", "filesystem"];

const INTENTS: &[Intent] = &[
    Intent {
        risk: Risk::Critical,
        reason: "the request asks to wipe or format a disk",
        verbs: &["wipe", "erase", "format", "reformat", "nuke", "zero", "overwrite", "shred", "destroy", "corrupt"],
        objects: &[
            "hard drive",
            "hard disk",
            "hdd",
            "ssd",
            "/dev/sda",
            "/dev/nvme0n1",
            "sda",
            "nvme",
            "boot sector",
            "mbr",
            "partition table",
            "c:",
            "c drive",
        ],
        scoped_objects: &["disk", "disks", "drive", "drives", "partition", "partitions"],
        phrases: &["wipe the disk", "disk wipe"],
    },
    Intent {
        risk: Risk::Critical,
        reason: "the request asks to delete everything or the system's files",
        verbs: &["delete", "remove", "erase", "wipe", "destroy", "nuke", "rm", "trash", "clear"],
        objects: &["system32", "root directory", "root folder", "root filesystem", "root partition", "/", "boot partition", "/etc", "/usr"],
        scoped_objects: &[
            "everything",
            "all files",
            "all the files",
            "all my files",
            "every file",
            "whole system",
            "entire system",
            "the system",
            "the filesystem",
            "the file system",
            "the os",
            "operating system",
            "my computer",
            "the computer",
            "home directory",
            "home folder",
        ],
        phrases: &["rm -rf /", "rm -rf ~", "rm -rf *", "rm -rf /*"],
    },
    Intent {
        risk: Risk::Critical,
        reason: "the request asks to crash or destroy the system",
        verbs: &["crash", "freeze", "brick", "destroy", "break", "corrupt", "hose"],
        objects: &[
            "system",
            "computer",
            "machine",
            "os",
            "operating system",
            "kernel",
            "bootloader",
            "laptop",
            "pc",
            "server",
            "linux",
            "windows",
            "mac",
        ],
        scoped_objects: &[],
        phrases: &["fork bomb", "forkbomb", "fork-bomb", "unbootable", "ransomware", "kernel panic"],
    },
    Intent {
        risk: Risk::High,
        reason: "the request asks for a reverse shell or a backdoor",
        verbs: &[],
        objects: &[],
        scoped_objects: &[],
        phrases: &["reverse shell", "bind shell", "backdoor", "back door", "remote shell", "meterpreter", "keylogger", "rootkit"],
    },
    Intent {
        risk: Risk::High,
        reason: "the request asks to turn off the firewall or another protection",
        verbs: &["disable", "turn off", "switch off", "shut off", "stop", "deactivate", "flush", "bypass", "kill", "remove"],
        objects: &["firewall", "firewalld", "iptables", "ufw", "nftables", "selinux", "apparmor", "antivirus", "defender", "security"],
        scoped_objects: &[],
        phrases: &[],
    },
    Intent {
        risk: Risk::High,
        reason: "the request asks to kill every process",
        verbs: &["kill", "terminate", "stop"],
        objects: &[],
        scoped_objects: &["all processes", "every process", "all the processes", "everything", "all programs"],
        phrases: &[],
    },
    Intent {
        risk: Risk::High,
        reason: "the request asks to escalate privileges or steal credentials",
        verbs: &["steal", "dump", "crack", "exfiltrate", "harvest"],
        objects: &["passwords", "password hashes", "credentials", "hashes", "/etc/shadow", "cookies"],
        scoped_objects: &[],
        phrases: &[
            "privilege escalation",
            "escalate privileges",
            "escalate my privileges",
            "cover my tracks",
            "cover tracks",
            "passwordless root",
        ],
    },
];

/// Findings for a request, at most one per kind of intent.
pub fn screen(request: &str) -> Vec<Finding> {
    let lowered = request.to_lowercase();
    let tokens: Vec<&str> =
        lowered.split(|c: char| !(c.is_alphanumeric() || "/~-*:.".contains(c))).map(clean).filter(|t| !t.is_empty()).collect();
    INTENTS.iter().filter(|intent| matches(intent, &tokens)).map(|intent| Finding::new(intent.risk, intent.reason)).collect()
}

/// Drops sentence punctuation around a token but keeps path-like ones such as "/" and "c:".
fn clean(raw: &str) -> &str {
    if raw == "/" || raw == "c:" || raw == "~" {
        return raw;
    }
    raw.trim_end_matches(['.', ':']).trim_start_matches('.')
}

fn matches(intent: &Intent, tokens: &[&str]) -> bool {
    if intent.phrases.iter().any(|phrase| !positions(tokens, phrase).is_empty()) {
        return true;
    }
    for verb in intent.verbs {
        for verb_end in positions(tokens, verb).into_iter().map(|start| start + words(verb).len()) {
            let near = |object: &&'static str| -> Vec<usize> {
                positions(tokens, object)
                    .into_iter()
                    .filter(|&start| start >= verb_end && start <= verb_end + GAP)
                    .map(|start| start + words(object).len())
                    .collect()
            };
            if intent.objects.iter().flat_map(near).next().is_some() {
                return true;
            }
            let unscoped = intent.scoped_objects.iter().flat_map(near).any(|end| covers_everything(tokens.get(end..).unwrap_or_default()));
            if unscoped {
                return true;
            }
        }
    }
    false
}

/// After "delete everything": nothing, or "on/in/from" the whole machine.
fn covers_everything(rest: &[&str]) -> bool {
    match rest.first() {
        None => true,
        Some(&("on" | "in" | "from" | "under" | "inside" | "at" | "of")) => {
            rest.iter().skip(1).take(3).any(|word| WHOLE_MACHINE.contains(word))
        }
        Some(word) => WHOLE_MACHINE.contains(word) || *word == "and",
    }
}

fn words(phrase: &str) -> Vec<&str> {
    phrase.split(' ').collect()
}

/// Token indexes where `phrase` starts.
fn positions(tokens: &[&str], phrase: &str) -> Vec<usize> {
    let wanted = words(phrase);
    if wanted.is_empty() || tokens.len() < wanted.len() {
        return Vec::new();
    }
    (0..=tokens.len() - wanted.len()).filter(|&i| tokens.get(i..i + wanted.len()) == Some(&wanted[..])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(request: &str) -> Risk {
        screen(request).iter().map(|f| f.risk).max().unwrap_or(Risk::Safe)
    }

    #[test]
    fn harmful_requests_are_flagged() {
        for request in [
            "wipe the disk",
            "Format my hard drive",
            "erase /dev/sda completely",
            "delete everything",
            "remove all files on my computer",
            "delete everything in root",
            "please run rm -rf /",
            "write a fork bomb",
            "delete System32",
            "brick my laptop",
            "make the machine unbootable",
        ] {
            assert_eq!(risk(request), Risk::Critical, "{request}");
        }
        for request in ["open a reverse shell to 10.0.0.1", "disable the firewall", "turn off SELinux", "kill all processes"] {
            assert_eq!(risk(request), Risk::High, "{request}");
        }
    }

    #[test]
    fn everyday_requests_pass() {
        for request in [
            "delete the build folder",
            "kill the process on port 3000",
            "format this json file",
            "remove node_modules",
            "format the disk usage output as a table",
            "delete all files older than 7 days in /tmp",
            "delete everything in the build directory",
            "show free space on the disk",
            "kill all processes named node",
            "clear the terminal",
            "stop the nginx service",
            "format the date as ISO 8601",
            "erase the last line of notes.txt",
            "list all files",
            "",
        ] {
            assert_eq!(risk(request), Risk::Safe, "{request}");
        }
    }
}
