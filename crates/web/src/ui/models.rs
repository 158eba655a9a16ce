//! The Models page: what is stored, the default models one click away, downloads with
//! progress, a local file, and the settings for the Hub and the backend.

use cmdai_hub::ALIASES;
use dioxus::prelude::*;
use wasm_bindgen::JsCast;

use super::format::{format_duration, format_size, percent};
use super::state::{AppState, ModelStatus};
use super::status::StatusPanel;
use crate::download::Progress;
use crate::protocol::BackendPref;
use crate::store::{request_persistence, ModelState};

#[component]
pub fn ModelsPage() -> Element {
    let state = use_context::<AppState>();
    let models = state.models.read().clone();
    let downloads = state.downloads.read().clone();
    let loaded = state.model.read().clone();
    rsx! {
        StatusPanel {}
        super::discover::AdvisorCard {}
        section { class: "panel", id: "cached-models",
            h2 { "Models in this browser" }
            StorageLine {}
            if models.is_empty() {
                p { class: "hint", "None yet. Download one below (the first download takes a while; later visits work offline)." }
            }
            ul { class: "models",
                for m in models {
                    li { key: "{m.id}", class: "model", "data-id": "{m.id}",
                        div { class: "model-name", "{m.file}" small { " {m.repo.clone().unwrap_or_else(|| \"local file\".into())}" } }
                        span { class: "size", "{format_size(m.size)}" }
                        match m.state.clone() {
                            ModelState::Ready => rsx! { span { class: "badge ok", "ready" } },
                            ModelState::Partial => rsx! { span { class: "badge", "{percent(m.bytes_done(), m.size):.0}% stored" } },
                            ModelState::Failed { message } => rsx! { span { class: "badge risk-high", title: "{message}", "failed" } },
                        }
                        if let Some(p) = downloads.get(&m.id) {
                            ProgressLine { progress: p.clone() }
                            button { class: "secondary cancel", onclick: { let id = m.id.clone(); move |_| state.cancel_download(&id) }, "Cancel" }
                        } else if m.is_ready() {
                            if loaded.ready_id() == Some(m.id.as_str()) {
                                span { class: "badge ok loaded", "loaded" }
                            } else {
                                button { class: "primary load", onclick: { let id = m.id.clone(); move |_| state.load_model(id.clone()) }, "Load" }
                            }
                        } else if let Some(repo) = m.repo.clone() {
                            button { class: "secondary resume", onclick: { let f = m.file.clone(); move |_| state.download(repo.clone(), f.clone()) }, "Resume" }
                        }
                        button { class: "link delete", onclick: { let id = m.id.clone(); move |_| state.delete(id.clone()) }, "Delete" }
                    }
                }
            }
        }
        section { class: "panel", id: "default-models",
            h2 { "Recommended models" }
            div { class: "grid",
                for alias in ALIASES {
                    div { key: "{alias.name}", class: "card model-card", "data-alias": "{alias.name}",
                        h3 { "{alias.summary}" }
                        p { class: "hint", "{alias.repo}" }
                        p { "{format_size(alias.size)}" }
                        if let Some(p) = downloads.get(&format!("{}/{}", alias.repo, alias.file)) {
                            ProgressLine { progress: p.clone() }
                        } else {
                            button {
                                class: "primary download",
                                onclick: move |_| state.download(alias.repo.to_string(), alias.file.to_string()),
                                "Download"
                            }
                        }
                    }
                }
            }
            LocalFile {}
        }
        super::discover::Discover {}
        Settings {}
        if let ModelStatus::Failed { message, .. } = loaded {
            p { class: "error", "{message}" }
        }
    }
}

#[component]
fn ProgressLine(progress: Progress) -> Element {
    let p = progress;
    let eta = p.eta_s.map(|s| format!(" · {} left", format_duration(s as u64))).unwrap_or_default();
    rsx! {
        div { class: "progress",
            progress { max: "{p.total.max(1)}", value: "{p.done}" }
            span { class: "progress-text",
                "{p.phase} {format_size(p.done)} of {format_size(p.total)} · {format_size(p.bytes_per_s as u64)}/s{eta}"
            }
        }
    }
}

#[component]
fn StorageLine() -> Element {
    let state = use_context::<AppState>();
    let Some(est) = *state.storage.read() else { return rsx! {} };
    rsx! {
        p { class: "storage", id: "storage",
            "Storage: {format_size(est.usage as u64)} used of {format_size(est.quota as u64)} available"
            if est.persisted {
                span { class: "badge ok", " persistent" }
            } else {
                button {
                    class: "link",
                    onclick: move |_| async move {
                        request_persistence().await;
                        state.refresh_models().await;
                    },
                    "Keep models when space runs low"
                }
            }
        }
    }
}

#[component]
fn LocalFile() -> Element {
    let state = use_context::<AppState>();
    rsx! {
        label { class: "file",
            "Load a local .gguf file: "
            input {
                r#type: "file",
                accept: ".gguf",
                id: "local-file",
                onchange: move |_| {
                    let file = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.get_element_by_id("local-file"))
                        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .and_then(|i| i.files())
                        .and_then(|f| f.get(0));
                    if let Some(file) = file {
                        state.import(file);
                    }
                },
            }
        }
    }
}

#[component]
fn Settings() -> Element {
    let state = use_context::<AppState>();
    let s = state.settings.read().clone();
    let backends = [
        (BackendPref::Auto, "auto (WebGPU when the model fits, else the CPU)"),
        (BackendPref::Gpu, "WebGPU only"),
        (BackendPref::Cpu, "CPU"),
    ];
    rsx! {
        section { class: "panel", id: "settings",
            h2 { "Settings" }
            label { "Hub endpoint "
                input {
                    id: "hub-endpoint",
                    value: "{s.hub_endpoint}",
                    onchange: move |e| {
                        let mut s = state.settings.peek().clone();
                        s.hub_endpoint = cmdai_hub::normalize_endpoint(&e.value());
                        state.save_settings(s);
                    },
                }
            }
            label { "Hub token (for gated models; stays in this browser) "
                input {
                    r#type: "password",
                    id: "hub-token",
                    value: "{s.hub_token}",
                    onchange: move |e| {
                        let mut s = state.settings.peek().clone();
                        s.hub_token = e.value();
                        state.save_settings(s);
                    },
                }
            }
            label { "Advisor router (OpenAI-compatible, used with the token when no model is loaded) "
                input {
                    id: "router-endpoint",
                    value: "{s.router_endpoint}",
                    onchange: move |e| {
                        let mut s = state.settings.peek().clone();
                        s.router_endpoint = cmdai_hub::normalize_endpoint(&e.value());
                        state.save_settings(s);
                    },
                }
            }
            label { "Run the model on "
                select {
                    id: "backend-pref",
                    onchange: move |e| {
                        let mut s = state.settings.peek().clone();
                        s.backend = serde_json::from_value(serde_json::Value::String(e.value())).unwrap_or_default();
                        state.save_settings(s);
                        // The model in use moves to the chosen backend right away. The id is
                        // copied out first: loading writes the status this would still be reading.
                        let in_use = state.model.peek().ready_id().map(String::from);
                        if let Some(id) = in_use {
                            state.load_model(id);
                        }
                    },
                    for (pref, label) in backends {
                        option { value: "{serde_json::to_value(pref).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()}", selected: s.backend == pref, "{label}" }
                    }
                }
            }
        }
    }
}
