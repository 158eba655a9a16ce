//! The page's end of the worker: spawns `cmdai-worker`, sends requests, forwards events into
//! a channel the UI drains. Stopping a generation terminates the worker and starts a fresh
//! one: a CPU-bound generation never yields, so a message could not reach it.

use std::cell::RefCell;

use futures::channel::mpsc::UnboundedSender;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

use crate::protocol::{FromWorker, ToWorker};

/// Trunk writes this loader next to the page for the `cmdai-worker` binary.
const WORKER_SCRIPT: &str = "./cmdai-worker_loader.js";

pub struct WorkerLink {
    worker: RefCell<Option<Worker>>,
    events: UnboundedSender<FromWorker>,
}

impl WorkerLink {
    pub fn new(events: UnboundedSender<FromWorker>) -> Self {
        let link = Self { worker: RefCell::new(None), events };
        link.restart();
        link
    }

    pub fn send(&self, message: &ToWorker) {
        if let Some(worker) = self.worker.borrow().as_ref() {
            let _ = worker.post_message(&JsValue::from_str(&message.to_json()));
        }
    }

    /// Ends whatever the worker is doing and starts a new one (it reports `Started`).
    pub fn restart(&self) {
        if let Some(old) = self.worker.borrow_mut().take() {
            old.terminate();
        }
        let worker = match Worker::new(WORKER_SCRIPT) {
            Ok(w) => w,
            Err(e) => {
                let message = format!("cannot start the inference worker: {e:?}");
                let _ = self.events.unbounded_send(FromWorker::LoadFailed { model_id: String::new(), message });
                return;
            }
        };
        let events = self.events.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(event) = event.data().as_string().and_then(|t| serde_json::from_str::<FromWorker>(&t).ok()) {
                let _ = events.unbounded_send(event);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let events = self.events.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let message = js_sys::Reflect::get(&event, &"message".into()).ok().and_then(|m| m.as_string());
            let message = format!("the inference worker crashed: {}", message.unwrap_or_else(|| "unknown error".into()));
            let _ = events.unbounded_send(FromWorker::Failed { job: u64::MAX, message });
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        *self.worker.borrow_mut() = Some(worker);
    }
}
