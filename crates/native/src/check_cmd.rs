//! `cmdai-native check "COMMAND"`: the safety verdict for any command, for people and scripts.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::{CheckArgs, OutputFormat};

/// Prints the verdict; the exit code is the risk level (0 safe … 3 critical).
pub fn run(args: CheckArgs) -> ExitCode {
    let a = cmdai_safety::assess(&args.command);
    match args.output {
        OutputFormat::Json => {
            let findings: Vec<_> =
                a.findings.iter().map(|f| json!({"risk": f.risk, "reason": f.reason, "alternative": f.alternative})).collect();
            println!(
                "{}",
                json!({"command": args.command, "risk": a.risk, "reason": a.reason(), "alternative": a.alternative(), "findings": findings})
            );
        }
        OutputFormat::Plain => {
            println!("risk: {}", a.risk);
            for f in &a.findings {
                println!("  - {} ({})", f.reason, f.risk);
                if let Some(alt) = &f.alternative {
                    println!("    safer: {alt}");
                }
            }
        }
    }
    ExitCode::from(a.risk.exit_code())
}
