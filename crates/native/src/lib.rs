//! `cmdai-native`: cmdai's engine in the terminal. The binary (`main.rs`) only dispatches;
//! everything lives here so integration tests can drive the parts directly.

pub mod bench;
pub mod check_cmd;
pub mod cli;
pub mod clipboard;
pub mod context;
pub mod dirs;
pub mod discover_cmd;
pub mod eval_cmd;
pub mod history;
pub mod hub;
pub mod loaded;
pub mod model_info;
pub mod models_cmd;
pub mod prompt_cache;
pub mod run_generate;
pub mod shell_init;
pub mod suggest_cmd;
