//! What the AI advisors are asked: the catalog and the device in a system message, the goal as
//! the user's turn; and the Hub router's request and answer.

use serde_json::{json, Value};

use super::AdviceError;
use crate::discover::card::{params_label, DeviceBudget};
use crate::discover::catalog::catalog;
use cmdai_engine::chat::Message;
use cmdai_hub::format_size;

/// The Hub's OpenAI-compatible inference router.
pub const DEFAULT_ROUTER: &str = "https://router.huggingface.co/v1";
/// A small instruct model the router serves.
pub const ROUTER_MODEL: &str = "meta-llama/Llama-3.1-8B-Instruct";

/// The system message lists every catalog model with what matters for the choice.
pub fn advisor_messages(goal: &str, budget: &DeviceBudget) -> Vec<Message> {
    let mut system = String::from(
        "You help people choose a local AI model. Pick the 1 or 2 catalog models that best fit the user's goal: \
         match the modality (text, vision or audio) first, prefer models that run on this device, and smaller models for phones.\n",
    );
    // An unknown amount of memory (u64::MAX) is left out rather than printed.
    let memory = Some(budget.memory_bytes).filter(|&m| m != u64::MAX).map(|m| format!(", about {} for the model", format_size(m)));
    system.push_str(&format!("Device: {}{}.\n", budget.label, memory.unwrap_or_default()));
    system.push_str("Catalog (id | modality | parameters | runs here | summary):\n");
    for e in catalog() {
        let runs = if e.card(budget).runnable.is_runnable() { "yes" } else { "no" };
        system.push_str(&format!("{} | {} | {} | {} | {}\n", e.id, e.modality.label(), params_label(e.params), runs, e.description));
    }
    system.push_str(
        "Answer only with JSON: {\"recommendations\": [{\"modelId\": \"<an id from the catalog>\", \"reason\": \"<one short sentence>\"}]}",
    );
    vec![Message::system(system), Message::user(goal)]
}

/// The body of `POST {router}/chat/completions`.
pub fn router_request(goal: &str, budget: &DeviceBudget) -> Value {
    let messages: Vec<Value> = advisor_messages(goal, budget).into_iter().map(|m| json!({"role": m.role, "content": m.content})).collect();
    json!({"model": ROUTER_MODEL, "messages": messages, "max_tokens": 300, "temperature": 0.2, "stream": false})
}

/// The JSON object in the router's answer (`choices[0].message.content`), which models
/// sometimes wrap in prose or a code fence.
pub fn parse_router_answer(body: &str) -> Result<String, AdviceError> {
    let value: Value = serde_json::from_str(body).map_err(|e| AdviceError::Malformed(format!("router answer: {e}")))?;
    let content = value
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| AdviceError::Malformed("router answer has no choices[0].message.content".into()))?;
    let (start, end) = (content.find('{'), content.rfind('}'));
    match (start, end) {
        (Some(s), Some(e)) if s < e => Ok(content[s..=e].to_string()),
        _ => {
            Err(AdviceError::Malformed(format!("no JSON object in the router's answer: {}", content.chars().take(80).collect::<String>())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> DeviceBudget {
        DeviceBudget { label: "CPU (wasm)".into(), memory_bytes: 2_000_000_000, weights_as_f32: false }
    }

    #[test]
    fn prompt_lists_the_catalog_and_device() {
        let m = advisor_messages("build a chatbot", &budget());
        assert_eq!((m[0].role.as_str(), m[1].content.as_str()), ("system", "build a chatbot"));
        assert!(m[0].content.contains("Device: CPU (wasm), about 2.00 GB"));
        assert!(m[0].content.contains("LiquidAI/LFM2-Audio-1.5B | audio | 1.5B | no |"), "{}", m[0].content);
        assert!(m[0].content.contains("HuggingFaceTB/SmolLM2-135M-Instruct | text | 135M | yes |"));
        let body = router_request("goal text", &budget());
        assert_eq!(body["model"], ROUTER_MODEL);
        assert_eq!(body["messages"][1]["content"], "goal text");
    }

    #[test]
    fn router_answers_are_unwrapped() {
        let body = r#"{"choices":[{"message":{"role":"assistant","content":"Sure!\n```json\n{\"recommendations\": []}\n```"}}]}"#;
        assert_eq!(parse_router_answer(body).unwrap(), r#"{"recommendations": []}"#);
        assert!(parse_router_answer(r#"{"choices":[]}"#).is_err());
        assert!(parse_router_answer(r#"{"choices":[{"message":{"content":"no idea"}}]}"#).is_err());
    }
}
