//! `navigator.storage`: how much the site uses and may use, and persistent storage.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageEstimate {
    pub usage: f64,
    pub quota: f64,
    pub persisted: bool,
}

fn storage_manager() -> Option<JsValue> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    js_sys::Reflect::get(&navigator, &"storage".into()).ok().filter(|s| !s.is_undefined())
}

async fn call(method: &str) -> Option<JsValue> {
    let manager = storage_manager()?;
    let f: js_sys::Function = js_sys::Reflect::get(&manager, &method.into()).ok()?.into();
    let promise: js_sys::Promise = f.call0(&manager).ok()?.into();
    JsFuture::from(promise).await.ok()
}

pub async fn estimate() -> Option<StorageEstimate> {
    let est = call("estimate").await?;
    let num = |k: &str| js_sys::Reflect::get(&est, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let persisted = call("persisted").await.and_then(|v| v.as_bool()).unwrap_or(false);
    Some(StorageEstimate { usage: num("usage"), quota: num("quota"), persisted })
}

/// Asks the browser not to evict our models under storage pressure. Returns whether granted.
pub async fn request_persistence() -> bool {
    call("persist").await.and_then(|v| v.as_bool()).unwrap_or(false)
}
