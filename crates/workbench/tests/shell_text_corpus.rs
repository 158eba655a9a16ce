//! Commands full of backslashes, quotes, `$`, `{}`, `%`, unicode and Windows paths
//! (tests/corpus/shell-text.txt) go through the answer constraint unchanged: each is written as a
//! real tokenizer splits it, every token must be allowed where it comes, and the suggestion read
//! back from the streamed text must be the command itself. With the old JSON layout, `\;` was an
//! invalid escape that the constraint masked, and the forced alternatives derailed the command.

use cmdai_engine::generate::{constraint_vocab, TokenConstraint};
use cmdai_engine::tokenizer::Tokenizer;
use cmdai_test_support::models::{model_metadata, repo_root, QWEN05, SMOLLM2};
use cmdai_workbench::suggest::{parse_suggestion, CommandConstraint, FieldOrder};

fn corpus() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("tests/corpus/shell-text.txt")).expect("read the shell-text corpus");
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

/// Feeds `answer` token by token; returns the first token the constraint refused, if any.
fn refused_token(tokenizer: &Tokenizer, vocab: &[Vec<u8>], order: FieldOrder, answer: &str) -> Option<String> {
    let ids = tokenizer.encode(answer, false).expect("encode");
    let mut constraint = CommandConstraint::new(vocab.to_vec(), tokenizer.eos_ids(), order);
    let mut logits = vec![0.0f32; vocab.len()];
    for &id in &ids {
        logits.fill(0.0);
        constraint.mask(&mut logits);
        if !logits[id as usize].is_finite() {
            return Some(String::from_utf8_lossy(&vocab[id as usize]).into_owned());
        }
        constraint.advance(id);
    }
    logits.fill(0.0);
    constraint.mask(&mut logits);
    let eos_allowed = tokenizer.eos_ids().iter().any(|&id| logits[id as usize].is_finite());
    (!eos_allowed).then(|| "<end of answer>".to_string())
}

fn streamed_text(tokenizer: &Tokenizer, answer: &str) -> String {
    let ids = tokenizer.encode(answer, false).expect("encode");
    let mut stream = tokenizer.decode_stream();
    let mut text = stream.push_all(&ids).expect("decode");
    text.push_str(&stream.finish());
    text
}

#[test]
fn corpus_is_large_and_hard() {
    let commands = corpus();
    assert!(commands.len() >= 100, "{}", commands.len());
    let with = |needle: &str| commands.iter().filter(|c| c.contains(needle)).count();
    for needle in ["\\;", "\\n", "\\.", "\"", "'", "$", "{}", "%", "C:\\"] {
        assert!(with(needle) >= 3, "too few commands with {needle}");
    }
    assert!(commands.iter().filter(|c| !c.is_ascii()).count() >= 5, "too few non-ASCII commands");
}

#[test]
fn every_command_passes_the_constraint_unchanged() {
    let commands = corpus();
    for model in [QWEN05, SMOLLM2] {
        let tokenizer = Tokenizer::from_gguf(&model_metadata(model)).expect("tokenizer");
        let vocab = constraint_vocab(&tokenizer);
        let mut failures = Vec::new();
        for order in [FieldOrder::CommandFirst, FieldOrder::ExplanationFirst] {
            for cmd in &commands {
                let answer = order.render(cmd, "Does what was asked.");
                if let Some(token) = refused_token(&tokenizer, &vocab, order, &answer) {
                    failures.push(format!("{model} {order:?}: token {token:?} refused in {cmd}"));
                    continue;
                }
                match parse_suggestion(&streamed_text(&tokenizer, &answer)) {
                    Ok(found) if found.cmd == *cmd && found.explanation == "Does what was asked." => {}
                    other => failures.push(format!("{model} {order:?}: {cmd} read back as {other:?}")),
                }
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }
}
