//! The Chat page: a conversation with the loaded model, streamed, kept in this browser.

use dioxus::prelude::*;

use super::state::{AppState, JobKind, Outcome};
use crate::markdown::{self, Block, Inline};
use crate::protocol::{ChatTurn, ToWorker};
use crate::store::ModelStore;

const CHAT_KEY: &str = "chat";
const MAX_REPLY_TOKENS: usize = 512;

#[component]
pub fn ChatPage() -> Element {
    let state = use_context::<AppState>();
    let mut turns = use_signal(Vec::<ChatTurn>::new);
    let mut draft = use_signal(String::new);
    let mut answered = use_signal(|| 0u64);
    use_future(move || async move {
        if let Ok(Some(json)) = async { ModelStore::open().await?.kv_get(CHAT_KEY).await }.await {
            turns.set(serde_json::from_str(&json).unwrap_or_default());
        }
    });
    let save = move |list: Vec<ChatTurn>| {
        spawn(async move {
            if let Ok(store) = ModelStore::open().await {
                let _ = store.kv_put(CHAT_KEY, &serde_json::to_string(&list).unwrap_or_default()).await;
            }
        });
    };

    let job = state.job.read().clone().filter(|j| j.kind == JobKind::Chat);
    let running = job.as_ref().is_some_and(|j| j.running());
    let ready = state.model.read().ready_id().is_some();

    // A finished answer joins the conversation once.
    if let Some(j) = &job {
        if answered() != j.id {
            let reply = match &j.outcome {
                Some(Outcome::Chat(text, _)) => Some(text.clone()),
                Some(Outcome::Stopped) => Some(j.text.clone()).filter(|t| !t.is_empty()),
                _ => None,
            };
            if j.outcome.is_some() {
                answered.set(j.id);
            }
            if let Some(reply) = reply {
                let mut list = turns();
                list.push(ChatTurn { role: "assistant".into(), content: reply });
                turns.set(list.clone());
                save(list);
            }
        }
    }

    let mut send = move || {
        let text = draft().trim().to_string();
        if text.is_empty() || running || !ready {
            return;
        }
        let mut list = turns();
        list.push(ChatTurn { role: "user".into(), content: text });
        turns.set(list.clone());
        draft.set(String::new());
        save(list.clone());
        state.run(JobKind::Chat, |job| ToWorker::Chat { job, messages: list, max_tokens: MAX_REPLY_TOKENS });
    };

    rsx! {
        section { class: "chat",
            div { class: "messages", id: "messages",
                for (i, turn) in turns().into_iter().enumerate() {
                    div { key: "{i}", class: "msg {turn.role}",
                        if turn.role == "assistant" { Markdown { text: turn.content.clone() } } else { p { "{turn.content}" } }
                    }
                }
                if let Some(j) = job.clone().filter(|j| j.running()) {
                    div { class: "msg assistant streaming", id: "chat-streaming",
                        Markdown { text: j.text.clone() }
                        span { class: "spinner" }
                    }
                }
                if let Some(Outcome::Failed(message)) = job.as_ref().and_then(|j| j.outcome.clone()) {
                    div { class: "msg error", "{message}" }
                }
            }
            if let Some(Outcome::Chat(_, speed)) = job.as_ref().and_then(|j| j.outcome.clone()) {
                p { class: "speed", id: "chat-speed", "{speed.generated_tokens} tokens at {speed.decode_tokens_per_s:.1} tok/s" }
            }
            div { class: "ask",
                textarea {
                    id: "chat-input",
                    rows: "2",
                    placeholder: if ready { "Message the model (Enter to send, Shift+Enter for a new line)" } else { "Load a model on the Models page first" },
                    value: "{draft}",
                    oninput: move |e| draft.set(e.value()),
                    onkeydown: move |e: KeyboardEvent| {
                        if e.key() == Key::Enter && !e.modifiers().shift() {
                            e.prevent_default();
                            send();
                        }
                    },
                }
                div { class: "row",
                    if running {
                        button { class: "secondary", id: "chat-stop", onclick: move |_| state.stop(), "Stop (Esc)" }
                    } else {
                        button { class: "primary", id: "chat-send", disabled: !ready, onclick: move |_| send(), "Send" }
                    }
                    button {
                        class: "link",
                        disabled: running,
                        onclick: move |_| {
                            turns.set(Vec::new());
                            save(Vec::new());
                        },
                        "New chat"
                    }
                }
            }
        }
    }
}

/// Model output as Markdown, built from text nodes only (never HTML).
#[component]
fn Markdown(text: String) -> Element {
    rsx! {
        for (i, block) in markdown::parse(&text).into_iter().enumerate() {
            match block {
                Block::Paragraph(parts) => rsx! { p { key: "{i}", InlineParts { parts } } },
                Block::Heading(_, parts) => rsx! { h3 { key: "{i}", InlineParts { parts } } },
                Block::ListItem(parts) => rsx! { li { key: "{i}", InlineParts { parts } } },
                Block::Code { lang, text } => rsx! { pre { key: "{i}", class: "code", "data-lang": "{lang}", code { "{text}" } } },
            }
        }
    }
}

#[component]
fn InlineParts(parts: Vec<Inline>) -> Element {
    rsx! {
        for part in parts {
            match part {
                Inline::Text(t) => rsx! { "{t}" },
                Inline::Code(c) => rsx! { code { "{c}" } },
                Inline::Bold(b) => rsx! { strong { "{b}" } },
            }
        }
    }
}
