//! The model advisor: from a goal in plain words to one or two catalog models. Three paths, in
//! order: the model loaded locally (JSON-constrained to catalog ids), the Hub's chat-completions
//! router when a token is saved, and keyword rules that always answer.

mod constraint;
mod keywords;
mod local;
mod prompt;

use serde::{Deserialize, Serialize};

use super::card::{DeviceBudget, ModelCard};
use super::catalog::find_entry;

pub use constraint::AdviceConstraint;
pub use keywords::{keyword_advice, KEYWORD_NOTE};
pub use local::{LocalAdviceError, LocalAdvisor};
pub use prompt::{advisor_messages, parse_router_answer, router_request, DEFAULT_ROUTER, ROUTER_MODEL};

pub const MIN_GOAL_CHARS: usize = 5;
pub const MAX_GOAL_CHARS: usize = 500;
/// The AI paths recommend one or two models.
pub const MAX_RECOMMENDATIONS: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoalError {
    #[error("describe your goal in at least {MIN_GOAL_CHARS} characters")]
    TooShort,
    #[error("a goal is at most {MAX_GOAL_CHARS} characters; this one has {0}")]
    TooLong(usize),
}

/// The trimmed goal, or why it cannot be advised on.
pub fn validate_goal(goal: &str) -> Result<String, GoalError> {
    let g = goal.trim();
    let chars = g.chars().count();
    if chars < MIN_GOAL_CHARS {
        return Err(GoalError::TooShort);
    }
    if chars > MAX_GOAL_CHARS {
        return Err(GoalError::TooLong(chars));
    }
    Ok(g.chars().map(|c| if c.is_control() { ' ' } else { c }).collect())
}

/// Who gave the advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdviceSource {
    LocalModel { model: String },
    HubRouter { model: String },
    Keywords,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub model_id: String,
    pub reason: String,
    pub card: ModelCard,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    /// Shown in a callout above the cards.
    pub reasoning: String,
    pub recommendations: Vec<Recommendation>,
    pub source: AdviceSource,
    /// Why a fallback answered, when one did.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdviceError {
    #[error("the advisor's answer is not the expected JSON: {0}")]
    Malformed(String),
    #[error("the advisor recommended no model from the catalog")]
    NoKnownModel,
}

/// The answer `{"recommendations": [{"modelId", "reason"}]}` matched back to catalog entries;
/// unknown ids and repeats are dropped.
pub fn parse_recommendations(json: &str, budget: &DeviceBudget) -> Result<Vec<Recommendation>, AdviceError> {
    #[derive(Deserialize)]
    struct Answer {
        recommendations: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        #[serde(rename = "modelId", alias = "model_id", alias = "id")]
        model_id: String,
        #[serde(default)]
        reason: String,
    }
    let answer: Answer = serde_json::from_str(json.trim()).map_err(|e| AdviceError::Malformed(e.to_string()))?;
    let mut out: Vec<Recommendation> = Vec::new();
    for item in answer.recommendations {
        let Some(entry) = find_entry(&item.model_id) else {
            continue;
        };
        if out.iter().any(|r| r.model_id == entry.id) {
            continue;
        }
        let reason = item.reason.trim();
        let reason = if reason.is_empty() { entry.description.to_string() } else { reason.to_string() };
        out.push(Recommendation { model_id: entry.id.to_string(), reason, card: entry.card(budget) });
        if out.len() == MAX_RECOMMENDATIONS {
            break;
        }
    }
    if out.is_empty() {
        return Err(AdviceError::NoKnownModel);
    }
    Ok(out)
}

/// Advice from a model's recommendations: the reasons become the callout.
pub fn model_advice(recommendations: Vec<Recommendation>, source: AdviceSource) -> Advice {
    let reasoning = recommendations.iter().map(|r| format!("{}: {}", r.card.name, r.reason)).collect::<Vec<_>>().join(" ");
    Advice { reasoning, recommendations, source, note: None }
}

/// The keyword answer, noting which AI path failed and why.
pub fn fallback_advice(goal: &str, budget: &DeviceBudget, why: Option<&str>) -> Advice {
    let mut advice = keyword_advice(goal, budget);
    if let Some(why) = why {
        advice.note = Some(format!("{KEYWORD_NOTE} ({why})"));
    }
    advice
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_are_bounded() {
        assert_eq!(validate_goal(" abcd "), Err(GoalError::TooShort));
        assert_eq!(validate_goal("  chat bot\n"), Ok("chat bot".into()));
        assert_eq!(validate_goal(&"x".repeat(501)), Err(GoalError::TooLong(501)));
        assert!(validate_goal(&"x".repeat(500)).is_ok());
    }

    #[test]
    fn answers_are_matched_to_the_catalog() {
        let json = r#"{"recommendations": [
            {"modelId": "gpt-9000", "reason": "made up"},
            {"modelId": "qwen/qwen2.5-coder-0.5b-instruct", "reason": "small coder"},
            {"modelId": "Qwen/Qwen2.5-Coder-0.5B-Instruct", "reason": "again"},
            {"modelId": "LiquidAI/LFM2-350M", "reason": ""},
            {"modelId": "HuggingFaceTB/SmolLM2-135M-Instruct", "reason": "third"}]}"#;
        let recs = parse_recommendations(json, &DeviceBudget::cpu_gb(8)).unwrap();
        assert_eq!(
            recs.iter().map(|r| r.model_id.as_str()).collect::<Vec<_>>(),
            ["Qwen/Qwen2.5-Coder-0.5B-Instruct", "LiquidAI/LFM2-350M"]
        );
        assert_eq!(recs[0].reason, "small coder");
        assert!(recs[1].reason.contains("hybrid"), "an empty reason falls back to the description");
        assert_eq!(
            parse_recommendations(r#"{"recommendations": [{"modelId": "nope", "reason": "x"}]}"#, &DeviceBudget::cpu_gb(8)),
            Err(AdviceError::NoKnownModel)
        );
        assert!(matches!(parse_recommendations("not json", &DeviceBudget::cpu_gb(8)), Err(AdviceError::Malformed(_))));
    }
}
