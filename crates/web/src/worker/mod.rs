//! The inference worker: owns the engine and the loaded model, takes one request at a time
//! from the page and streams results back. Runs in a dedicated Web Worker so the page never
//! freezes, whatever the backend.

mod jobs;
mod session;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::protocol::{FromWorker, ToWorker};
use session::Session;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends an event to the page.
pub(crate) fn post(event: &FromWorker) {
    let _ = scope().post_message(&JsValue::from_str(&event.to_json()));
}

/// A line on the worker's console: what the model is doing, for anyone debugging speed.
pub(crate) fn log(message: &str) {
    web_sys::console::log_1(&format!("cmdai worker: {message}").into());
}

/// Starts listening. Requests queue up and run one after another.
pub fn start() {
    crate::report_panics();
    let (tx, mut rx) = mpsc::unbounded::<ToWorker>();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<ToWorker>(&text) {
            Ok(message) => {
                let _ = tx.unbounded_send(message);
            }
            Err(e) => web_sys::console::error_1(&format!("cmdai worker: unreadable message: {e}").into()),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let session = Rc::new(RefCell::new(Session::default()));
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(message) = rx.next().await {
            jobs::handle(&session, message).await;
        }
    });
    post(&FromWorker::Started);
}
