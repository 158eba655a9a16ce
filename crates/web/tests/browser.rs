//! The browser pieces in a real browser: headless Chromium driven by `wasm-bindgen-test-runner`
//! through chromedriver, with WebGPU on SwiftShader (flags in `webdriver.json`). `scripts/test.sh`
//! runs them and first copies the SmolLM2 test model to `tests/fixtures/`, which the runner's
//! server hands out over HTTP.
#![cfg(target_arch = "wasm32")]

use std::ops::ControlFlow;

use cmdai_engine::backend::{select_device, BackendChoice};
use cmdai_engine::generate::{generate, read_logits, Clock, GenerateOptions, SamplingParams};
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::{load_gguf, Logits};
use cmdai_engine::source::ByteSource;
use cmdai_engine::tokenizer::Tokenizer;
use cmdai_hub::sha256_hex;
use cmdai_test_support::golden;
use cmdai_web::download::{download, Cancel, DownloadError, Progress};
use cmdai_web::protocol::{BackendPref, ChatTurn, CommandCard, FromWorker, Speed, ToWorker};
use cmdai_web::store::{ModelRecord, ModelState, ModelStore};
use cmdai_web::stored_source::StoredSource;
use futures::channel::oneshot;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SMOL_URL: &str = "/tests/fixtures/SmolLM2-135M-Instruct.Q4_1.gguf";
const SMOL_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// Bytes that differ at every offset, so a chunk stored in the wrong place is noticed.
fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

async fn fresh_store(id: &str) -> ModelStore {
    let store = ModelStore::open().await.expect("IndexedDB opens");
    store.delete(id).await.expect("clean start");
    store
}

async fn fetch_bytes(url: &str) -> Vec<u8> {
    let window = web_sys::window().expect("a page");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url)).await.expect("fetch").unchecked_into();
    assert!(response.ok(), "{url}: HTTP {}", response.status());
    let buffer = JsFuture::from(response.array_buffer().expect("body")).await.expect("body arrives");
    js_sys::Uint8Array::new(&buffer).to_vec()
}

#[wasm_bindgen_test]
async fn chunk_store_takes_chunks_in_order_and_marks_ready_only_after_the_hash_matched() {
    let data = sample(10_000);
    let mut record = ModelRecord::new("test/store/ok.gguf".into(), "ok.gguf".into(), data.len() as u64);
    record.chunk_size = 4096;
    record.sha256 = Some(sha256_hex(&data));
    let store = fresh_store(&record.id).await;
    store.put_record(&record).await.unwrap();

    assert!(store.put_chunk(&record, 1, &data[4096..8192]).await.is_err(), "a chunk out of order is refused");
    assert!(store.put_chunk(&record, 0, &data[..100]).await.is_err(), "a short chunk is refused");
    assert_eq!(store.get(&record.id).await.unwrap().unwrap().chunks_done, 0, "and nothing was recorded");

    for (index, piece) in data.chunks(4096).enumerate() {
        record = store.put_chunk(&record, index as u64, piece).await.unwrap();
    }
    assert!(record.is_complete());
    assert_eq!(record.state, ModelState::Partial, "complete is not yet verified");
    let ready = store.verify(&record, |_| {}).await.unwrap();
    assert!(ready.is_ready());
    assert_eq!(store.list().await.unwrap().iter().filter(|r| r.id == ready.id).count(), 1);

    // The engine reads across chunk boundaries without the whole file in memory.
    let source = StoredSource::new(store.clone(), ready.clone());
    let mut buf = vec![0u8; 5000];
    source.read_at(3000, &mut buf).await.unwrap();
    assert_eq!(buf, data[3000..8000]);
    assert!(source.read_at(9000, &mut buf).await.is_err(), "a read past the end is an error");

    store.delete(&ready.id).await.unwrap();
    assert!(store.get(&ready.id).await.unwrap().is_none());
    assert!(store.chunk(&ready, 0).await.is_err(), "the chunks went with the record");
}

#[wasm_bindgen_test]
async fn a_damaged_file_is_never_marked_ready() {
    let data = sample(5000);
    let mut record = ModelRecord::new("test/store/damaged.gguf".into(), "damaged.gguf".into(), data.len() as u64);
    record.chunk_size = 4096;
    record.sha256 = Some(sha256_hex(b"something else"));
    let store = fresh_store(&record.id).await;
    store.put_record(&record).await.unwrap();
    for (index, piece) in data.chunks(4096).enumerate() {
        record = store.put_chunk(&record, index as u64, piece).await.unwrap();
    }
    let checked = store.verify(&record, |_| {}).await.unwrap();
    assert!(!checked.is_ready());
    assert!(matches!(checked.state, ModelState::Failed { ref message } if message.contains("SHA-256 mismatch")));
    assert!(!store.get(&record.id).await.unwrap().unwrap().is_ready(), "the stored record says so too");
    store.delete(&record.id).await.unwrap();
}

/// A download interrupted after three chunks continues from the fourth. The runner's server
/// ignores `Range` and sends the whole file, so this also covers servers that do.
#[wasm_bindgen_test]
async fn an_interrupted_download_resumes_and_verifies() {
    let file = fetch_bytes(SMOL_URL).await;
    let mut record = ModelRecord::new("test/download/smollm2.gguf".into(), "smollm2.gguf".into(), file.len() as u64);
    record.chunk_size = 4 << 20;
    record.url = Some(SMOL_URL.into());
    record.sha256 = Some(SMOL_SHA256.into());
    let store = fresh_store(&record.id).await;
    store.put_record(&record).await.unwrap();

    let cancel = Cancel::new();
    cancel.cancel();
    let stopped = download(&store, record.clone(), None, &cancel, |_| {}).await;
    assert!(matches!(stopped, Err(DownloadError::Cancelled)), "{:?}", stopped.err());

    // What an earlier visit left behind: the first three chunks.
    for index in 0..3u64 {
        let (from, to) = ((index * record.chunk_size) as usize, ((index + 1) * record.chunk_size) as usize);
        record = store.put_chunk(&record, index, &file[from..to]).await.unwrap();
    }
    let mut first: Option<Progress> = None;
    let ready = download(&store, record.clone(), None, &Cancel::new(), |p| {
        first.get_or_insert_with(|| p.clone());
    })
    .await
    .unwrap();
    assert!(ready.is_ready());
    assert_eq!(ready.sha256.as_deref(), Some(SMOL_SHA256));
    let first = first.expect("progress was reported");
    assert_eq!(first.done, 3 * record.chunk_size, "progress starts from what was stored");
    let last = ready.chunk_count() - 1;
    assert_eq!(store.chunk(&ready, last).await.unwrap(), file[(last * ready.chunk_size) as usize..]);
    store.delete(&ready.id).await.unwrap();
}

/// Every kind of message survives the trip a real one takes: a JSON string through a
/// `MessageChannel` (structured clone), parsed on the other side.
#[wasm_bindgen_test]
async fn worker_messages_cross_a_message_channel_intact() {
    let requests = vec![
        ToWorker::Load { model_id: "org/repo/model.gguf".into(), backend: BackendPref::Auto },
        ToWorker::Suggest {
            job: 1,
            request: "list files \u{2014} \"quoted\" and\nnew lines".into(),
            shell: cmdai_workbench::suggest::ShellKind::PowerShell,
            os: cmdai_workbench::suggest::OsKind::Windows,
            explain: true,
            seed: Some(u64::from(u32::MAX) + 1),
        },
        ToWorker::Chat { job: 2, messages: vec![ChatTurn { role: "user".into(), content: "hi <b>".into() }], max_tokens: 64 },
    ];
    let events = vec![
        FromWorker::Started,
        FromWorker::Text { job: 1, text: "`rm` \u{1F600}".into() },
        FromWorker::Command {
            job: 1,
            card: CommandCard {
                cmd: "rm -rf /".into(),
                explanation: "deletes everything".into(),
                risk: cmdai_safety::Risk::Critical,
                reason: "deletes the root".into(),
                alternative: None,
            },
            speed: Speed {
                prompt_tokens: 3,
                cached_tokens: 1,
                generated_tokens: 2,
                prefill_tokens_per_s: 1.5,
                decode_tokens_per_s: 0.5,
                total_ms: 10.0,
            },
        },
        FromWorker::Failed { job: 9, message: "no model".into() },
    ];
    for request in requests {
        assert_eq!(serde_json::from_str::<ToWorker>(&through_channel(request.to_json()).await).unwrap(), request);
    }
    for event in events {
        assert_eq!(serde_json::from_str::<FromWorker>(&through_channel(event.to_json()).await).unwrap(), event);
    }
}

async fn through_channel(text: String) -> String {
    let channel = web_sys::MessageChannel::new().unwrap();
    let (tx, rx) = oneshot::channel::<String>();
    let mut tx = Some(tx);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(event.data().as_string().unwrap_or_default());
        }
    });
    channel.port2().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    channel.port1().post_message(&JsValue::from_str(&text)).unwrap();
    let received = rx.await.unwrap();
    drop(on_message);
    received
}

struct DateClock;

impl Clock for DateClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// The engine in this browser against llama.cpp's references for SmolLM2: logits at every
/// position of the reference prompt, then greedy continuations of the first `greedy_cases`
/// chat prompts. The model is read from the store's chunks, as the app does.
async fn check_golden(backend: BackendChoice, greedy_cases: usize, greedy_tokens: usize) {
    let reference: Value = serde_json::from_str(include_str!("../../../tests/golden/smollm2-135m.json")).unwrap();
    let file = fetch_bytes(SMOL_URL).await;
    let mut record = ModelRecord::new(format!("test/golden/{backend:?}"), "smollm2.gguf".into(), file.len() as u64);
    let store = fresh_store(&record.id).await;
    store.put_record(&record).await.unwrap();
    for (index, piece) in file.chunks(record.chunk_size as usize).enumerate() {
        record = store.put_chunk(&record, index as u64, piece).await.unwrap();
    }
    drop(file);
    let source = StoredSource::new(store.clone(), record.clone());

    if backend == BackendChoice::Gpu {
        cmdai_web::gpu::request_subgroups();
    }
    let device = select_device(backend).await.expect("device");
    console_log!("device: {}", device.description);
    let gguf = GgufFile::read(&source).await.unwrap();
    let tokenizer = Tokenizer::from_gguf(&gguf.metadata).unwrap();
    let model = load_gguf(&gguf, &source, &device.device, |_| {}).await.unwrap();

    let started = js_sys::Date::now();
    let prompt = golden::logits_prompt(&reference);
    let logits = read_logits(model.forward(&prompt, &mut model.new_cache(), Logits::All).unwrap()).await.unwrap();
    console_log!("{} prompt tokens in {:.0} ms", prompt.len(), js_sys::Date::now() - started);
    let tie_margin = golden::check_logits(&logits, model.config.vocab_size, &reference);

    for case in reference["greedy"].as_array().unwrap().iter().take(greedy_cases) {
        let options =
            GenerateOptions { max_tokens: greedy_tokens, sampling: SamplingParams::greedy(), stop_strings: vec![], stop_at_eos: false };
        let prompt = golden::ids(&case["prompt_ids"]);
        let out = generate(&model, &tokenizer, &prompt, &options, &DateClock, |_| ControlFlow::Continue(())).await.unwrap();
        let verdict = golden::compare_greedy(&out.ids, case, tie_margin, greedy_tokens);
        console_log!("{verdict}: {} -> {:?} ({:.2} tokens/s)", golden::request_of(case), out.text, out.timings.decode_tokens_per_s());
        assert!(verdict.matches(), "{verdict}: ours {:?}, llama.cpp {}", out.text, case["text"]);
    }
    store.delete(&record.id).await.unwrap();
}

#[wasm_bindgen_test]
async fn engine_on_the_cpu_in_wasm_matches_llama_cpp() {
    check_golden(BackendChoice::Cpu, 2, 16).await;
}

/// SwiftShader runs WebGPU on the CPU at a fraction of a real GPU's speed: one short greedy
/// continuation besides the full logits check keeps this test to minutes.
#[wasm_bindgen_test]
async fn engine_on_webgpu_matches_llama_cpp() {
    check_golden(BackendChoice::Gpu, 1, 8).await;
}
