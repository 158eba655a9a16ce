//! The bank of hand-written examples (`examples/*.tsv`) and picking the ones nearest to a request,
//! so that the model sees how tasks like the user's are written in their shell.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::context::{ShellKind, Userland};

/// One example from the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankExample {
    pub request: String,
    pub cmd: String,
    pub explanation: String,
}

const BASH_GNU: &str = include_str!("examples/bash-gnu.tsv");

/// Words too common to say anything about which example is near.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "in",
    "of",
    "to",
    "and",
    "or",
    "for",
    "with",
    "on",
    "at",
    "by",
    "from",
    "into",
    "is",
    "are",
    "be",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "my",
    "me",
    "i",
    "all",
    "every",
    "each",
    "any",
    "some",
    "here",
    "there",
    "current",
    "directory",
    "folder",
    "file",
    "files",
    "show",
    "list",
    "print",
    "get",
    "find",
    "give",
    "what",
    "which",
    "how",
    "do",
    "does",
    "can",
    "you",
    "please",
    "them",
    "their",
    "only",
    "just",
    "then",
    "under",
    "below",
    "inside",
];

struct Bank {
    examples: Vec<BankExample>,
    /// The content words of each example's request.
    words: Vec<HashSet<String>>,
    /// How many requests hold each word, for weighting rare words higher.
    document_frequency: std::collections::HashMap<String, usize>,
}

fn parse_bank(tsv: &str) -> Vec<BankExample> {
    tsv.lines()
        .filter_map(|line| {
            let mut columns = line.split('\t');
            let (request, cmd, explanation) = (columns.next()?, columns.next()?, columns.next()?);
            (!request.trim().is_empty() && !cmd.trim().is_empty()).then(|| BankExample {
                request: request.trim().to_string(),
                cmd: cmd.trim().to_string(),
                explanation: explanation.trim().to_string(),
            })
        })
        .collect()
}

fn content_words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w).to_string())
        .collect()
}

/// Folds the plural and verb forms that matter for matching ("logs" → "log", "sorted" → "sort").
fn stem(word: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            if stem.len() >= 3 {
                return stem;
            }
        }
    }
    word
}

impl Bank {
    fn new(tsv: &str) -> Self {
        let examples = parse_bank(tsv);
        let words: Vec<HashSet<String>> = examples.iter().map(|e| content_words(&e.request)).collect();
        let mut document_frequency = std::collections::HashMap::new();
        for word in words.iter().flatten() {
            *document_frequency.entry(word.clone()).or_insert(0) += 1;
        }
        Bank { examples, words, document_frequency }
    }

    /// Up to `count` examples sharing the most (rarity-weighted) words with `request`, least similar
    /// first so that the nearest one sits right before the request.
    fn nearest(&self, request: &str, count: usize) -> Vec<BankExample> {
        let wanted = content_words(request);
        let total = self.examples.len() as f64;
        let weight = |word: &String| (total / self.document_frequency[word] as f64).ln() + 1.0;
        let mut scored: Vec<(f64, usize)> = self
            .words
            .iter()
            .enumerate()
            .map(|(index, words)| (words.intersection(&wanted).map(weight).sum::<f64>(), index))
            .filter(|&(score, _)| score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(count);
        scored.iter().rev().map(|&(_, index)| self.examples[index].clone()).collect()
    }
}

/// The bank for this shell and userland, if there is one. The bash bank uses bash-only syntax
/// (`<<<`, `$'\t'`, `{1..10}`) and GNU-only options, so POSIX sh and BusyBox get none.
fn bank(shell: ShellKind, userland: Userland) -> Option<&'static Bank> {
    static BASH_GNU_BANK: OnceLock<Bank> = OnceLock::new();
    let bash_like = matches!(shell, ShellKind::Bash | ShellKind::Zsh);
    (bash_like && userland == Userland::Gnu).then(|| BASH_GNU_BANK.get_or_init(|| Bank::new(BASH_GNU)))
}

/// Up to `count` bank examples nearest to `request`, or none where the bank does not fit the shell.
pub fn nearest(shell: ShellKind, userland: Userland, request: &str, count: usize) -> Vec<BankExample> {
    if count == 0 {
        return Vec::new();
    }
    bank(shell, userland).map(|bank| bank.nearest(request, count)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::layout::read_layout;
    use crate::suggest::FieldOrder;

    #[test]
    fn bank_is_large_and_well_formed() {
        let bank = parse_bank(BASH_GNU);
        assert!(bank.len() >= 200, "{}", bank.len());
        assert_eq!(bank.len(), BASH_GNU.lines().count(), "every line has three columns");
        let mut requests = HashSet::new();
        for example in &bank {
            assert!(requests.insert(example.request.to_lowercase()), "duplicate request {:?}", example.request);
            // Each example must fit the answer layout the model is held to.
            let answer = FieldOrder::CommandFirst.render(&example.cmd, &example.explanation);
            assert_eq!(read_layout(&answer), Some((example.cmd.clone(), example.explanation.clone())), "{answer}");
        }
    }

    #[test]
    fn nearest_examples_share_the_rare_words() {
        let bank = Bank::new(
            "delete empty directories\tfind . -type d -empty -delete\tRemoves empty dirs.\n\
             count lines in python files\tfind . -name '*.py' | xargs wc -l\tCounts lines.\n\
             show the last 5 commits\tgit log -n 5 --oneline\tLast commits.\n\
             compress the logs folder\ttar czf logs.tar.gz logs\tArchives logs.\n",
        );
        let picked = bank.nearest("how many lines are in the python scripts", 1);
        assert_eq!(picked[0].request, "count lines in python files");
        let picked = bank.nearest("list the commits of last week", 2);
        assert_eq!(picked.last().unwrap().request, "show the last 5 commits", "the nearest comes last");
        assert!(bank.nearest("zzz qqq", 3).is_empty(), "nothing in common, nothing picked");
        assert!(bank.nearest("", 3).is_empty());
    }

    #[test]
    fn only_shells_the_bank_is_written_for() {
        assert_eq!(nearest(ShellKind::Bash, Userland::Gnu, "delete empty directories", 2).len(), 2);
        assert!(nearest(ShellKind::Fish, Userland::Gnu, "delete empty directories", 2).is_empty());
        assert!(nearest(ShellKind::Zsh, Userland::Bsd, "delete empty directories", 2).is_empty());
        assert!(nearest(ShellKind::Sh, Userland::Busybox, "delete empty directories", 2).is_empty());
        assert!(nearest(ShellKind::PowerShell, Userland::Windows, "delete empty directories", 2).is_empty());
        assert!(nearest(ShellKind::Bash, Userland::Gnu, "delete empty directories", 0).is_empty());
    }
}
