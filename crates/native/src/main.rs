//! `cmdai-native`: cmdai's engine in the terminal.

mod bench;
mod cli;
mod loaded;
mod model_info;
mod run_generate;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Generate(args) => run_generate::run(args),
        cli::Command::ModelInfo(args) => model_info::run(args),
        cli::Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
