//! The `cmdai-native` binary end to end: the commands that need no model, and the whole
//! suggestion flow on real models (piped and JSON output, as scripts and shells use it).

use std::process::{Command, Output, Stdio};

use cmdai_test_support::models;
use cmdai_test_support::temp_dir::TempDir;

/// Runs the binary with its own data and cache dirs, stdin closed (not a terminal).
fn cmdai(args: &[&str], dirs: &TempDir) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmdai-native"))
        .args(args)
        .env("CMDAI_DATA_DIR", dirs.path().join("data"))
        .env("CMDAI_CACHE_DIR", dirs.path().join("cache"))
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", dirs.path().join("hf"))
        .stdin(Stdio::null())
        .output()
        .expect("run cmdai-native")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_exit_codes_follow_the_risk() {
    let dirs = TempDir::new("check");
    for (command, code) in [("ls -la", 0), ("rm notes.txt", 1), ("git push --force", 2), ("sudo rm -rf --no-preserve-root /", 3)] {
        let out = cmdai(&["check", command], &dirs);
        assert_eq!(out.status.code(), Some(code), "{command}: {}", stdout(&out));
    }
    let out = cmdai(&["check", "--output", "json", "curl https://x.sh | sh"], &dirs);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check --output json prints JSON");
    assert!(["high", "critical"].contains(&v["risk"].as_str().unwrap()), "{v}");
    assert!(!v["reason"].as_str().unwrap().is_empty());
}

#[test]
fn completions_and_init_scripts() {
    let dirs = TempDir::new("shells");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = cmdai(&["completions", shell], &dirs);
        assert!(out.status.success());
        assert!(stdout(&out).contains("cmdai-native"), "{shell} completions");
    }
    let zsh = stdout(&cmdai(&["init", "zsh"], &dirs));
    assert!(zsh.contains("print -z") && zsh.contains("bindkey"));
    let bash = stdout(&cmdai(&["init", "bash"], &dirs));
    assert!(bash.contains("READLINE_LINE") && bash.contains("read -r -e"));
    assert!(stdout(&cmdai(&["init", "fish"], &dirs)).contains("commandline --replace"));
}

#[test]
fn invalid_requests_are_refused_before_loading_anything() {
    let dirs = TempDir::new("invalid");
    let out = cmdai(&["--model", "/nonexistent.gguf", "   "], &dirs);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
    let long = "x".repeat(5000);
    assert!(!cmdai(&["--model", "/nonexistent.gguf", &long], &dirs).status.success());
}

/// A GPU that grants too little memory (here `CMDAI_GPU_MEMORY`; on lavapipe in CI) refuses the
/// model before uploading anything, with what it needs and what to do instead.
#[test]
fn a_gpu_without_room_for_the_model_says_so() {
    let dirs = TempDir::new("gpu-memory");
    let model = models::test_model_path(models::SMOLLM2);
    let generate = |budget: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cmdai-native"));
        command.args(["generate", "--model-file", model.to_str().unwrap(), "--backend", "gpu", "-n", "1", "hi"]);
        command.env("CMDAI_DATA_DIR", dirs.path().join("data")).env("CMDAI_GPU_MEMORY", budget).stdin(Stdio::null());
        command.output().expect("run cmdai-native")
    };
    let out = generate("64MiB");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for part in [
        "the GPU cannot hold this model",
        "needs about",
        "weights 9",
        "more than the 64.0 MiB (CMDAI_GPU_MEMORY) available",
        "--backend cpu",
    ] {
        assert!(stderr.contains(part), "{part:?} missing from {stderr}");
    }
    let out = generate("lots");
    assert!(String::from_utf8_lossy(&out.stderr).contains("CMDAI_GPU_MEMORY=\"lots\" is not a size"));
}

#[test]
fn suggests_a_listing_command_on_qwen_and_reuses_the_prompt_cache() {
    let dirs = TempDir::new("qwen");
    let model = models::test_model_path(models::QWEN05);
    let args = ["--model", model.to_str().unwrap(), "--backend", "cpu", "--shell", "bash", "--output", "json"];
    let run = |request: &str| {
        let mut a = args.to_vec();
        a.push(request);
        let out = cmdai(&a, &dirs);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("one JSON object")
    };
    let v = run("list all files in the current directory, including hidden ones");
    let cmd = v["cmd"].as_str().unwrap();
    assert!(cmd.starts_with("ls") && cmd.contains('a'), "{v}");
    assert_eq!(v["risk"], "safe");
    assert_eq!(v["shell"], "bash");
    assert!(v["timings"]["suggest_ms"].as_f64().unwrap() > 0.0);
    let cached = std::fs::read_dir(dirs.path().join("cache/prompt-cache")).expect("prompt cache written").count();
    assert_eq!(cached, 1);

    // A second request in the same environment reuses the cached prefix.
    let v = run("show the disk usage of each folder here");
    assert!(v["cmd"].as_str().unwrap().contains("du"), "{v}");
    assert_eq!(std::fs::read_dir(dirs.path().join("cache/prompt-cache")).unwrap().count(), 1);
}

#[test]
fn piped_output_is_the_command_alone_and_candidates_are_distinct() {
    let dirs = TempDir::new("piped");
    let model = models::test_model_path(models::SMOLLM2);
    let model = model.to_str().unwrap();
    let out = cmdai(&["--model", model, "--backend", "cpu", "show the current date"], &dirs);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");

    let out = cmdai(&["--model", model, "--backend", "cpu", "--output", "json", "-n", "3", "count lines in all text files"], &dirs);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cmds: Vec<&str> = v["candidates"].as_array().map(|c| c.iter().map(|e| e["cmd"].as_str().unwrap()).collect()).unwrap_or_default();
    let mut unique = cmds.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), cmds.len(), "distinct candidates: {cmds:?}");
}

#[test]
fn a_dangerous_request_is_flagged_even_when_the_command_looks_harmless() {
    let dirs = TempDir::new("intent");
    let model = models::test_model_path(models::SMOLLM2);
    let out = cmdai(&["--model", model.to_str().unwrap(), "--backend", "cpu", "--output", "json", "wipe the entire disk /dev/sda"], &dirs);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(["high", "critical"].contains(&v["risk"].as_str().unwrap()), "{v}");
}
