//! Finding a model on the Models page: the AI Model Advisor at the top, and the Discover section
//! with Hugging Face search (debounced, recent answers kept, a catalog fallback) and the curated
//! catalog as cards.

use cmdai_hub::HubError;
use cmdai_workbench::discover::advisor::{
    fallback_advice, model_advice, parse_recommendations, parse_router_answer, router_request, validate_goal, Advice, AdviceSource,
    MAX_GOAL_CHARS, MIN_GOAL_CHARS, ROUTER_MODEL,
};
use cmdai_workbench::discover::{
    catalog_cards, params_label, rate_limit_pause_s, validate_query, CardSource, DeviceBudget, Modality, ModelCard, QuantOption,
    Runnability, SearchOutcome, SearchSource, MAX_QUERY_CHARS,
};
use dioxus::prelude::*;

use super::format::format_size;
use super::state::{AppState, JobKind, ModelStatus, Outcome};
use crate::hub_api;
use crate::protocol::{BackendPref, ToWorker};
use crate::store::ModelStore;

const DEBOUNCE_MS: i32 = 300;
const RECENT_SEARCHES_KEY: &str = "recent_searches";
/// Recent Hub answers kept for instant (and offline) repeats.
const RECENT_SEARCHES: usize = 20;
/// wasm32 addresses 4 GiB; the CPU path keeps weights, cache and the runtime in it.
const WASM_MEMORY_BYTES: u64 = 3_500_000_000;

/// What this browser offers a model: `navigator.deviceMemory` (GB, Chromium only) halved for
/// the rest of the system, on the GPU path (f32 weights) or in wasm memory.
fn browser_budget(state: &AppState) -> DeviceBudget {
    let device_memory = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"deviceMemory".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .map(|gb| (gb * 1e9) as u64);
    let gpu = match &*state.model.peek() {
        ModelStatus::Ready { device, .. } => device.backend == "webgpu",
        _ => state.settings.peek().backend != BackendPref::Cpu && crate::gpu::has_webgpu(),
    };
    let share = device_memory.map(|m| m / 2);
    let memory_label = device_memory.map(|m| format!("{} device memory", format_size(m))).unwrap_or_else(|| "memory not reported".into());
    if gpu {
        DeviceBudget {
            label: format!("this browser, WebGPU, {memory_label}"),
            memory_bytes: share.unwrap_or(WASM_MEMORY_BYTES),
            weights_as_f32: true,
        }
    } else {
        DeviceBudget {
            label: format!("this browser, CPU (wasm), {memory_label}"),
            memory_bytes: share.map_or(WASM_MEMORY_BYTES, |s| s.min(WASM_MEMORY_BYTES)),
            weights_as_f32: false,
        }
    }
}

#[component]
pub fn Discover() -> Element {
    rsx! {
        section { class: "panel", id: "discover",
            h2 { "Discover" }
            SearchSection {}
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum AdvisorView {
    Idle,
    Pending,
    Done(Advice),
    Error(String),
}

/// The router when a token is saved, else the keyword rules; any failure becomes a note.
async fn advise_without_local_model(state: AppState, goal: String, budget: DeviceBudget, why: Option<String>) -> Advice {
    let settings = state.settings.peek().clone();
    let Some(token) = settings.token() else {
        let why = why.unwrap_or_else(|| "no model is loaded and no Hub token is saved".into());
        return fallback_advice(&goal, &budget, Some(&why));
    };
    let answer = async {
        let body =
            hub_api::ask_router(&settings.router_endpoint, &token, &router_request(&goal, &budget)).await.map_err(|e| e.to_string())?;
        let json = parse_router_answer(&body).map_err(|e| e.to_string())?;
        parse_recommendations(&json, &budget).map_err(|e| e.to_string())
    }
    .await;
    match answer {
        Ok(recs) => model_advice(recs, AdviceSource::HubRouter { model: ROUTER_MODEL.into() }),
        Err(e) => fallback_advice(&goal, &budget, Some(&format!("router: {e}"))),
    }
}

#[component]
pub fn AdvisorCard() -> Element {
    let state = use_context::<AppState>();
    let mut goal = use_signal(String::new);
    let mut view = use_signal(|| AdvisorView::Idle);
    // The worker job answering, while the local model thinks.
    let mut local_job = use_signal(|| None::<u64>);
    let mut asked = use_signal(|| None::<(String, DeviceBudget)>);

    // The local model's answer, or its failure handed to the next path.
    use_effect(move || {
        let job = state.job.read().clone();
        let Some(j) = job.filter(|j| j.kind == JobKind::Advice && Some(j.id) == *local_job.peek()) else { return };
        let Some(outcome) = j.outcome else { return };
        local_job.set(None);
        match outcome {
            Outcome::Advice(advice) => view.set(AdvisorView::Done(advice)),
            other => {
                let why = match other {
                    Outcome::Failed(m) => format!("local model: {m}"),
                    _ => "local model: stopped".into(),
                };
                if let Some((g, budget)) = asked.peek().clone() {
                    spawn(async move { view.set(AdvisorView::Done(advise_without_local_model(state, g, budget, Some(why)).await)) });
                }
            }
        }
    });

    let pending = *view.read() == AdvisorView::Pending;
    let chars = goal.read().trim().chars().count();
    let mut submit = move || {
        let g = match validate_goal(&goal.peek()) {
            Ok(g) => g,
            Err(e) => return view.set(AdvisorView::Error(e.to_string())),
        };
        let budget = browser_budget(&state);
        asked.set(Some((g.clone(), budget.clone())));
        view.set(AdvisorView::Pending);
        let busy = state.job.peek().as_ref().is_some_and(|j| j.running());
        let ready = state.model.peek().ready_id().map(String::from);
        match ready {
            Some(model) if !busy => {
                let id = state.run(JobKind::Advice, |job| ToWorker::Advise { job, goal: g, budget, model });
                local_job.set(Some(id));
            }
            ready => {
                let why = ready.map(|_| "local model: busy with another request".to_string());
                spawn(async move { view.set(AdvisorView::Done(advise_without_local_model(state, g, budget, why).await)) });
            }
        }
    };

    rsx! {
        section { class: "panel advisor", id: "advisor",
            h2 { "AI Model Advisor" }
            p { class: "hint", "Describe what you want to build; the advisor picks models from the catalog that fit it and this device." }
            match view() {
                AdvisorView::Done(advice) => rsx! { AdviceView { advice, on_reset: move |_| { goal.set(String::new()); view.set(AdvisorView::Idle) } } },
                AdvisorView::Error(message) => rsx! {
                    p { class: "error", id: "advisor-error", "{message}" }
                    button { class: "secondary", id: "advisor-retry", onclick: move |_| view.set(AdvisorView::Idle), "Retry" }
                },
                _ => rsx! {
                    textarea {
                        id: "advisor-goal",
                        rows: "3",
                        maxlength: "{MAX_GOAL_CHARS}",
                        placeholder: "e.g., I want to build a chatbot that runs on mobile devices...",
                        disabled: pending,
                        value: "{goal}",
                        oninput: move |e| goal.set(e.value()),
                    }
                    div { class: "row",
                        button {
                            class: "primary",
                            id: "advisor-submit",
                            disabled: pending || chars < MIN_GOAL_CHARS,
                            onclick: move |_| submit(),
                            if pending { span { class: "spinner" } " Thinking..." } else { "Get recommendations" }
                        }
                        small { "{chars}/{MAX_GOAL_CHARS}" }
                    }
                    if pending {
                        if let Some(j) = state.job.read().as_ref().filter(|j| Some(j.id) == local_job() && !j.text.is_empty()) {
                            p { class: "stream", "{j.text}" }
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn AdviceView(advice: Advice, on_reset: EventHandler<()>) -> Element {
    let by = match &advice.source {
        AdviceSource::LocalModel { model } => format!("Advice from {model}, running in this browser"),
        AdviceSource::HubRouter { model } => format!("Advice from {model} on the Hugging Face router"),
        AdviceSource::Keywords => "Keyword-based suggestions".to_string(),
    };
    let source = match &advice.source {
        AdviceSource::LocalModel { .. } => "local",
        AdviceSource::HubRouter { .. } => "router",
        AdviceSource::Keywords => "keywords",
    };
    rsx! {
        div { class: "callout", id: "advice", "data-source": "{source}",
            small { "{by}" }
            p { id: "advice-reasoning", "{advice.reasoning}" }
        }
        if let Some(note) = &advice.note {
            p { class: "hint note", id: "advice-note", "{note}" }
        }
        div { class: "discover-grid",
            for r in advice.recommendations.iter() {
                CardView { key: "{r.model_id}", card: r.card.clone() }
            }
        }
        button { class: "secondary", id: "advisor-reset", onclick: move |_| on_reset.call(()), "Try another" }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum SearchView {
    Hidden,
    Loading(String),
    Done(SearchOutcome),
    Invalid(String),
}

#[component]
fn SearchSection() -> Element {
    let state = use_context::<AppState>();
    let mut query = use_signal(String::new);
    let mut view = use_signal(|| SearchView::Hidden);
    // Bumped on every keystroke; an answer for an older value is dropped.
    let mut generation = use_signal(|| 0u64);
    let mut recent = use_signal(Vec::<SearchOutcome>::new);
    // After a 429 the Hub is left alone until its Retry-After has passed: (until, the error).
    let mut pause = use_signal(|| None::<(f64, HubError)>);
    use_future(move || async move {
        if let Ok(Some(json)) = async { ModelStore::open().await?.kv_get(RECENT_SEARCHES_KEY).await }.await {
            recent.set(serde_json::from_str(&json).unwrap_or_default());
        }
    });
    // Cards are judged for where the model runs now: render again when that changes.
    let _ = (state.model.read().ready_id().is_some(), state.settings.read().backend);
    let budget = browser_budget(&state);
    let catalog = catalog_cards(&budget);

    let mut on_input = move |value: String| {
        query.set(value.clone());
        let mine = *generation.peek() + 1;
        generation.set(mine);
        if value.trim().is_empty() {
            return view.set(SearchView::Hidden);
        }
        let q = match validate_query(&value) {
            Ok(q) => q,
            Err(e) => return view.set(SearchView::Invalid(e.to_string())),
        };
        if let Some(hit) = recent.peek().iter().find(|o| o.query.eq_ignore_ascii_case(&q)).cloned() {
            return view.set(SearchView::Done(hit));
        }
        spawn(async move {
            hub_api::sleep_ms(DEBOUNCE_MS).await;
            if *generation.peek() != mine {
                return;
            }
            view.set(SearchView::Loading(q.clone()));
            let settings = state.settings.peek().clone();
            let budget = browser_budget(&state);
            let paused = pause.peek().clone().filter(|(until, _)| js_sys::Date::now() < *until);
            let outcome = match paused {
                Some((_, error)) => SearchOutcome::fallback(&q, &error, &budget),
                None => match hub_api::search(&settings.hub_endpoint, settings.token().as_deref(), &q).await {
                    Ok(results) => SearchOutcome::from_hub(&q, &results, &budget),
                    Err(e) => {
                        if let Some(s) = rate_limit_pause_s(&e) {
                            pause.set(Some((js_sys::Date::now() + s as f64 * 1000.0, e.clone())));
                        }
                        SearchOutcome::fallback(&q, &e, &budget)
                    }
                },
            };
            if *generation.peek() != mine {
                return;
            }
            view.set(SearchView::Done(outcome.clone()));
            if outcome.source == SearchSource::Hub {
                let mut list = recent.peek().clone();
                list.retain(|o| !o.query.eq_ignore_ascii_case(&outcome.query));
                list.insert(0, outcome);
                list.truncate(RECENT_SEARCHES);
                recent.set(list.clone());
                if let Ok(store) = ModelStore::open().await {
                    let _ = store.kv_put(RECENT_SEARCHES_KEY, &serde_json::to_string(&list).unwrap_or_default()).await;
                }
            }
        });
    };

    rsx! {
        div { class: "search", role: "search",
            input {
                id: "model-search",
                r#type: "search",
                placeholder: "Search Hugging Face models...",
                maxlength: "{MAX_QUERY_CHARS}",
                value: "{query}",
                oninput: move |e| on_input(e.value()),
            }
            if !query.read().is_empty() {
                button { class: "link clear", id: "search-clear", aria_label: "Clear the search", onclick: move |_| on_input(String::new()), "✕" }
            }
        }
        match view() {
            SearchView::Hidden => rsx! {},
            SearchView::Invalid(message) => rsx! { p { class: "error", id: "search-invalid", "{message}" } },
            SearchView::Loading(q) => rsx! {
                div { id: "search-results", "data-state": "loading",
                    p { class: "hint", "Searching for '{q}'..." }
                    div { class: "discover-grid",
                        for i in 0..3 { div { key: "{i}", class: "card skeleton" } }
                    }
                }
            },
            SearchView::Done(outcome) => rsx! {
                div { id: "search-results", "data-state": "done",
                    if let SearchSource::Catalog { note } = &outcome.source {
                        p { class: "hint note", id: "search-note", "{note}" }
                    }
                    h3 { id: "search-heading", "Search results for '{outcome.query}' ({outcome.cards.len()})" }
                    if outcome.cards.is_empty() {
                        p { class: "hint", id: "search-empty",
                            "No models match. Try other keywords: a family (qwen, llama, smollm), a task (coder, vision), or a size (1b)."
                        }
                    }
                    div { class: "discover-grid",
                        for card in outcome.cards.iter() {
                            CardView { key: "{card.id}", card: card.clone() }
                        }
                    }
                }
            },
        }
        h3 { "Curated catalog" }
        div { class: "discover-grid", id: "catalog",
            for card in catalog {
                CardView { key: "{card.id}", card }
            }
        }
    }
}

/// A small line icon per modality (inline SVG: no icon font or emoji font needed).
fn modality_icon(modality: Modality) -> Element {
    let path = match modality {
        // A speech bubble.
        Modality::Text => "M4 5h16v10H9l-5 4z",
        // An eye.
        Modality::Vision => "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zm10-3a3 3 0 1 0 0 6 3 3 0 0 0 0-6z",
        // A speaker with a sound wave.
        Modality::Audio => "M4 9h4l5-4v14l-5-4H4zM16 8a5 5 0 0 1 0 8M18.5 5.5a8.5 8.5 0 0 1 0 13",
    };
    rsx! {
        svg { class: "modality", view_box: "0 0 24 24", width: "20", height: "20", role: "img", "aria-label": "{modality.label()}",
            path { d: "{path}", fill: "none", stroke: "currentColor", stroke_width: "2", stroke_linejoin: "round", stroke_linecap: "round" }
        }
    }
}

#[component]
fn CardView(card: ModelCard) -> Element {
    let state = use_context::<AppState>();
    let endpoint = state.settings.read().hub_endpoint.clone();
    let mut facts = vec![card.modality.label().to_string()];
    facts.extend(card.params.map(|p| format!("{} params", params_label(p))));
    facts.extend(card.context_length.map(|c| format!("{}k context", c / 1024)));
    facts.extend(card.size().map(format_size));
    facts.extend(card.license.clone());
    let mut stats = Vec::new();
    stats.extend(card.downloads.map(|d| format!("↓ {d}")));
    stats.extend(card.likes.map(|l| format!("♥ {l}")));
    stats.extend(card.last_modified.as_deref().and_then(|d| d.get(..10)).map(|d| format!("updated {d}")));
    if card.source == CardSource::Hub {
        stats.push(if card.has_gguf { "GGUF available".into() } else { "no GGUF".into() });
    }
    let badge_class = match card.runnable {
        Runnability::Runnable { .. } => "badge ok runnable",
        Runnability::Unverified { .. } => "badge unverified",
        Runnability::NotRunnable { .. } => "badge not-runnable",
    };
    let hub_page = format!("{endpoint}/{}", card.id);
    rsx! {
        div { class: "card model-card", "data-id": "{card.id}", "data-modality": "{card.modality.label()}",
            div { class: "card-head",
                {modality_icon(card.modality)}
                h4 { "{card.name}" }
            }
            if let Some(d) = &card.description { p { class: "description", "{d}" } }
            p { class: "facts", "{facts.join(\" · \")}" }
            if !stats.is_empty() { p { class: "hint stats", "{stats.join(\" · \")}" } }
            p { span { class: "{badge_class}", "{card.runnable.badge()}" } " " small { class: "reason", "{card.runnable.reason()}" } }
            match (&card.runnable, &card.gguf_repo) {
                (Runnability::Runnable { quant, file, .. }, Some(repo)) => {
                    let (repo, file) = (repo.clone(), file.clone());
                    rsx! { button { class: "primary download", onclick: move |_| state.download(repo.clone(), file.clone()), "Download {quant}" } }
                }
                (Runnability::NotRunnable { .. }, _) => rsx! { button { class: "secondary", disabled: true, "Not runnable yet" } },
                _ => rsx! { a { class: "link", href: "{hub_page}", target: "_blank", rel: "noopener", "Open on the Hub" } },
            }
            if !card.quants.is_empty() {
                details { class: "files",
                    summary { "Files and quants" }
                    if let Some(repo) = &card.gguf_repo { p { class: "hint", "{repo}" } }
                    FileTable { repo: card.gguf_repo.clone(), files: card.quants.clone(), downloadable: card.runnable.is_runnable() }
                }
            } else if card.has_gguf && !matches!(card.runnable, Runnability::NotRunnable { .. }) {
                HubFiles { repo: card.id.clone() }
            }
        }
    }
}

/// A Hub result's GGUF files, listed on demand, each with its own download: the way to bring
/// in any Hub model. Loading it tells whether the engine runs its architecture.
#[component]
fn HubFiles(repo: String) -> Element {
    let state = use_context::<AppState>();
    let mut files = use_signal(|| None::<Result<Vec<QuantOption>, String>>);
    let list = {
        let repo = repo.clone();
        move |_| {
            let repo = repo.clone();
            spawn(async move {
                let s = state.settings.peek().clone();
                let answer = hub_api::list_gguf(&s.hub_endpoint, s.token().as_deref(), &repo).await.map_err(|e| e.to_string());
                files.set(Some(answer));
            });
        }
    };
    rsx! {
        match files() {
            None => rsx! { button { class: "secondary list-files", onclick: list, "Show GGUF files" } },
            Some(Err(message)) => rsx! { p { class: "error", "{message}" } },
            Some(Ok(list)) if list.is_empty() => rsx! { p { class: "hint", "No single-file GGUF in this repository." } },
            Some(Ok(list)) => rsx! { FileTable { repo: Some(repo.clone()), files: list, downloadable: true } },
        }
    }
}

#[component]
fn FileTable(repo: Option<String>, files: Vec<QuantOption>, downloadable: bool) -> Element {
    let state = use_context::<AppState>();
    rsx! {
        table { class: "file-table",
            for q in files {
                tr { key: "{q.file}",
                    td { "{q.quant}" }
                    td { class: "model-name", "{q.file}" }
                    td { "{q.size.map(format_size).unwrap_or_default()}" }
                    if let (true, Some(repo)) = (downloadable, repo.clone()) {
                        td {
                            button {
                                class: "link download-file",
                                "data-file": "{q.file}",
                                onclick: { let file = q.file.clone(); move |_| state.download(repo.clone(), file.clone()) },
                                "Download"
                            }
                        }
                    }
                }
            }
        }
    }
}
