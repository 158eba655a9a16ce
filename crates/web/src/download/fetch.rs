//! The browser side of downloads: `fetch` with `Range`, the response body read as a stream,
//! and every completed chunk committed to the store before the next is read.

use std::cell::Cell;
use std::rc::Rc;

use cmdai_hub::{
    check_status, model_info_url, parse_model_info, plan_write, range_header, resolve_url, HubError, RepoId, RequestContext, WritePlan,
    DEFAULT_REVISION,
};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestInit, Response};

use super::{Assembler, DownloadError, Progress, RateMeter};
use crate::store::{ModelRecord, ModelState, ModelStore};

/// A file on a Hub (huggingface.co or a mirror).
#[derive(Debug, Clone, PartialEq)]
pub struct HubFile {
    pub endpoint: String,
    pub repo: String,
    pub file: String,
    pub token: Option<String>,
}

/// Stops a download: the flag is checked between reads, the abort ends a read in flight.
#[derive(Clone)]
pub struct Cancel {
    flag: Rc<Cell<bool>>,
    controller: AbortController,
}

impl Cancel {
    pub fn new() -> Self {
        Self { flag: Rc::default(), controller: AbortController::new().expect("AbortController exists in browsers") }
    }

    pub fn cancel(&self) {
        self.flag.set(true);
        self.controller.abort();
    }

    fn is_cancelled(&self) -> bool {
        self.flag.get()
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

fn network(e: JsValue) -> DownloadError {
    let message = Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}"));
    DownloadError::Network(message)
}

async fn fetch(url: &str, range_from: Option<u64>, token: Option<&str>, cancel: Option<&Cancel>) -> Result<Response, DownloadError> {
    let headers = Headers::new().map_err(network)?;
    if let Some(range) = range_from.and_then(range_header) {
        headers.set("Range", &range).map_err(network)?;
    }
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        headers.set("Authorization", &format!("Bearer {token}")).map_err(network)?;
    }
    let init = RequestInit::new();
    init.set_headers(&headers);
    if let Some(c) = cancel {
        init.set_signal(Some(&c.controller.signal()));
    }
    // `fetch` is global in pages and workers alike.
    let global = js_sys::global();
    let fetch: js_sys::Function = Reflect::get(&global, &"fetch".into()).map_err(network)?.into();
    let promise: js_sys::Promise = fetch.call2(&global, &url.into(), &init).map_err(network)?.into();
    let answer = JsFuture::from(promise).await.map_err(|e| match cancel {
        Some(c) if c.is_cancelled() => DownloadError::Cancelled,
        _ => network(e),
    })?;
    answer.dyn_into::<Response>().map_err(network)
}

fn header_lookup(response: &Response) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| response.headers().get(name).ok().flatten()
}

/// Asks the Hub for the file's size and SHA-256 and makes the store record for it.
pub async fn resolve_hub_file(hub: &HubFile) -> Result<ModelRecord, DownloadError> {
    let repo = RepoId::new(&hub.repo)?;
    let url = model_info_url(&hub.endpoint, &repo);
    let response = fetch(&url, None, hub.token.as_deref(), None).await?;
    let ctx = RequestContext { repo: &hub.repo, file: None, revision: DEFAULT_REVISION, url: &url, had_token: hub.token.is_some() };
    check_status(response.status(), &ctx, &header_lookup(&response))?;
    let text = JsFuture::from(response.text().map_err(network)?).await.map_err(network)?.as_string().unwrap_or_default();
    let listing = parse_model_info(&text).map_err(DownloadError::BadResponse)?;
    let file = listing.files.iter().find(|f| f.path == hub.file).ok_or_else(|| HubError::FileNotFound {
        repo: hub.repo.clone(),
        file: hub.file.clone(),
        revision: DEFAULT_REVISION.to_string(),
    })?;
    let size = file.size.ok_or_else(|| DownloadError::BadResponse(format!("the Hub gave no size for {}", hub.file)))?;
    let mut record = ModelRecord::new(format!("{}/{}", hub.repo, hub.file), hub.file.clone(), size);
    record.repo = Some(hub.repo.clone());
    record.url = Some(resolve_url(&hub.endpoint, &repo, DEFAULT_REVISION, &hub.file));
    record.sha256 = file.sha256.clone();
    Ok(record)
}

/// Fetches the chunks `record` lacks, then verifies the file. Returns the ready record; on a
/// hash mismatch the chunks are dropped and the record says why.
pub async fn download(
    store: &ModelStore,
    mut record: ModelRecord,
    token: Option<&str>,
    cancel: &Cancel,
    mut on_progress: impl FnMut(&Progress),
) -> Result<ModelRecord, DownloadError> {
    let mut meter = RateMeter::new(5000.0);
    let now = || js_sys::Date::now();
    if !record.is_complete() {
        let url = record.url.clone().ok_or_else(|| DownloadError::BadResponse(format!("{} has no download address", record.id)))?;
        let from = record.bytes_done();
        let response = fetch(&url, Some(from), token, Some(cancel)).await?;
        let repo = record.repo.clone().unwrap_or_default();
        let ctx =
            RequestContext { repo: &repo, file: Some(&record.file), revision: DEFAULT_REVISION, url: &url, had_token: token.is_some() };
        let headers = header_lookup(&response);
        check_status(response.status(), &ctx, &headers)?;
        let whole_file = match plan_write(from, response.status(), headers("content-range").as_deref(), Some(record.size)) {
            WritePlan::Append => false,
            WritePlan::Overwrite => true,
            WritePlan::Restart => {
                return Err(DownloadError::BadResponse(format!(
                    "the server did not send the bytes asked for (status {})",
                    response.status()
                )))
            }
        };
        let body = response.body().ok_or_else(|| DownloadError::BadResponse("the answer has no body".into()))?;
        let reader: ReadableStreamDefaultReader =
            body.get_reader().dyn_into().map_err(|_| DownloadError::BadResponse("the body cannot be streamed".into()))?;
        let mut assembler = Assembler::new(&record, whole_file);
        on_progress(&meter.sample(now(), record.bytes_done(), record.size, "downloading"));
        while !assembler.finished() {
            if cancel.is_cancelled() {
                let _ = reader.cancel();
                return Err(DownloadError::Cancelled);
            }
            let step =
                JsFuture::from(reader.read())
                    .await
                    .map_err(|e| if cancel.is_cancelled() { DownloadError::Cancelled } else { network(e) })?;
            if Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
                break;
            }
            let bytes = Uint8Array::new(&Reflect::get(&step, &"value".into()).map_err(network)?).to_vec();
            for (index, chunk) in assembler.push(&bytes) {
                record = store.put_chunk(&record, index, &chunk).await?;
            }
            on_progress(&meter.sample(now(), record.bytes_done() + assembler.pending(), record.size, "downloading"));
        }
        if !assembler.finished() {
            return Err(DownloadError::Network("the connection closed before the end of the file".into()));
        }
    }
    let total = record.size;
    let mut verify_meter = RateMeter::new(5000.0);
    let checked = store.verify(&record, |done| on_progress(&verify_meter.sample(now(), done, total, "verifying"))).await?;
    if let ModelState::Failed { message } = &checked.state {
        store.delete(&checked.id).await?;
        let mut failed = checked.clone();
        failed.chunks_done = 0;
        store.put_record(&failed).await?;
        return Err(DownloadError::BadResponse(message.clone()));
    }
    Ok(checked)
}
