//! Fork bombs: functions that spawn copies of themselves until the machine stalls.

use super::super::invocation::Invocation;
use super::super::shell::Script;
use super::super::{Finding, Risk};
use super::joined_lower;

fn fork_bomb() -> Finding {
    Finding::new(Risk::Critical, "fork bomb: spawns processes without end until the system freezes")
}

/// A function whose body runs itself in a pipeline or in the background, like `:(){ :|:& };:`.
pub fn check_script(script: &Script, out: &mut Vec<Finding>) {
    for pipeline in &script.pipelines {
        let spawns = pipeline.commands.len() > 1 || pipeline.background;
        let calls_itself = pipeline.commands.iter().any(|command| {
            let program = command.words.first().map(|w| w.text.as_str());
            command.in_function.as_deref().is_some_and(|name| program == Some(name))
        });
        if spawns && calls_itself {
            out.push(fork_bomb());
            return;
        }
    }
}

/// The same in interpreter one-liners: `perl -e "fork while fork"`, `python -c "while 1: os.fork()"`.
pub fn check_code(inv: &Invocation, out: &mut Vec<Finding>) {
    if !matches!(inv.program.as_str(), "perl" | "python" | "python2" | "python3" | "ruby" | "php" | "node") {
        return;
    }
    let code = joined_lower(inv);
    if code.contains("fork while fork") || (code.contains("fork") && (code.contains("while") || code.contains("loop"))) {
        out.push(fork_bomb());
    }
}
