//! The advisor that always answers: keyword rules over the goal's words.

use super::{Advice, AdviceSource, Recommendation};
use crate::discover::card::{DeviceBudget, Modality};
use crate::discover::catalog::{catalog, CatalogEntry};

pub const KEYWORD_NOTE: &str = "AI advisor unavailable — showing keyword-based suggestions";

/// Cards shown for a keyword answer.
const SHOWN: usize = 3;

enum Pick {
    Modality(Modality),
    Smallest,
    Coder,
}

/// In order: the first rule with a matching word wins.
const RULES: &[(&[&str], &str)] = &[
    (&["image", "photo", "visual", "see", "picture"], "vision"),
    (&["audio", "sound", "speech", "voice", "listen"], "audio"),
    (&["edge", "mobile", "small", "fast", "lite", "embedded"], "small"),
    (&["shell", "command", "terminal", "code"], "coder"),
];

fn pick(category: &str) -> Pick {
    match category {
        "vision" => Pick::Modality(Modality::Vision),
        "audio" => Pick::Modality(Modality::Audio),
        "small" => Pick::Smallest,
        _ => Pick::Coder,
    }
}

/// Whether `word` is `keyword` or an inflection of it (photos, commands, seeing, coding, coder);
/// only long keywords match as prefixes ("photography"), so "lite" never matches "literature".
fn word_matches(word: &str, keyword: &str) -> bool {
    if word == keyword || (keyword.len() >= 5 && word.starts_with(keyword)) {
        return true;
    }
    let stem = keyword.strip_suffix('e').unwrap_or(keyword);
    ["s", "es", "ing", "r", "er", "rs", "ers", "ed"].iter().any(|suffix| {
        word.strip_suffix(suffix).is_some_and(|w| w == keyword) || (*suffix == "ing" && word.strip_suffix("ing") == Some(stem))
    })
}

fn first_match(goal: &str) -> Option<(&'static str, &'static str)> {
    let words: Vec<String> = goal.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    RULES.iter().find_map(|(keywords, category)| {
        let keyword = keywords.iter().find(|k| words.iter().any(|w| word_matches(w, k)))?;
        Some((*keyword, *category))
    })
}

fn entries(rule: Option<&str>) -> Vec<&'static CatalogEntry> {
    let mut list: Vec<&CatalogEntry> = match rule.map(pick) {
        Some(Pick::Modality(m)) => catalog().iter().filter(|e| e.modality == m).collect(),
        Some(Pick::Smallest) => {
            let mut text: Vec<_> = catalog().iter().filter(|e| e.modality == Modality::Text).collect();
            text.sort_by_key(|e| e.params);
            text
        }
        Some(Pick::Coder) => catalog().iter().filter(|e| e.family.contains("Coder")).collect(),
        None => catalog().iter().filter(|e| e.modality == Modality::Text && !e.family.contains("Coder")).collect(),
    };
    list.truncate(SHOWN);
    list
}

/// The keyword answer, with the note that the AI advisor did not answer.
pub fn keyword_advice(goal: &str, budget: &DeviceBudget) -> Advice {
    let matched = first_match(goal);
    let reasoning = match matched {
        Some((keyword, category)) => format!("Based on your goal mentioning '{keyword}', we recommend these {category} models."),
        None => "Based on your goal, we recommend these general text models.".to_string(),
    };
    let recommendations = entries(matched.map(|(_, c)| c))
        .into_iter()
        .map(|e| Recommendation { model_id: e.id.to_string(), reason: e.description.to_string(), card: e.card(budget) })
        .collect();
    Advice { reasoning, recommendations, source: AdviceSource::Keywords, note: Some(KEYWORD_NOTE.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advise(goal: &str) -> Advice {
        keyword_advice(goal, &DeviceBudget::cpu_gb(8))
    }

    fn modalities(a: &Advice) -> Vec<Modality> {
        a.recommendations.iter().map(|r| r.card.modality).collect()
    }

    #[test]
    fn the_issue_examples() {
        let a = advise("I want to process audio from phone calls");
        assert_eq!(a.reasoning, "Based on your goal mentioning 'audio', we recommend these audio models.");
        assert!(!a.recommendations.is_empty() && modalities(&a).iter().all(|m| *m == Modality::Audio));

        let a = advise("build a chatbot for mobile");
        assert_eq!(a.reasoning, "Based on your goal mentioning 'mobile', we recommend these small models.");
        assert!(modalities(&a).iter().all(|m| *m == Modality::Text));
        assert!(a.recommendations.iter().all(|r| r.card.params.unwrap() < 400_000_000), "{:?}", a.recommendations);

        let a = advise("describe photos from my camera");
        assert_eq!(a.reasoning, "Based on your goal mentioning 'photo', we recommend these vision models.");
        assert!(!a.recommendations.is_empty() && modalities(&a).iter().all(|m| *m == Modality::Vision));

        let a = advise("turn English into shell commands");
        assert_eq!(a.reasoning, "Based on your goal mentioning 'shell', we recommend these coder models.");
        assert!(a.recommendations.iter().all(|r| r.card.name.contains("Coder")));
        assert_eq!(a.note.as_deref(), Some(KEYWORD_NOTE));
    }

    #[test]
    fn rules_apply_in_order_and_match_whole_words() {
        assert!(advise("see the picture and hear the voice").reasoning.contains("vision"));
        assert!(advise("write code for an embedded board").reasoning.contains("'embedded'"), "small comes before coder");
        assert!(advise("listening to podcasts").reasoning.contains("'listen'"));
        assert!(advise("summarise my seed catalogue").reasoning.starts_with("Based on your goal, "), "'seed' is not 'see'");
        assert!(advise("a literature review").reasoning.starts_with("Based on your goal, "), "'literature' is not 'lite'");
        assert!(advise("help with coding interviews").reasoning.contains("'code'"));
        assert!(advise("seeing what is in front of me").reasoning.contains("'see'"));
        let general = advise("answer questions about history");
        assert_eq!(general.reasoning, "Based on your goal, we recommend these general text models.");
        assert!(modalities(&general).iter().all(|m| *m == Modality::Text));
    }
}
