//! One request at a time: load a model, suggest a command, continue a chat.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;

use cmdai_engine::chat::Message;
use cmdai_engine::generate::{generate, Clock, GenerateOptions, Generation, SamplingParams};
use cmdai_workbench::discover::advisor::{validate_goal, Advice, LocalAdvisor};
use cmdai_workbench::discover::DeviceBudget;
use cmdai_workbench::suggest::{self, OsKind, SuggestContext, Suggester, Userland};

use super::post;
use super::session::{self, Session};
use crate::protocol::{ChatTurn, CommandCard, FromWorker, Speed, ToWorker};

struct DateClock;

impl Clock for DateClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

pub async fn handle(session: &Rc<RefCell<Session>>, message: ToWorker) {
    match message {
        ToWorker::Load { model_id, backend } => {
            session.borrow_mut().loaded = None;
            let started = js_sys::Date::now();
            match session::load(&model_id, backend).await {
                Ok(loaded) => {
                    let device = loaded.device.clone();
                    session.borrow_mut().loaded = Some(loaded);
                    post(&FromWorker::Loaded { model_id, device, load_ms: js_sys::Date::now() - started });
                }
                Err(message) => post(&FromWorker::LoadFailed { model_id, message }),
            }
        }
        ToWorker::Suggest { job, request, shell, os, explain, seed } => {
            let result = suggest_command(
                session,
                job,
                &request,
                SuggestContext {
                    os,
                    distro: None,
                    shell,
                    cwd: "~".into(),
                    userland: userland(os),
                    home: None,
                    user: None,
                    entries: Vec::new(),
                },
                explain,
                seed,
            )
            .await;
            match result {
                Ok((card, speed)) => post(&FromWorker::Command { job, card, speed }),
                Err(message) => post(&FromWorker::Failed { job, message }),
            }
        }
        ToWorker::Advise { job, goal, budget, model } => match advise(session, job, &goal, &budget, &model).await {
            Ok(advice) => post(&FromWorker::Advice { job, advice }),
            Err(message) => post(&FromWorker::Failed { job, message }),
        },
        ToWorker::Chat { job, messages, max_tokens } => match chat(session, job, &messages, max_tokens).await {
            Ok((text, speed)) => post(&FromWorker::ChatDone { job, text, speed }),
            Err(message) => post(&FromWorker::Failed { job, message }),
        },
    }
}

fn userland(os: OsKind) -> Userland {
    match os {
        OsKind::MacOs => Userland::Bsd,
        OsKind::Windows => Userland::Windows,
        OsKind::Linux | OsKind::Other => Userland::Gnu,
    }
}

fn speed(generation: &Generation, started: f64) -> Speed {
    let t = &generation.timings;
    Speed {
        prompt_tokens: t.prompt_tokens,
        cached_tokens: t.cached_tokens,
        generated_tokens: t.generated_tokens,
        prefill_tokens_per_s: t.prefill_tokens_per_s(),
        decode_tokens_per_s: t.decode_tokens_per_s(),
        total_ms: js_sys::Date::now() - started,
    }
}

#[expect(clippy::await_holding_refcell_ref, reason = "the worker runs one job at a time (worker::start)")]
async fn suggest_command(
    session: &Rc<RefCell<Session>>,
    job: u64,
    request: &str,
    ctx: SuggestContext,
    explain: bool,
    seed: Option<u64>,
) -> Result<(CommandCard, Speed), String> {
    let started = js_sys::Date::now();
    let request = suggest::validate_request(request).map_err(|e| e.to_string())?;
    // The session is only touched by this one job at a time (requests run in order).
    let mut guard = session.borrow_mut();
    let loaded = guard.loaded.as_mut().ok_or("no model is loaded; pick one on the Models page")?;
    let suggester = Suggester::new(&loaded.model, &loaded.tokenizer, &loaded.template);
    let options = suggest::SuggestOptions { explain, ..suggest::SuggestOptions::default() };
    let chat = suggest::suggest_chat(&ctx, &request, &options);
    let prompt = suggester.prompt(&chat).map_err(|e| e.to_string())?;
    let cache = loaded.prefixes.get(&loaded.model, prompt.prefix()).await?;
    let sampling = match seed {
        Some(seed) => SamplingParams { temperature: 0.8, seed, ..SamplingParams::default() },
        None => SamplingParams::greedy(),
    };
    let answer = suggester
        .suggest(&chat, &prompt, &options, &cache, sampling, &DateClock, |text| {
            post(&FromWorker::Text { job, text: text.to_string() });
            ControlFlow::Continue(())
        })
        .await
        .map_err(|e| e.to_string())?;
    let generation = answer.generation;
    let suggestion = answer.suggestion.map_err(|e| format!("{e}; try rephrasing the request"))?;
    let assessment = cmdai_safety::assess_with_request(&request, &suggestion.cmd);
    let card = CommandCard {
        reason: assessment.reason(),
        alternative: assessment.alternative(),
        risk: assessment.risk,
        cmd: suggestion.cmd,
        explanation: suggestion.explanation,
    };
    Ok((card, speed(&generation, started)))
}

#[expect(clippy::await_holding_refcell_ref, reason = "the worker runs one job at a time (worker::start)")]
async fn advise(session: &Rc<RefCell<Session>>, job: u64, goal: &str, budget: &DeviceBudget, model: &str) -> Result<Advice, String> {
    let goal = validate_goal(goal).map_err(|e| e.to_string())?;
    let mut guard = session.borrow_mut();
    let loaded = guard.loaded.as_mut().ok_or("no model is loaded")?;
    let advisor = LocalAdvisor::new(&loaded.model, &loaded.tokenizer, &loaded.template);
    let prompt = advisor.prompt(&goal, budget).map_err(|e| e.to_string())?;
    // The catalog and device part is processed once per model and kept, like the command prompt's.
    let cache = loaded.prefixes.get(&loaded.model, prompt.prefix()).await?;
    advisor
        .advise(&prompt, cache, budget, model, &DateClock, |text| {
            post(&FromWorker::Text { job, text: text.to_string() });
            ControlFlow::Continue(())
        })
        .await
        .map_err(|e| e.to_string())
}

#[expect(clippy::await_holding_refcell_ref, reason = "the worker runs one job at a time (worker::start)")]
async fn chat(session: &Rc<RefCell<Session>>, job: u64, turns: &[ChatTurn], max_tokens: usize) -> Result<(String, Speed), String> {
    let started = js_sys::Date::now();
    let guard = session.borrow();
    let loaded = guard.loaded.as_ref().ok_or("no model is loaded; pick one on the Models page")?;
    let mut messages: Vec<Message> = turns.iter().map(|t| Message::new(t.role.clone(), t.content.clone())).collect();
    // Forget the oldest turns (keeping a system prompt) until the chat fits the context.
    let ids = loop {
        let prompt = loaded.template.render(&messages, true).map_err(|e| e.to_string())?;
        let ids = loaded.tokenizer.encode(&prompt, false).map_err(|e| e.to_string())?;
        let first = usize::from(messages.first().is_some_and(|m| m.role == "system"));
        if ids.len() + max_tokens <= loaded.model.config.context_length || messages.len() <= first + 1 {
            break ids;
        }
        messages.remove(first);
    };
    let options = GenerateOptions {
        max_tokens,
        sampling: SamplingParams { temperature: 0.7, ..SamplingParams::default() },
        ..GenerateOptions::default()
    };
    let generation = generate(&loaded.model, &loaded.tokenizer, &ids, &options, &DateClock, |text| {
        post(&FromWorker::Text { job, text: text.to_string() });
        ControlFlow::Continue(())
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok((generation.text.clone(), speed(&generation, started)))
}
