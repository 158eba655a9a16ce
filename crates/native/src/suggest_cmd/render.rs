//! How suggestions look: a terminal card with colours, or one JSON object.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use cmdai_engine::generate::Timings;
use cmdai_safety::{Decision, Risk};
use cmdai_workbench::suggest::ShellKind;
use serde_json::json;

use super::Judged;

/// ANSI styling, off when stdout is not a terminal or `NO_COLOR` is set.
pub struct Style(bool);

impl Style {
    pub fn detect() -> Self {
        Self(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }

    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }

    fn struck(&self, t: &str) -> String {
        self.paint("9", t)
    }

    fn risk(&self, risk: Risk) -> String {
        let code = match risk {
            Risk::Safe => "32",
            Risk::Moderate => "33",
            Risk::High => "31",
            Risk::Critical => "1;41",
        };
        self.paint(code, &risk.to_string())
    }
}

/// The card for one suggestion: command, explanation, risk with reason and alternative.
pub fn card(j: &Judged, index: Option<usize>, style: &Style) -> String {
    let mut out = String::new();
    let label = index.map(|i| format!("{i}) ")).unwrap_or_default();
    let cmd = if j.decision == Decision::Block { style.struck(&j.suggestion.cmd) } else { style.bold(&j.suggestion.cmd) };
    out.push_str(&format!("{label}{cmd}\n"));
    if !j.suggestion.explanation.is_empty() {
        for line in j.suggestion.explanation.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("   {}\n", style.dim(line.trim_end())));
        }
    }
    let a = &j.assessment;
    let mut risk_line = format!("   risk: {}", style.risk(a.risk));
    if a.risk != Risk::Safe {
        risk_line.push_str(&format!(" — {}", a.reason()));
    }
    if j.decision == Decision::Block {
        risk_line.push_str(" (blocked by the safety mode)");
    }
    out.push_str(&risk_line);
    out.push('\n');
    if let Some(alt) = a.alternative() {
        out.push_str(&format!("   safer: {alt}\n"));
    }
    out
}

pub fn json(judged: &[Judged], shell: ShellKind, model: &str, load_ms: f64, suggest_ms: f64, t: &Timings) {
    let entry = |j: &Judged| {
        json!({
            "cmd": j.suggestion.cmd,
            "explanation": j.suggestion.explanation,
            "risk": j.assessment.risk,
            "reason": j.assessment.reason(),
            "alternative": j.assessment.alternative(),
            "blocked": j.decision == Decision::Block,
        })
    };
    let mut out = entry(&judged[0]);
    out["shell"] = json!(shell);
    out["model"] = json!(model);
    out["timings"] = json!({
        "load_ms": load_ms,
        "suggest_ms": suggest_ms,
        "prompt_tokens": t.prompt_tokens,
        "cached_tokens": t.cached_tokens,
        "generated_tokens": t.generated_tokens,
        "prefill_ms": t.prefill_ms,
        "decode_ms": t.decode_ms,
    });
    if judged.len() > 1 {
        out["candidates"] = judged.iter().map(entry).collect();
    }
    println!("{out}");
}

/// "thinking…" on stderr while the model works, erased when dropped.
pub struct Spinner {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    pub fn start() -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                eprint!("\r{} thinking…", frames[i % frames.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
                std::thread::sleep(Duration::from_millis(80));
            }
            eprint!("\r\x1b[2K");
        });
        Self { done, thread: Some(thread) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
