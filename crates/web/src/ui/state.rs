//! The app's shared state (signals) and the actions every page uses: talking to the worker,
//! downloading, loading and deleting models.

use std::collections::BTreeMap;
use std::rc::Rc;

use dioxus::prelude::*;
use futures::channel::mpsc;
use futures::StreamExt;

use cmdai_workbench::discover::advisor::Advice;

use super::link::WorkerLink;
use crate::download::{self, Cancel, HubFile, Progress};
use crate::protocol::{CommandCard, DeviceReport, FromWorker, Speed, ToWorker};
use crate::settings::Settings;
use crate::store::{estimate, ModelRecord, ModelState, ModelStore, StorageEstimate};

const SETTINGS_KEY: &str = "cmdai.settings";
/// The model last loaded, loaded again on the next visit.
const LAST_MODEL_KEY: &str = "cmdai.last_model";

#[derive(Debug, Clone, PartialEq)]
pub enum ModelStatus {
    None,
    Loading { id: String, loaded: usize, total: usize },
    Ready { id: String, device: DeviceReport, load_ms: f64 },
    Failed { id: String, message: String },
}

impl ModelStatus {
    pub fn ready_id(&self) -> Option<&str> {
        match self {
            ModelStatus::Ready { id, .. } => Some(id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Command,
    Chat,
    Advice,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Command(CommandCard, Speed),
    Chat(String, Speed),
    Advice(Advice),
    Failed(String),
    Stopped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: u64,
    pub kind: JobKind,
    /// What the model has streamed so far.
    pub text: String,
    pub outcome: Option<Outcome>,
}

impl Job {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub settings: Signal<Settings>,
    pub model: Signal<ModelStatus>,
    pub models: Signal<Vec<ModelRecord>>,
    /// Whether the store has been listed once (until then `models` is not known to be empty).
    pub listed: Signal<bool>,
    pub downloads: Signal<BTreeMap<String, Progress>>,
    pub storage: Signal<Option<StorageEstimate>>,
    pub notice: Signal<Option<String>>,
    pub job: Signal<Option<Job>>,
    cancels: Signal<BTreeMap<String, Cancel>>,
    link: Signal<Option<Rc<WorkerLink>>>,
    next_job: Signal<u64>,
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl AppState {
    /// Creates the state, starts the worker and the task that applies its events.
    pub fn start() -> Self {
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let saved = local_storage().and_then(|s| s.get_item(SETTINGS_KEY).ok().flatten());
        let state = Self {
            settings: Signal::new(Settings::load(saved.as_deref(), &query)),
            model: Signal::new(ModelStatus::None),
            models: Signal::new(Vec::new()),
            listed: Signal::new(false),
            downloads: Signal::new(BTreeMap::new()),
            storage: Signal::new(None),
            notice: Signal::new(None),
            job: Signal::new(None),
            cancels: Signal::new(BTreeMap::new()),
            link: Signal::new(None),
            next_job: Signal::new(1),
        };
        let (tx, mut rx) = mpsc::unbounded();
        let mut link = state.link;
        link.set(Some(Rc::new(WorkerLink::new(tx))));
        spawn(async move {
            while let Some(event) = rx.next().await {
                state.apply(event);
            }
        });
        spawn(async move {
            state.refresh_models().await;
            state.resume_partial_downloads();
            let last = local_storage().and_then(|s| s.get_item(LAST_MODEL_KEY).ok().flatten());
            if let Some(id) = last.filter(|id| state.models.peek().iter().any(|m| &m.id == id && m.is_ready())) {
                state.load_model(id);
            }
        });
        state
    }

    fn send(&self, message: &ToWorker) {
        if let Some(link) = self.link.peek().as_ref() {
            link.send(message);
        }
    }

    pub fn save_settings(mut self, settings: Settings) {
        if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(&settings)) {
            let _ = storage.set_item(SETTINGS_KEY, &json);
        }
        self.settings.set(settings);
    }

    fn apply(mut self, event: FromWorker) {
        match event {
            FromWorker::Started => {
                // A fresh worker after a stop: load the model that was in use again.
                let id = match &*self.model.peek() {
                    ModelStatus::Ready { id, .. } | ModelStatus::Loading { id, .. } => Some(id.clone()),
                    _ => None,
                };
                if let Some(id) = id {
                    self.load_model(id);
                }
            }
            FromWorker::Loading { model_id, loaded, total } => self.model.set(ModelStatus::Loading { id: model_id, loaded, total }),
            FromWorker::Loaded { model_id, device, load_ms } => self.model.set(ModelStatus::Ready { id: model_id, device, load_ms }),
            FromWorker::LoadFailed { model_id, message } => self.model.set(ModelStatus::Failed { id: model_id, message }),
            FromWorker::Text { job, text } => {
                if let Some(j) = self.job.write().as_mut().filter(|j| j.id == job && j.running()) {
                    j.text.push_str(&text);
                }
            }
            FromWorker::Command { job, card, speed } => self.finish(job, Outcome::Command(card, speed)),
            FromWorker::ChatDone { job, text, speed } => self.finish(job, Outcome::Chat(text, speed)),
            FromWorker::Advice { job, advice } => self.finish(job, Outcome::Advice(advice)),
            FromWorker::Failed { job, message } => {
                let current = self.job.peek().as_ref().map(|j| j.id);
                self.finish(if job == u64::MAX { current.unwrap_or(job) } else { job }, Outcome::Failed(message));
            }
        }
    }

    fn finish(mut self, job: u64, outcome: Outcome) {
        if let Some(j) = self.job.write().as_mut().filter(|j| j.id == job && j.running()) {
            j.outcome = Some(outcome);
        }
    }

    /// Starts a job on the worker; `make` builds the request from the job id.
    pub fn run(mut self, kind: JobKind, make: impl FnOnce(u64) -> ToWorker) -> u64 {
        let id = *self.next_job.peek();
        self.next_job.set(id + 1);
        self.job.set(Some(Job { id, kind, text: String::new(), outcome: None }));
        self.send(&make(id));
        id
    }

    /// Stops the running generation at once (the worker restarts and reloads the model).
    pub fn stop(mut self) {
        let running = self.job.peek().as_ref().is_some_and(|j| j.running());
        if !running {
            return;
        }
        if let Some(j) = self.job.write().as_mut() {
            j.outcome = Some(Outcome::Stopped);
        }
        if let Some(link) = self.link.peek().as_ref() {
            link.restart();
        }
    }

    pub fn load_model(mut self, id: String) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(LAST_MODEL_KEY, &id);
        }
        self.model.set(ModelStatus::Loading { id: id.clone(), loaded: 0, total: 0 });
        let backend = self.settings.peek().backend;
        self.send(&ToWorker::Load { model_id: id, backend });
    }

    pub async fn refresh_models(mut self) {
        match ModelStore::open().await {
            Ok(store) => match store.list().await {
                Ok(list) => {
                    self.models.set(list);
                    self.listed.set(true);
                }
                Err(e) => self.notice.set(Some(e.to_string())),
            },
            Err(e) => self.notice.set(Some(e.to_string())),
        }
        self.storage.set(estimate().await);
    }

    fn resume_partial_downloads(self) {
        let partial: Vec<ModelRecord> =
            self.models.peek().iter().filter(|r| r.state == ModelState::Partial && r.url.is_some()).cloned().collect();
        for record in partial {
            self.download_record(record);
        }
    }

    /// Looks the file up on the configured Hub and downloads it (resuming a partial copy).
    pub fn download(mut self, repo: String, file: String) {
        let settings = self.settings.peek().clone();
        let hub = HubFile { endpoint: settings.hub_endpoint.clone(), repo, file, token: settings.token() };
        spawn(async move {
            let record = match download::resolve_hub_file(&hub).await {
                Ok(r) => r,
                Err(e) => return self.notice.set(Some(format!("{}/{}: {e}", hub.repo, hub.file))),
            };
            let record = match ModelStore::open().await {
                Ok(store) => match store.get(&record.id).await {
                    // Keep what is stored when it is the same file; start over when it changed.
                    Ok(Some(old)) if old.size == record.size && old.sha256 == record.sha256 && old.state != ModelState::Ready => {
                        ModelRecord { url: record.url.clone(), state: ModelState::Partial, ..old }
                    }
                    _ => {
                        let _ = store.delete(&record.id).await;
                        record
                    }
                },
                Err(e) => return self.notice.set(Some(e.to_string())),
            };
            self.download_record(record);
        });
    }

    fn download_record(mut self, record: ModelRecord) {
        if self.cancels.peek().contains_key(&record.id) {
            return;
        }
        let cancel = Cancel::new();
        self.cancels.write().insert(record.id.clone(), cancel.clone());
        let token = self.settings.peek().token();
        spawn(async move {
            let id = record.id.clone();
            let result = async {
                let store = ModelStore::open().await?;
                store.put_record(&record).await?;
                // Listed (with its progress and Cancel) from the first byte on.
                self.refresh_models().await;
                let mut downloads = self.downloads;
                download::download(&store, record, token.as_deref(), &cancel, |p| {
                    downloads.write().insert(id.clone(), p.clone());
                })
                .await
            }
            .await;
            self.cancels.write().remove(&id);
            self.downloads.write().remove(&id);
            match result {
                Ok(_) | Err(download::DownloadError::Cancelled) => {}
                Err(e) => self.notice.set(Some(format!("{id}: {e}"))),
            }
            self.refresh_models().await;
        });
    }

    pub fn cancel_download(self, id: &str) {
        if let Some(c) = self.cancels.peek().get(id) {
            c.cancel();
        }
    }

    pub fn import(mut self, file: web_sys::File) {
        spawn(async move {
            let id = format!("local/{}", file.name());
            let mut downloads = self.downloads;
            let result = async {
                let store = ModelStore::open().await?;
                download::import_file(&store, &file, |p| {
                    downloads.write().insert(id.clone(), p.clone());
                })
                .await
            }
            .await;
            self.downloads.write().remove(&id);
            if let Err(e) = result {
                self.notice.set(Some(format!("{}: {e}", file.name())));
            }
            self.refresh_models().await;
        });
    }

    pub fn delete(mut self, id: String) {
        self.cancel_download(&id);
        if self.model.peek().ready_id() == Some(id.as_str()) {
            self.model.set(ModelStatus::None);
            if let Some(link) = self.link.peek().as_ref() {
                link.restart();
            }
        }
        spawn(async move {
            let result = async { ModelStore::open().await?.delete(&id).await }.await;
            if let Err(e) = result {
                self.notice.set(Some(format!("{id}: {e}")));
            }
            self.refresh_models().await;
        });
    }
}
