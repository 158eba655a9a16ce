//! Corpus check of the safety validator: every dangerous command must be judged at exactly
//! its listed level, at most 2% of everyday commands may be rated above safe, and at most 2%
//! of harmless look-alikes of the dangerous families at High or above.

use cmdai_safety::{assess, Risk};

const DANGEROUS: &str = include_str!("corpus/dangerous.tsv");
const EVERYDAY: &str = include_str!("corpus/everyday.txt");
const LOOKALIKES: &str = include_str!("corpus/lookalikes.txt");

/// Lines that are neither blank nor `#` comments.
fn entries(corpus: &str) -> impl Iterator<Item = &str> {
    corpus.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
}

fn level(name: &str) -> Option<Risk> {
    match name {
        "moderate" => Some(Risk::Moderate),
        "high" => Some(Risk::High),
        "critical" => Some(Risk::Critical),
        _ => None,
    }
}

#[test]
fn corpus() {
    let mut dangerous_total = 0;
    let mut mismatches = Vec::new();
    for line in entries(DANGEROUS) {
        dangerous_total += 1;
        let Some((expected, command)) = line.split_once('\t').and_then(|(name, command)| Some((level(name)?, command))) else {
            mismatches.push(format!("malformed line: {line:?}"));
            continue;
        };
        let assessment = assess(command);
        if assessment.risk != expected {
            mismatches.push(format!("expected {expected}, got {}: {command}  ({})", assessment.risk, assessment.reason()));
        }
    }
    let mut everyday_total = 0;
    let mut false_alarms = Vec::new();
    for command in entries(EVERYDAY) {
        everyday_total += 1;
        let assessment = assess(command);
        if assessment.risk > Risk::Safe {
            false_alarms.push(format!("{}: {command}  ({})", assessment.risk, assessment.reason()));
        }
    }
    let mut lookalikes_total = 0;
    let mut lookalike_alarms = Vec::new();
    for command in entries(LOOKALIKES) {
        lookalikes_total += 1;
        let assessment = assess(command);
        if assessment.risk >= Risk::High {
            lookalike_alarms.push(format!("{}: {command}  ({})", assessment.risk, assessment.reason()));
        }
    }
    let exact = dangerous_total - mismatches.len();
    let rate = 100.0 * false_alarms.len() as f64 / everyday_total.max(1) as f64;
    println!(
        "dangerous: {exact}/{dangerous_total} at the exact level; everyday: {}/{everyday_total} false alarms ({rate:.1}%)",
        false_alarms.len()
    );
    let lookalike_rate = 100.0 * lookalike_alarms.len() as f64 / lookalikes_total.max(1) as f64;
    println!("look-alikes: {}/{lookalikes_total} at High or above ({lookalike_rate:.1}%)", lookalike_alarms.len());
    for line in false_alarms.iter().chain(&lookalike_alarms) {
        println!("  false alarm: {line}");
    }
    assert!(
        dangerous_total >= 850 && everyday_total >= 330 && lookalikes_total >= 150,
        "the corpus is too small: {dangerous_total} / {everyday_total} / {lookalikes_total}"
    );
    assert!(mismatches.is_empty(), "{} dangerous commands at the wrong level:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(rate <= 2.0, "too many false alarms ({rate:.1}%):\n{}", false_alarms.join("\n"));
    assert!(lookalike_rate <= 2.0, "too many look-alikes at High ({lookalike_rate:.1}%):\n{}", lookalike_alarms.join("\n"));
}
