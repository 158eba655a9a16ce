//! Safety modes: how a verdict turns into allowing, confirming or blocking a command.

use std::fmt;
use std::str::FromStr;

use super::Risk;

/// How cautious cmdai is with the commands it suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SafetyMode {
    Strict,
    #[default]
    Moderate,
    Permissive,
}

const MODES: [(SafetyMode, &str); 3] =
    [(SafetyMode::Strict, "strict"), (SafetyMode::Moderate, "moderate"), (SafetyMode::Permissive, "permissive")];

impl FromStr for SafetyMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        MODES.iter().find(|(_, name)| name.eq_ignore_ascii_case(wanted)).map(|(mode, _)| *mode).ok_or_else(|| {
            let names: Vec<&str> = MODES.iter().map(|(_, name)| *name).collect();
            format!("unknown safety mode '{s}': expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for SafetyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = MODES.iter().find(|(mode, _)| mode == self).map_or("moderate", |(_, name)| name);
        f.write_str(name)
    }
}

/// What to do with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Confirm,
    Block,
}

/// The action the mode prescribes for a command of the given risk.
pub fn decide(mode: SafetyMode, risk: Risk) -> Decision {
    use Decision::{Allow, Block, Confirm};
    match (mode, risk) {
        (SafetyMode::Strict, Risk::Safe) => Allow,
        (SafetyMode::Strict, Risk::Moderate) => Confirm,
        (SafetyMode::Strict, _) => Block,
        (SafetyMode::Moderate, Risk::Safe | Risk::Moderate) => Allow,
        (SafetyMode::Moderate, Risk::High) => Confirm,
        (SafetyMode::Moderate, Risk::Critical) => Block,
        (SafetyMode::Permissive, Risk::Critical) => Confirm,
        (SafetyMode::Permissive, _) => Allow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Block, Confirm};

    #[test]
    fn decision_table() {
        let risks = [Risk::Safe, Risk::Moderate, Risk::High, Risk::Critical];
        let table = [
            (SafetyMode::Strict, [Allow, Confirm, Block, Block]),
            (SafetyMode::Moderate, [Allow, Allow, Confirm, Block]),
            (SafetyMode::Permissive, [Allow, Allow, Allow, Confirm]),
        ];
        for (mode, expected) in table {
            let got: Vec<Decision> = risks.iter().map(|&r| decide(mode, r)).collect();
            assert_eq!(got, expected, "{mode}");
        }
    }

    #[test]
    fn modes_parse_and_print() {
        assert_eq!("STRICT".parse::<SafetyMode>(), Ok(SafetyMode::Strict));
        assert_eq!(" Permissive ".parse::<SafetyMode>(), Ok(SafetyMode::Permissive));
        assert_eq!(SafetyMode::default(), SafetyMode::Moderate);
        for (mode, name) in MODES {
            assert_eq!(mode.to_string(), name);
            assert_eq!(name.parse::<SafetyMode>(), Ok(mode));
        }
        let err = "yolo".parse::<SafetyMode>().err().unwrap_or_default();
        assert!(err.contains("yolo") && err.contains("strict, moderate, permissive"), "{err}");
    }
}
