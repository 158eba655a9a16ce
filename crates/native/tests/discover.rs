//! `models search` and `recommend` end to end against the fake Hub (search, 429, offline, the
//! inference router) and on a real local model (SmolLM2 as the advisor).

use std::process::{Command, Output, Stdio};

use cmdai_test_support::fake_hub::{FakeHub, FakeRepo, Fault};
use cmdai_test_support::models;
use cmdai_test_support::temp_dir::TempDir;
use serde_json::Value;

/// Runs the binary against `hub` (or a closed port) with an empty cache and no token.
fn cmdai(args: &[&str], dirs: &TempDir, endpoint: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmdai-native"));
    cmd.args(args)
        .env("HF_HOME", dirs.path().join("hf"))
        .env("HF_ENDPOINT", endpoint)
        .env("CMDAI_DATA_DIR", dirs.path().join("data"))
        .env("CMDAI_CACHE_DIR", dirs.path().join("cache"))
        .env_remove("HF_TOKEN")
        .env_remove("HF_HUB_OFFLINE")
        .env("CMDAI_ROUTER_URL", format!("{endpoint}/v1"))
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cmdai-native")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "exit {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn repo(id: &str, tags: &[&str]) -> FakeRepo {
    let mut r = FakeRepo::new(id, "0123456789abcdef0123456789abcdef01234567", Vec::new());
    r.tags = tags.iter().map(|t| t.to_string()).collect();
    r
}

fn hub() -> FakeHub {
    FakeHub::start(vec![
        repo("bartowski/Qwen-Toy-GGUF", &["gguf", "qwen2", "license:apache-2.0"]),
        repo("acme/qwen-vision", &["transformers"]),
        repo("unsloth/gemma-3-toy-GGUF", &["gguf", "gemma3"]),
    ])
}

fn names(v: &Value, list: &str) -> Vec<String> {
    v[list].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap_or(c["card"]["name"].as_str().unwrap_or("")).to_string()).collect()
}

#[test]
fn search_maps_hub_results_onto_cards() {
    let hub = hub();
    let dirs = TempDir::new("search");
    let v = json(&cmdai(&["models", "search", "qwen", "--limit", "5", "--output", "json"], &dirs, &hub.endpoint(), &[]));
    assert_eq!(v["source"]["kind"], "hub");
    assert_eq!(names(&v, "cards"), ["Qwen-Toy-GGUF", "qwen-vision"]);
    let toy = &v["cards"][0];
    assert_eq!(
        (toy["has_gguf"].as_bool(), toy["downloads"].as_u64(), toy["license"].as_str()),
        (Some(true), Some(1000), Some("apache-2.0"))
    );
    assert_eq!(toy["runnable"]["status"], "unverified");
    assert_eq!(v["cards"][1]["runnable"]["status"], "not_runnable");
    let request = hub.requests().into_iter().find(|r| r.path.starts_with("/api/models?")).expect("a search request");
    assert!(request.path.contains("search=qwen&limit=5") && request.path.contains("expand%5B%5D=lastModified"), "{}", request.path);

    let plain = cmdai(&["models", "search", "gemma"], &dirs, &hub.endpoint(), &[]);
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(text.starts_with("Search results for 'gemma' (1)"), "{text}");
    assert!(text.contains("Not runnable yet: the gemma3 architecture is not supported"), "{text}");
}

#[test]
fn search_falls_back_to_the_catalog_on_429_and_offline() {
    let hub = hub();
    let dirs = TempDir::new("search-fallback");
    hub.push_fault(Fault::Status { code: 429, headers: vec![("Retry-After".into(), "17".into())] });
    let v = json(&cmdai(&["models", "search", "coder", "--output", "json"], &dirs, &hub.endpoint(), &[]));
    assert_eq!(
        v["source"]["note"],
        "Hugging Face is rate limiting searches (retry after 17 s); showing matches from the curated catalog instead."
    );
    assert_eq!(names(&v, "cards"), ["Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct", "Qwen2.5-Coder-3B-Instruct"]);

    let closed = "http://127.0.0.1:9"; // discard port: refused
    let out = cmdai(&["models", "search", "smollm2"], &dirs, closed, &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be reached"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Search results for 'smollm2' (3)"));
    let v = json(&cmdai(&["models", "search", "lfm2", "--output", "json"], &dirs, &hub.endpoint(), &[("HF_HUB_OFFLINE", "1")]));
    assert_eq!(v["cards"].as_array().unwrap().len(), 9, "every LFM2 model");

    for bad in ["   ", &"x".repeat(101)] {
        let out = cmdai(&["models", "search", bad], &dirs, &hub.endpoint(), &[]);
        assert!(!out.status.success(), "{bad:?} is refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"));
    }
}

#[test]
fn recommend_uses_keywords_without_a_model_or_token() {
    let hub = hub();
    let dirs = TempDir::new("recommend-keywords");
    for (goal, modality, reasoning) in [
        ("I want to process audio from phone calls", "audio", "mentioning 'audio', we recommend these audio models."),
        ("build a chatbot for mobile", "text", "mentioning 'mobile', we recommend these small models."),
        ("describe photos from my camera", "vision", "mentioning 'photo', we recommend these vision models."),
        ("turn English into shell commands", "text", "mentioning 'shell', we recommend these coder models."),
    ] {
        let v = json(&cmdai(&["recommend", goal, "--output", "json"], &dirs, &hub.endpoint(), &[]));
        assert_eq!(v["source"]["kind"], "keywords", "{goal}");
        assert!(v["reasoning"].as_str().unwrap().ends_with(reasoning), "{goal}: {}", v["reasoning"]);
        let recs = v["recommendations"].as_array().unwrap();
        assert!(!recs.is_empty() && recs.iter().all(|r| r["card"]["modality"] == modality), "{goal}: {v}");
        assert!(v["note"].as_str().unwrap().starts_with("AI advisor unavailable — showing keyword-based suggestions"));
    }
    let v = json(&cmdai(&["recommend", "turn English into shell commands", "--output", "json"], &dirs, &hub.endpoint(), &[]));
    assert!(v["recommendations"][0]["card"]["name"].as_str().unwrap().contains("Coder"));
    let out = cmdai(&["recommend", "abc"], &dirs, &hub.endpoint(), &[]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("at least 5 characters"));
}

#[test]
fn recommend_asks_the_router_with_a_token() {
    let hub = hub();
    let dirs = TempDir::new("recommend-router");
    hub.push_router_answer(
        "Here you go:\n{\"recommendations\": [{\"modelId\": \"LiquidAI/LFM2-Audio-1.5B\", \"reason\": \"Speech in, text out.\"}, {\"modelId\": \"openai/whisper-x\", \"reason\": \"not in the catalog\"}]}",
    );
    let token = [("HF_TOKEN", "hf_test_token")];
    let v = json(&cmdai(&["recommend", "transcribe phone calls", "--output", "json"], &dirs, &hub.endpoint(), &token));
    assert_eq!(v["source"]["kind"], "hub_router");
    let recs = v["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 1, "the unknown id is dropped: {v}");
    assert_eq!(
        (recs[0]["model_id"].as_str(), recs[0]["reason"].as_str()),
        (Some("LiquidAI/LFM2-Audio-1.5B"), Some("Speech in, text out."))
    );
    let post = hub.requests().into_iter().find(|r| r.method == "POST").expect("a router request");
    assert_eq!(post.header("authorization"), Some("Bearer hf_test_token"));
    let body: Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(body["messages"][1]["content"], "transcribe phone calls");

    // No queued answer: the router fails with 503 and the keyword rules answer, saying why.
    let v = json(&cmdai(&["recommend", "transcribe phone calls", "--output", "json"], &dirs, &hub.endpoint(), &token));
    assert_eq!(v["source"]["kind"], "keywords");
    assert!(v["note"].as_str().unwrap().contains("router: HTTP 503"), "{}", v["note"]);
}

#[test]
fn recommend_on_a_local_model_names_catalog_models() {
    let hub = hub();
    let dirs = TempDir::new("recommend-local");
    let model = models::test_model_path(models::SMOLLM2);
    let args = ["recommend", "build a chatbot for mobile", "--model", model.to_str().unwrap(), "--backend", "cpu", "--output", "json"];
    let v = json(&cmdai(&args, &dirs, &hub.endpoint(), &[]));
    assert_eq!(v["source"], serde_json::json!({"kind": "local_model", "model": "SmolLM2-135M-Instruct.Q4_1.gguf"}), "{v}");
    let recs = v["recommendations"].as_array().unwrap();
    assert!((1..=2).contains(&recs.len()), "{v}");
    for r in recs {
        let id = r["model_id"].as_str().unwrap();
        assert_eq!(r["card"]["id"], id);
        assert!(!r["reason"].as_str().unwrap().is_empty());
    }
    assert!(v["note"].is_null());
}
