//! cmdai in the browser. The page (`main.rs`, Dioxus) and the inference worker
//! (`bin/worker.rs`) share this library: the messages between them, the IndexedDB model
//! store and the downloader. Only the worker touches the engine's models.

pub mod download;
pub mod protocol;
pub mod store;

pub mod markdown;
pub mod settings;

#[cfg(target_arch = "wasm32")]
pub mod gpu;
#[cfg(target_arch = "wasm32")]
pub mod hub_api;
#[cfg(target_arch = "wasm32")]
pub mod stored_source;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;

/// Panics print their message to the console (wasm otherwise shows only "unreachable").
#[cfg(target_arch = "wasm32")]
pub fn report_panics() {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("cmdai: {info}").into())));
}
