//! The cmdai page (Dioxus). The model runs in the `cmdai-worker` Web Worker.

#[cfg(target_arch = "wasm32")]
fn main() {
    cmdai_web::report_panics();
    dioxus::launch(cmdai_web::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("cmdai-web is a browser app; serve it with `scripts/serve.sh`");
}
