//! Where the model runs: a badge in the header and the full adapter report.

use dioxus::prelude::*;

use super::format::percent;
use super::state::{AppState, ModelStatus};

#[component]
pub fn StatusBadge() -> Element {
    let state = use_context::<AppState>();
    let model = state.model.read().clone();
    let (class, text) = match &model {
        ModelStatus::None => ("status idle", "no model loaded".to_string()),
        ModelStatus::Loading { id, loaded, total } => {
            ("status busy", format!("loading {} {:.0}%", short(id), percent(*loaded as u64, (*total).max(1) as u64)))
        }
        ModelStatus::Ready { id, device, .. } => ("status ready", format!("{} · {}", short(id), device.backend)),
        ModelStatus::Failed { .. } => ("status failed", "model failed to load".to_string()),
    };
    rsx! { span { class: "{class}", id: "model-status", title: "{text}", "{text}" } }
}

/// The adapter's vendor, architecture, limits and f16 support, and any fallback reason.
#[component]
pub fn StatusPanel() -> Element {
    let state = use_context::<AppState>();
    let model = state.model.read().clone();
    rsx! {
        section { class: "panel", id: "status-panel",
            h2 { "Status" }
            match model {
                ModelStatus::None => rsx! { p { "No model loaded. Download one below, then load it." } },
                ModelStatus::Loading { id, loaded, total } => rsx! {
                    p { "Loading {id}: {loaded} of {total} tensors" }
                    progress { max: "{total.max(1)}", value: "{loaded}" }
                },
                ModelStatus::Failed { id, message } => rsx! { p { class: "error", "{id}: {message}" } },
                ModelStatus::Ready { id, device, load_ms } => rsx! {
                    dl { class: "facts",
                        dt { "Model" } dd { "{id}" }
                        dt { "Backend" } dd { id: "backend", "{device.backend}" }
                        dt { "Load time" } dd { id: "load-time", "{load_ms:.0} ms" }
                        dt { "Weights in memory" } dd { id: "weight-memory", "{super::format::format_size(device.weight_bytes)}" }
                        if let Some(a) = device.adapter.clone() {
                            dt { "Adapter" } dd { id: "adapter", "{a.vendor} {a.architecture} {a.description}" }
                            dt { "shader-f16" } dd { if a.shader_f16 { "yes" } else { "no" } }
                            dt { "Max buffer" } dd { "{super::format::format_size(a.max_buffer_size as u64)}" }
                            dt { "Max storage binding" } dd { "{super::format::format_size(a.max_storage_buffer_binding_size as u64)}" }
                        }
                    }
                    if let Some(reason) = device.fallback_reason.clone() {
                        p { class: "warning", id: "fallback-reason", "{reason}" }
                    }
                },
            }
        }
    }
}

fn short(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}
