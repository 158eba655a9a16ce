//! The Web Worker that runs the model (see `cmdai_web::worker`).

#[cfg(target_arch = "wasm32")]
fn main() {
    cmdai_web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("cmdai-worker runs inside the browser; build the site with `trunk build`");
}
