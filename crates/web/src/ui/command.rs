//! The Command page: a request in, one command out, with its risk and the reason.

use cmdai_safety::Risk;
use cmdai_workbench::suggest::{OsKind, ShellKind, MAX_REQUEST_CHARS};
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

use super::state::{AppState, JobKind, Outcome};
use crate::protocol::{CommandCard, Speed, ToWorker};
use crate::store::ModelStore;

const HISTORY_KEY: &str = "history";
const HISTORY_LEN: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct HistoryEntry {
    request: String,
    cmd: String,
    risk: Risk,
    shell: ShellKind,
}

const SHELLS: [(ShellKind, &str); 4] =
    [(ShellKind::Bash, "bash"), (ShellKind::Zsh, "zsh"), (ShellKind::Fish, "fish"), (ShellKind::PowerShell, "PowerShell")];
const SYSTEMS: [(OsKind, &str); 3] = [(OsKind::Linux, "Linux"), (OsKind::MacOs, "macOS"), (OsKind::Windows, "Windows")];

#[component]
pub fn CommandPage() -> Element {
    let state = use_context::<AppState>();
    let mut request = use_signal(String::new);
    // The request the card answers (the box may have changed since).
    let mut asked = use_signal(String::new);
    let mut history = use_signal(Vec::<HistoryEntry>::new);
    let mut confirmed = use_signal(|| false);
    use_future(move || async move {
        if let Ok(Some(json)) = async { ModelStore::open().await?.kv_get(HISTORY_KEY).await }.await {
            history.set(serde_json::from_str(&json).unwrap_or_default());
        }
    });

    let job = state.job.read().clone().filter(|j| j.kind == JobKind::Command);
    let running = job.as_ref().is_some_and(|j| j.running());
    let ready = state.model.read().ready_id().is_some();
    let settings = state.settings.read().clone();

    let mut submit = move |explain: bool, seed: Option<u64>| {
        let text = if seed.is_some() || explain { asked() } else { request().trim().to_string() };
        if text.is_empty() || running || !ready {
            return;
        }
        asked.set(text.clone());
        confirmed.set(false);
        let s = state.settings.peek().clone();
        state.run(JobKind::Command, |job| ToWorker::Suggest { job, request: text, shell: s.shell, os: s.os, explain, seed });
    };

    // Record a finished command once.
    let finished = job.as_ref().and_then(|j| match &j.outcome {
        Some(Outcome::Command(card, _)) => Some((j.id, card.clone())),
        _ => None,
    });
    let mut recorded = use_signal(|| 0u64);
    if let Some((id, card)) = finished.clone() {
        if recorded() != id {
            recorded.set(id);
            let entry = HistoryEntry { request: asked(), cmd: card.cmd.clone(), risk: card.risk, shell: settings.shell };
            let mut list = history();
            list.retain(|h| h.request != entry.request || h.cmd != entry.cmd);
            list.insert(0, entry);
            list.truncate(HISTORY_LEN);
            history.set(list.clone());
            spawn(async move {
                if let Ok(store) = ModelStore::open().await {
                    let _ = store.kv_put(HISTORY_KEY, &serde_json::to_string(&list).unwrap_or_default()).await;
                }
            });
        }
    }

    rsx! {
        section { class: "hero",
            h1 { "What do you want to do?" }
            div { class: "ask",
                textarea {
                    id: "request",
                    rows: "2",
                    maxlength: "{MAX_REQUEST_CHARS}",
                    placeholder: "find rust files changed this week",
                    autofocus: true,
                    value: "{request}",
                    oninput: move |e| request.set(e.value()),
                    onkeydown: move |e: KeyboardEvent| {
                        if e.key() == Key::Enter && !e.modifiers().shift() {
                            e.prevent_default();
                            submit(false, None);
                        }
                    },
                }
                div { class: "row",
                    select {
                        id: "shell",
                        aria_label: "Shell",
                        onchange: move |e| {
                            let mut s = state.settings.peek().clone();
                            s.shell = e.value().parse().unwrap_or(ShellKind::Bash);
                            state.save_settings(s);
                        },
                        for (kind, label) in SHELLS {
                            option { value: "{kind}", selected: settings.shell == kind, "{label}" }
                        }
                    }
                    select {
                        id: "os",
                        aria_label: "Operating system",
                        onchange: move |e| {
                            let mut s = state.settings.peek().clone();
                            s.os = SYSTEMS.iter().find(|(_, l)| *l == e.value()).map(|(k, _)| *k).unwrap_or(OsKind::Linux);
                            state.save_settings(s);
                        },
                        for (kind, label) in SYSTEMS {
                            option { value: "{label}", selected: settings.os == kind, "{label}" }
                        }
                    }
                    if running {
                        button { class: "secondary", id: "stop", onclick: move |_| state.stop(), "Stop (Esc)" }
                    } else {
                        button {
                            class: "primary",
                            id: "submit",
                            disabled: !ready || request().trim().is_empty(),
                            onclick: move |_| submit(false, None),
                            "Get command"
                        }
                    }
                }
                if !ready {
                    p { class: "hint", "Load a model on the Models page first." }
                }
            }
            if let Some(job) = job {
                match job.outcome.clone() {
                    None => rsx! {
                        div { class: "card pending", id: "streaming",
                            span { class: "spinner" }
                            pre { class: "stream", "{job.text}" }
                        }
                    },
                    Some(Outcome::Command(card, speed)) => rsx! {
                        CommandCardView { card, confirmed }
                        div { class: "actions",
                            button { class: "secondary", id: "explain-more", onclick: move |_| submit(true, None), "Explain more" }
                            button { class: "secondary", id: "regenerate", onclick: move |_| submit(false, Some(job.id)), "Regenerate" }
                        }
                        p { class: "speed", id: "speed", "{speed_line(&speed)}" }
                    },
                    Some(Outcome::Failed(message)) => rsx! { div { class: "card error", id: "command-error", "{message}" } },
                    Some(Outcome::Stopped) => rsx! { div { class: "card", id: "stopped", "Stopped." } },
                    Some(Outcome::Chat(..) | Outcome::Advice(_)) => rsx! {},
                }
            }
        }
        if !history().is_empty() {
            section { class: "panel", id: "history",
                h2 { "History" }
                ul { class: "history",
                    for (i, h) in history().into_iter().enumerate() {
                        li { key: "{i}",
                            button {
                                class: "link",
                                onclick: {
                                    let req = h.request.clone();
                                    move |_| request.set(req.clone())
                                },
                                "{h.request}"
                            }
                            code { "{h.cmd}" }
                            span { class: "badge risk-{h.risk}", "{h.risk}" }
                        }
                    }
                }
            }
        }
    }
}

/// The command with its explanation and risk. A critical command is struck through and
/// cannot be copied until the user says they understand it.
#[component]
fn CommandCardView(card: CommandCard, confirmed: Signal<bool>) -> Element {
    let critical = card.risk == Risk::Critical;
    let mut copied = use_signal(|| false);
    let cmd = card.cmd.clone();
    rsx! {
        div { class: "card command risk-border-{card.risk}", id: "command-card",
            div { class: "card-head",
                span { class: "badge risk-{card.risk}", id: "risk", "{card.risk}" }
                span { class: "reason", id: "risk-reason", "{card.reason}" }
            }
            pre { class: if critical { "cmd struck" } else { "cmd" }, id: "command", code { "{card.cmd}" } }
            if !card.explanation.is_empty() {
                p { class: "explanation", id: "explanation", "{card.explanation}" }
            }
            if let Some(alt) = card.alternative.clone() {
                p { class: "alternative", "Safer: " code { "{alt}" } }
            }
            if critical {
                label { class: "confirm",
                    input { r#type: "checkbox", id: "confirm-critical", checked: confirmed(), onchange: move |e| confirmed.set(e.checked()) }
                    " I understand this command can cause irreversible damage"
                }
            }
            if !critical || confirmed() {
                button {
                    class: "secondary",
                    id: "copy",
                    onclick: move |_| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.navigator().clipboard().write_text(&cmd);
                            copied.set(true);
                        }
                    },
                    if copied() { "Copied" } else { "Copy" }
                }
            }
        }
    }
}

/// "444 prompt tokens (424 cached, 20 at 5.6 tok/s) · 25 generated at 0.1 tok/s · 348919 ms".
fn speed_line(speed: &Speed) -> String {
    let computed = speed.prompt_tokens - speed.cached_tokens.min(speed.prompt_tokens);
    let prompt = if speed.cached_tokens > 0 {
        format!(
            "{} prompt tokens ({} cached, {computed} at {:.1} tok/s)",
            speed.prompt_tokens, speed.cached_tokens, speed.prefill_tokens_per_s
        )
    } else {
        format!("{} prompt tokens at {:.1} tok/s", speed.prompt_tokens, speed.prefill_tokens_per_s)
    };
    format!("{prompt} · {} generated at {:.1} tok/s · {:.0} ms", speed.generated_tokens, speed.decode_tokens_per_s, speed.total_ms)
}
