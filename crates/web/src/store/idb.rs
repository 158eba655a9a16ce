//! The few IndexedDB operations the model store needs, as futures. Each write waits for its
//! transaction to commit, so a quota error surfaces as an error and leaves nothing half-written.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::StoreError;

const DB_NAME: &str = "cmdai";
const DB_VERSION: u32 = 1;
pub const MODELS: &str = "models";
pub const CHUNKS: &str = "chunks";
pub const KV: &str = "kv";

/// The IndexedDB factory of the page or worker we run in.
fn factory() -> Result<web_sys::IdbFactory, StoreError> {
    let global = js_sys::global();
    let idb = js_sys::Reflect::get(&global, &"indexedDB".into()).map_err(js_error)?;
    idb.dyn_into::<web_sys::IdbFactory>().map_err(|_| StoreError::Unavailable("this browser has no IndexedDB".into()))
}

pub async fn open() -> Result<IdbDatabase, StoreError> {
    let request = factory()?.open_with_u32(DB_NAME, DB_VERSION).map_err(js_error)?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(db) = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        else {
            return;
        };
        for name in [MODELS, CHUNKS, KV] {
            if !db.object_store_names().contains(name) {
                let _ = db.create_object_store(name);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = wait(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    result?.dyn_into::<IdbDatabase>().map_err(|_| StoreError::Unavailable("IndexedDB did not open".into()))
}

/// Resolves with the request's result, or its error.
pub async fn wait(request: &IdbRequest) -> Result<JsValue, StoreError> {
    let request = request.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let error = failed.error().ok().flatten().map(JsValue::from).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(js_error)
}

/// Resolves when the transaction has committed; a quota error aborts it and lands here.
pub async fn committed(tx: &IdbTransaction) -> Result<(), StoreError> {
    let tx = tx.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = tx.clone();
        let reject2 = reject.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let error = failed.error().map(JsValue::from).unwrap_or_else(|| JsValue::from_str("transaction aborted"));
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        let failed = tx.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let error = failed.error().map(JsValue::from).unwrap_or_else(|| JsValue::from_str("transaction failed"));
            let _ = reject2.call1(&JsValue::NULL, &error);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(js_error)
}

pub fn transaction(db: &IdbDatabase, stores: &[&str], write: bool) -> Result<IdbTransaction, StoreError> {
    let names = Array::new();
    for s in stores {
        names.push(&JsValue::from_str(s));
    }
    let mode = if write { IdbTransactionMode::Readwrite } else { IdbTransactionMode::Readonly };
    db.transaction_with_str_sequence_and_mode(&names, mode).map_err(js_error)
}

pub fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, StoreError> {
    tx.object_store(name).map_err(js_error)
}

/// The key of chunk `index` of model `id`: an array key, so one model's chunks form a range.
pub fn chunk_key(id: &str, index: u64) -> JsValue {
    Array::of2(&JsValue::from_str(id), &JsValue::from_f64(index as f64)).into()
}

/// Every chunk key of model `id`.
pub fn chunk_range(id: &str) -> Result<IdbKeyRange, StoreError> {
    let lower = Array::of2(&JsValue::from_str(id), &JsValue::from_f64(0.0));
    let upper = Array::of2(&JsValue::from_str(id), &JsValue::from_f64(f64::MAX));
    IdbKeyRange::bound(&lower, &upper).map_err(js_error)
}

/// Every string key that starts with `prefix`.
pub fn prefix_range(prefix: &str) -> Result<IdbKeyRange, StoreError> {
    IdbKeyRange::bound(&prefix.into(), &format!("{prefix}\u{ffff}").into()).map_err(js_error)
}

pub fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

/// A DOM exception (QuotaExceededError, ...) as a store error with a message people understand.
pub fn js_error(value: JsValue) -> StoreError {
    let name = js_sys::Reflect::get(&value, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    let message = js_sys::Reflect::get(&value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    if name == "QuotaExceededError" || message.to_ascii_lowercase().contains("quota") {
        StoreError::Full
    } else {
        StoreError::Browser(if name.is_empty() { message } else { format!("{name}: {message}") })
    }
}
