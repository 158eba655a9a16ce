//! The result types: how risky a command is and why.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much harm a command can do, from none to irreversible loss of a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Safe,
    Moderate,
    High,
    Critical,
}

impl Risk {
    /// The process exit code for this level: 0 safe … 3 critical.
    pub fn exit_code(self) -> u8 {
        match self {
            Risk::Safe => 0,
            Risk::Moderate => 1,
            Risk::High => 2,
            Risk::Critical => 3,
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Risk::Safe => "safe",
            Risk::Moderate => "moderate",
            Risk::High => "high",
            Risk::Critical => "critical",
        })
    }
}

/// One reason a command is risky, with a safer way to get the job done where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub risk: Risk,
    pub reason: String,
    pub alternative: Option<String>,
}

impl Finding {
    pub(crate) fn new(risk: Risk, reason: impl Into<String>) -> Self {
        Finding { risk, reason: reason.into(), alternative: None }
    }

    pub(crate) fn with_alternative(mut self, alternative: impl Into<String>) -> Self {
        self.alternative = Some(alternative.into());
        self
    }
}

/// The verdict on a command: the highest risk found and every finding behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub risk: Risk,
    pub findings: Vec<Finding>,
}

impl Assessment {
    /// Builds the verdict, dropping repeated findings (nested scripts often repeat them).
    pub(crate) fn from_findings(found: Vec<Finding>) -> Self {
        let mut findings: Vec<Finding> = Vec::with_capacity(found.len());
        for finding in found {
            if !findings.iter().any(|f| f.risk == finding.risk && f.reason == finding.reason) {
                findings.push(finding);
            }
        }
        let risk = findings.iter().map(|f| f.risk).max().unwrap_or(Risk::Safe);
        Assessment { risk, findings }
    }

    fn top(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.risk == self.risk)
    }

    /// The reasons of the highest-risk findings joined with "; ", or "no known risk" when safe.
    pub fn reason(&self) -> String {
        if self.risk == Risk::Safe {
            return "no known risk".to_string();
        }
        self.top().map(|f| f.reason.as_str()).collect::<Vec<_>>().join("; ")
    }

    /// The first safer alternative among the highest-risk findings.
    pub fn alternative(&self) -> Option<String> {
        self.top().find_map(|f| f.alternative.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_order_codes_and_names() {
        assert!(Risk::Safe < Risk::Moderate && Risk::Moderate < Risk::High && Risk::High < Risk::Critical);
        let codes: Vec<u8> = [Risk::Safe, Risk::Moderate, Risk::High, Risk::Critical].map(Risk::exit_code).to_vec();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert_eq!(Risk::Critical.to_string(), "critical");
        assert_eq!(serde_json::to_string(&Risk::Critical).ok().as_deref(), Some("\"critical\""));
        assert_eq!(serde_json::from_str::<Risk>("\"moderate\"").ok(), Some(Risk::Moderate));
    }

    #[test]
    fn reason_and_alternative_come_from_the_top_findings() {
        let safe = Assessment::from_findings(Vec::new());
        assert_eq!((safe.risk, safe.reason(), safe.alternative()), (Risk::Safe, "no known risk".to_string(), None));
        let mixed = Assessment::from_findings(vec![
            Finding::new(Risk::Moderate, "low").with_alternative("ignored"),
            Finding::new(Risk::High, "first"),
            Finding::new(Risk::High, "second").with_alternative("do this"),
            Finding::new(Risk::High, "first"),
        ]);
        assert_eq!(mixed.risk, Risk::High);
        assert_eq!(mixed.findings.len(), 3);
        assert_eq!(mixed.reason(), "first; second");
        assert_eq!(mixed.alternative().as_deref(), Some("do this"));
    }
}
