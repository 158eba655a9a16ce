//! `cmdai-native`: natural language to one safe shell command, in the terminal.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use cmdai_native::cli::{Cli, Command};
use cmdai_native::{bench, check_cmd, discover_cmd, eval_cmd, model_info, models_cmd, run_generate, shell_init, suggest_cmd};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Generate(args)) => run_generate::run(args).map(|()| ExitCode::SUCCESS),
        Some(Command::ModelInfo(args)) => model_info::run(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Bench(args)) => bench::run(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Eval(args)) => eval_cmd::run(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Check(args)) => Ok(check_cmd::run(args)),
        Some(Command::DownloadModel(args)) => models_cmd::download(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Models(args)) => models_cmd::models(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Recommend(args)) => discover_cmd::recommend(args).map(|()| ExitCode::SUCCESS),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "cmdai-native", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Init { shell }) => {
            print!("{}", shell_init::script(shell));
            Ok(ExitCode::SUCCESS)
        }
        None if cli.suggest.request.is_empty() => {
            let _ = Cli::command().print_help();
            Ok(ExitCode::from(2))
        }
        None => suggest_cmd::run(cli.suggest),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}
