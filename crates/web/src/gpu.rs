//! The browser's WebGPU adapter: what it offers, read through `navigator.gpu` directly (wgpu's
//! adapter info leaves out the vendor and architecture strings browsers report).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use cmdai_engine::model::MemoryBudget;

use crate::protocol::AdapterReport;

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

// CubeCL's browser kernels declare `enable subgroups;` when they read the subgroup size, but
// wgpu 30 does not know WebGPU's "subgroups" feature name and never requests it, so Chrome
// rejects those shaders. This asks for the feature whenever the adapter has it. (A function
// built from source because the worker is a classic script, where wasm-bindgen's inline JS
// modules cannot be imported.)
const REQUEST_SUBGROUPS: &str = r#"
  const proto = globalThis.GPUAdapter && globalThis.GPUAdapter.prototype;
  if (!proto || proto.__cmdaiSubgroups) return;
  const original = proto.requestDevice;
  proto.requestDevice = function (descriptor) {
    const d = descriptor || {};
    const features = new Set(d.requiredFeatures || []);
    if (this.features.has("subgroups")) features.add("subgroups");
    return original.call(this, Object.assign({}, d, { requiredFeatures: Array.from(features) }));
  };
  proto.__cmdaiSubgroups = true;
"#;

pub fn request_subgroups() {
    let _ = Function::new_no_args(REQUEST_SUBGROUPS).call0(&JsValue::NULL);
}

/// What a WebGPU adapter may hold, where the browser says nothing about GPU memory: half of
/// the device's memory as `navigator.deviceMemory` reports it (rounded down to a power of two,
/// at most 8 GiB). Integrated GPUs, most of the visitors' GPUs, share that memory with the
/// page and everything else. `None` where the browser does not report it.
pub fn memory_budget() -> Option<MemoryBudget> {
    let gib = get(&get(&js_sys::global(), "navigator"), "deviceMemory").as_f64()?;
    (gib.is_finite() && gib > 0.0).then(|| MemoryBudget {
        bytes: (gib * f64::from(1u32 << 30) / 2.0) as u64,
        source: "half of this device's memory as the browser reports it",
    })
}

/// Whether the browser offers WebGPU at all (no adapter is requested).
pub fn has_webgpu() -> bool {
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    !gpu.is_undefined() && !gpu.is_null()
}

/// The adapter, or why there is none.
pub async fn probe() -> Result<AdapterReport, String> {
    if !has_webgpu() {
        return Err("this browser does not offer WebGPU".into());
    }
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    let request: Function = get(&gpu, "requestAdapter").into();
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"powerPreference".into(), &"high-performance".into());
    let promise: Promise = request.call1(&gpu, &options).map_err(|e| format!("requestAdapter failed: {e:?}"))?.into();
    let adapter = JsFuture::from(promise).await.map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU found no usable adapter".into());
    }
    let info = get(&adapter, "info");
    let features = get(&adapter, "features");
    let has: Function = get(&features, "has").into();
    let has = |name: &str| has.call1(&features, &name.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    if !has("subgroups") {
        return Err("this browser's WebGPU adapter lacks subgroups, which the GPU kernels need".into());
    }
    let limits = get(&adapter, "limits");
    Ok(AdapterReport {
        vendor: text(&info, "vendor"),
        architecture: text(&info, "architecture"),
        description: text(&info, "description"),
        shader_f16: has("shader-f16"),
        max_buffer_size: get(&limits, "maxBufferSize").as_f64().unwrap_or(0.0),
        max_storage_buffer_binding_size: get(&limits, "maxStorageBufferBindingSize").as_f64().unwrap_or(0.0),
    })
}
