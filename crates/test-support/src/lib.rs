//! What cmdai's tests share; never part of a shipped program.
//!
//! - [`golden`]: judging the engine's numbers against llama.cpp's references (native and browser);
//! - [`gguf_writer`], [`safetensors_writer`]: checkpoint files written byte by byte;
//! - [`random_model`]: small Llama and Qwen2 models with random weights, for model tests that
//!   need no download;
//! - natively: [`models`] (the real test models and golden files), [`temp_dir`], [`fake_hub`].

pub mod gguf_writer;
pub mod golden;
pub mod random_model;
pub mod safetensors_writer;

#[cfg(not(target_arch = "wasm32"))]
pub mod fake_hub;
#[cfg(not(target_arch = "wasm32"))]
pub mod models;
#[cfg(not(target_arch = "wasm32"))]
pub mod temp_dir;

/// Generation in tests needs no real time.
pub struct NoClock;

impl cmdai_engine::generate::Clock for NoClock {
    fn now_ms(&self) -> f64 {
        0.0
    }
}
