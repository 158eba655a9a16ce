//! The page: a header with the three pages and the status panel. Keyboard-first: Ctrl/Cmd+K
//! focuses the request box, Esc stops a generation.

mod chat;
mod command;
mod discover;
mod format;
mod link;
mod models;
mod state;
mod status;

use dioxus::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Command,
    Chat,
    Models,
}

#[component]
pub fn App() -> Element {
    let state = use_context_provider(AppState::start);
    let mut page = use_signal(|| Page::Command);
    use_hook(move || install_shortcuts(state));
    use_hook(register_service_worker);
    // With no model ready yet, the Models page is where to start.
    use_effect(move || {
        let nothing_ready = *state.listed.read() && state.models.read().iter().all(|m| !m.is_ready());
        if nothing_ready && state.model.read().ready_id().is_none() {
            page.set(Page::Models);
        }
    });
    let tab = move |p: Page, label: &'static str| {
        rsx! {
            button {
                class: if page() == p { "tab active" } else { "tab" },
                id: "tab-{label.to_lowercase()}",
                onclick: move |_| page.set(p),
                "{label}"
            }
        }
    };
    rsx! {
        header { class: "top",
            span { class: "brand", "cmdai" }
            nav { {tab(Page::Command, "Command")} {tab(Page::Chat, "Chat")} {tab(Page::Models, "Models")} }
            status::StatusBadge {}
        }
        if let Some(text) = state.notice.read().clone() {
            div { class: "notice", role: "alert",
                span { "{text}" }
                button { class: "link", onclick: move |_| { let mut n = state.notice; n.set(None) }, "Dismiss" }
            }
        }
        main {
            match page() {
                Page::Command => rsx! { command::CommandPage {} },
                Page::Chat => rsx! { chat::ChatPage {} },
                Page::Models => rsx! { models::ModelsPage {} },
            }
        }
    }
}

fn install_shortcuts(state: AppState) {
    let Some(window) = web_sys::window() else { return };
    let handler = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
        if e.key() == "Escape" {
            state.stop();
        } else if (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("k") {
            e.prevent_default();
            focus("request");
        }
    });
    let _ = window.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
    handler.forget();
}

/// Focuses the element with this id (the Command page's request box).
pub(crate) fn focus(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// The service worker keeps the app shell for offline use.
fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        let container = window.navigator().service_worker();
        let _ = container.register("./sw.js");
    }
}
