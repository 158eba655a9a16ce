//! Chat templates: the models' own templates render the golden prompts exactly, those prompts encode
//! to llama.cpp's ids, and template features and failures behave.

use cmdai_test_support::models;
use std::sync::OnceLock;

use cmdai_engine::chat::{ChatError, ChatTemplate, Message};
use cmdai_engine::tokenizer::Tokenizer;
use serde_json::Value as Json;

fn tokenizer(file: &str) -> &'static Tokenizer {
    static SMOLLM2: OnceLock<Tokenizer> = OnceLock::new();
    static QWEN: OnceLock<Tokenizer> = OnceLock::new();
    let cell = match file {
        models::SMOLLM2 => &SMOLLM2,
        models::QWEN05 => &QWEN,
        other => panic!("no tokenizer cell for {other}"),
    };
    cell.get_or_init(|| Tokenizer::from_gguf(&models::model_metadata(file)).expect("tokenizer from GGUF"))
}

fn check_golden_prompts(file: &str, golden: &str) {
    let tok = tokenizer(file);
    let template = ChatTemplate::for_tokenizer(tok).expect("the model's template compiles");
    let g = models::golden(golden);
    let entries = g["greedy"].as_array().expect("greedy entries");
    assert!(!entries.is_empty());
    for entry in entries {
        let messages: Vec<Message> = serde_json::from_value(entry["messages"].clone()).expect("messages");
        let want_prompt = entry["prompt"].as_str().expect("prompt");
        let prompt = template.render(&messages, true).expect("render");
        assert_eq!(prompt, want_prompt, "{file}: rendered prompt");
        let want_ids: Vec<u32> = entry["prompt_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        assert_eq!(tok.encode(&prompt, true).unwrap(), want_ids, "{file}: prompt ids");
    }
    println!("{file}: {} chat prompts render and encode exactly like llama.cpp", entries.len());
}

#[test]
fn smollm2_template_renders_golden_prompts() {
    check_golden_prompts(models::SMOLLM2, "smollm2-135m.json");
}

#[test]
fn qwen_template_renders_golden_prompts() {
    check_golden_prompts(models::QWEN05, "qwen2.5-coder-0.5b.json");
}

#[test]
fn qwen_template_adds_default_system_prompt_and_no_generation_prompt() {
    let template = ChatTemplate::for_tokenizer(tokenizer(models::QWEN05)).unwrap();
    let out = template.render(&[Message::user("hi"), Message::assistant("hello")], false).unwrap();
    assert_eq!(
        out,
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n\
         <|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n"
    );
}

#[test]
fn qwen_template_renders_tools_like_python_json() {
    let template = ChatTemplate::for_tokenizer(tokenizer(models::QWEN05)).unwrap();
    let tools = serde_json::json!([{"type": "function", "function": {"name": "ls", "description": "List <files> & dirs"}}]);
    let out = template.render_with_tools(&[Message::user("list")], Some(&tools), true).unwrap();
    // Python's json.dumps: ", " and ": " separators, no HTML escaping.
    assert!(out.contains(r#"{"function": {"description": "List <files> & dirs", "name": "ls"}, "type": "function"}"#), "{out}");
    assert!(out.ends_with("<|im_start|>user\nlist<|im_end|>\n<|im_start|>assistant\n"));
}

#[test]
fn chatml_fallback() {
    let t = ChatTemplate::chatml();
    let out = t.render(&[Message::system("be brief"), Message::user("hi")], true).unwrap();
    assert_eq!(out, "<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    assert_eq!(t.render(&[], false).unwrap(), "");
}

#[test]
fn hugging_face_template_features() {
    let t = ChatTemplate::new(
        "{{ bos_token }}{% for m in messages %}{% if m.content.strip().startswith('!') %}[{{ m.role | upper }}]{% endif %}\
         {{ m['content'].strip() }}|{% endfor %}{{ eos_token }}{{ {'b': '<x>', 'a': [1, 2]} | tojson }}\
         {% if tools is none %} no-tools{% endif %}",
    )
    .unwrap()
    .with_bos_token("<s>")
    .with_eos_token("</s>");
    let out = t.render(&[Message::user("  ! hi  "), Message::assistant("yo")], false).unwrap();
    assert_eq!(out, r#"<s>[USER]! hi|yo|</s>{"a": [1, 2], "b": "<x>"} no-tools"#);
}

#[test]
fn trim_and_lstrip_blocks_like_transformers() {
    let t = ChatTemplate::new("{% for m in messages %}\n    {% if true %}\n{{ m.content }}\n    {% endif %}\n{% endfor %}\n").unwrap();
    assert_eq!(t.render(&[Message::user("a"), Message::user("b")], false).unwrap(), "a\nb\n");
}

#[test]
fn raise_exception_is_a_typed_error() {
    let t = ChatTemplate::new(
        "{% if messages[0]['role'] != 'system' %}{{ raise_exception('Conversations must start with a system message') }}{% endif %}ok",
    )
    .unwrap();
    match t.render(&[Message::user("hi")], true) {
        Err(ChatError::Raised(msg)) => assert_eq!(msg, "Conversations must start with a system message"),
        other => panic!("expected Raised, got {other:?}"),
    }
    assert_eq!(t.render(&[Message::system("s")], true).unwrap(), "ok");
}

#[test]
fn template_errors_are_typed() {
    assert!(matches!(ChatTemplate::new("{% for m in messages %}"), Err(ChatError::Syntax(_))));
    assert!(matches!(ChatTemplate::new("{{ 1 + }}"), Err(ChatError::Syntax(_))));
    let t = ChatTemplate::new("{{ messages[0].content.no_such_method() }}").unwrap();
    assert!(matches!(t.render(&[Message::user("x")], false), Err(ChatError::Render(_))));
    let t = ChatTemplate::new("{{ nothing.here }}").unwrap();
    assert!(matches!(t.render(&[], false), Err(ChatError::Render(_))));
    let t = ChatTemplate::new("{{ messages | tojson(indent='x', bogus=1) }}").unwrap();
    assert!(matches!(t.render(&[], false), Err(ChatError::Render(_))));
}

#[test]
fn messages_are_serde() {
    let m: Message = serde_json::from_str(r#"{"role": "user", "content": "hi"}"#).unwrap();
    assert_eq!(m, Message::user("hi"));
    let back: Json = serde_json::to_value(&m).unwrap();
    assert_eq!(back, serde_json::json!({"role": "user", "content": "hi"}));
}

/// A template from a model file that would loop for minutes ends in an error instead.
#[test]
fn runaway_templates_run_out_of_fuel() {
    let template = ChatTemplate::new("{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}").unwrap();
    let started = std::time::Instant::now();
    assert!(matches!(template.render(&[Message::new("user", "hi")], true), Err(ChatError::Render(_))));
    assert!(started.elapsed().as_secs() < 30, "the render was not cut short");
}
