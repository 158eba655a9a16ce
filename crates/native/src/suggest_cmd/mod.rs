//! `cmdai-native "REQUEST"`: one command for the user's shell, judged for risk, run only
//! when the user agrees and the safety mode allows it.

mod execute;
mod generate;
mod interact;
mod render;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use cmdai_safety::{Assessment, Decision};
use cmdai_workbench::suggest::{self, Suggestion};

use crate::cli::{OutputFormat, SuggestArgs};
use crate::loaded::load;
pub use execute::run_in_shell;
pub use generate::{Candidates, Suggester};

/// A suggestion with the validator's verdict under the chosen safety mode.
pub struct Judged {
    pub suggestion: Suggestion,
    pub assessment: Assessment,
    pub decision: Decision,
}

pub fn judge(suggestion: Suggestion, request: &str, mode: cmdai_safety::SafetyMode) -> Judged {
    let assessment = cmdai_safety::assess_with_request(request, &suggestion.cmd);
    let decision = cmdai_safety::decide(mode, assessment.risk);
    Judged { suggestion, assessment, decision }
}

pub fn run(args: SuggestArgs) -> Result<ExitCode> {
    let request = suggest::validate_request(&args.request.join(" "))?;
    let ctx = crate::context::detect(args.shell);
    let interactive = args.output == OutputFormat::Plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();

    let model_file = crate::models_cmd::model_for_use(args.model.as_deref(), args.yes)?;
    let loaded = load(&model_file, args.backend.backend)?;
    let started = Instant::now();
    let spinner = interactive.then(render::Spinner::start);
    let suggester = Suggester::new(&loaded, &model_file);
    let options = suggest::SuggestOptions { explain: args.explain, ..suggest::SuggestOptions::default() };
    let candidates = suggester.candidates(&ctx, &request, &options, usize::from(args.candidates));
    drop(spinner);
    let candidates = candidates?;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let judged: Vec<Judged> = candidates.suggestions.into_iter().map(|s| judge(s, &request, args.safety)).collect();
    let model_name = model_file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();

    if args.output == OutputFormat::Json {
        render::json(&judged, ctx.shell, &model_name, loaded.load_ms, elapsed_ms, &candidates.timings);
        return Ok(ExitCode::SUCCESS);
    }
    let session = interact::Session { args: &args, ctx: &ctx, request: &request, loaded: &loaded, model_name: &model_name };
    if interactive {
        session.run(judged)
    } else {
        session.unattended(judged)
    }
}
