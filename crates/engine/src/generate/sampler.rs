//! Token sampling: repetition penalty, top-k, top-p, min-p and temperature, in llama.cpp's
//! order, with a seeded generator so runs are repeatable.

use serde::{Deserialize, Serialize};

/// How a [`Sampler`] picks tokens; the defaults are llama.cpp's (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingParams {
    /// 0 picks the most likely token (greedy).
    pub temperature: f32,
    /// Keep the `top_k` most likely tokens; 0 keeps all.
    pub top_k: usize,
    /// Keep the smallest set whose probability reaches `top_p`; 1 keeps all.
    pub top_p: f32,
    /// Drop tokens less likely than `min_p` times the most likely one; 0 keeps all.
    pub min_p: f32,
    /// Divide positive (multiply negative) logits of recent tokens; 1 is off.
    pub repetition_penalty: f32,
    /// How many recent tokens the penalty looks at.
    pub repeat_last_n: usize,
    /// Seeds the random generator: the same seed, settings and logits give the same tokens.
    pub seed: u64,
}

impl Default for SamplingParams {
    fn default() -> Self {
        Self { temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, repetition_penalty: 1.0, repeat_last_n: 64, seed: 0 }
    }
}

impl SamplingParams {
    /// Always the most likely token (temperature 0); the other settings are the defaults.
    pub fn greedy() -> Self {
        Self { temperature: 0.0, ..Self::default() }
    }

    /// Checks the ranges (temperature >= 0, top-p in (0, 1], min-p in [0, 1], penalty > 0); the error names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        let finite = |v: f32| v.is_finite();
        if !finite(self.temperature) || self.temperature < 0.0 {
            return Err(format!("temperature must be >= 0, got {}", self.temperature));
        }
        if !finite(self.top_p) || !(0.0..=1.0).contains(&self.top_p) || self.top_p == 0.0 {
            return Err(format!("top-p must be in (0, 1], got {}", self.top_p));
        }
        if !finite(self.min_p) || !(0.0..=1.0).contains(&self.min_p) {
            return Err(format!("min-p must be in [0, 1], got {}", self.min_p));
        }
        if !finite(self.repetition_penalty) || self.repetition_penalty <= 0.0 {
            return Err(format!("repetition penalty must be > 0, got {}", self.repetition_penalty));
        }
        Ok(())
    }
}

/// xoshiro256** seeded through SplitMix64: small, fast and identical on every platform.
#[derive(Debug, Clone)]
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self([next(), next(), next(), next()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Picks tokens from logits as its [`SamplingParams`] say, with its own seeded random generator.
pub struct Sampler {
    params: SamplingParams,
    rng: Rng,
}

impl Sampler {
    /// A sampler whose random generator starts from `params.seed`.
    pub fn new(params: SamplingParams) -> Self {
        let rng = Rng::new(params.seed);
        Self { params, rng }
    }

    /// Picks the next token from `logits` (one per vocabulary entry); `history` is every token
    /// so far, prompt included, for the repetition penalty.
    pub fn sample(&mut self, logits: &mut [f32], history: &[u32]) -> u32 {
        let p = &self.params;
        if p.repetition_penalty != 1.0 {
            let recent = &history[history.len().saturating_sub(p.repeat_last_n)..];
            let mut seen = recent.to_vec();
            seen.sort_unstable();
            seen.dedup();
            for &id in &seen {
                if let Some(l) = logits.get_mut(id as usize) {
                    *l = if *l > 0.0 { *l / p.repetition_penalty } else { *l * p.repetition_penalty };
                }
            }
        }
        if p.temperature == 0.0 {
            return argmax(logits);
        }

        // Candidates sorted by logit, best first; top-k bounds the sort.
        let mut candidates: Vec<(u32, f32)> = logits.iter().enumerate().filter(|(_, l)| !l.is_nan()).map(|(i, &l)| (i as u32, l)).collect();
        if candidates.is_empty() {
            return 0;
        }
        let by_logit = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1);
        if p.top_k > 0 && p.top_k < candidates.len() {
            candidates.select_nth_unstable_by(p.top_k - 1, by_logit);
            candidates.truncate(p.top_k);
        }
        candidates.sort_unstable_by(by_logit);

        let probs = softmax(candidates.iter().map(|c| c.1));
        let mut keep = candidates.len();
        if p.top_p < 1.0 {
            let mut cumulative = 0.0;
            for (i, &prob) in probs.iter().enumerate() {
                cumulative += prob;
                if cumulative >= p.top_p as f64 {
                    keep = i + 1;
                    break;
                }
            }
        }
        if p.min_p > 0.0 {
            let threshold = probs[0] * p.min_p as f64;
            keep = keep.min(probs.iter().take_while(|&&prob| prob >= threshold).count().max(1));
        }
        candidates.truncate(keep);

        let probs = softmax(candidates.iter().map(|c| c.1 / p.temperature));
        let mut r = self.rng.next_f64();
        for (c, prob) in candidates.iter().zip(&probs) {
            if r < *prob {
                return c.0;
            }
            r -= prob;
        }
        candidates.last().map_or(0, |c| c.0)
    }
}

/// Index of the largest logit (the first of equal ones; 0 for an empty slice).
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    best as u32
}

fn softmax(logits: impl Iterator<Item = f32> + Clone) -> Vec<f64> {
    let max = logits.clone().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.map(|l| (l as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_largest_logit() {
        let mut s = Sampler::new(SamplingParams::greedy());
        assert_eq!(s.sample(&mut [0.1, 2.0, -1.0, 1.9], &[]), 1);
    }

    #[test]
    fn repetition_penalty_changes_the_greedy_choice() {
        let mut s = Sampler::new(SamplingParams { repetition_penalty: 1.5, ..SamplingParams::greedy() });
        assert_eq!(s.sample(&mut [0.1, 2.0, -1.0, 1.9], &[1]), 3);
    }

    #[test]
    fn same_seed_same_tokens_and_top_k_one_is_greedy() {
        let logits: Vec<f32> = (0..50).map(|i| ((i * 37) % 11) as f32 * 0.3).collect();
        let params = SamplingParams { temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0.0, seed: 7, ..Default::default() };
        let run = |params: SamplingParams| {
            let mut s = Sampler::new(params);
            (0..20).map(|_| s.sample(&mut logits.clone(), &[])).collect::<Vec<_>>()
        };
        assert_eq!(run(params.clone()), run(params.clone()));
        assert_ne!(run(params.clone()), run(SamplingParams { seed: 8, ..params.clone() }));
        let top1 = run(SamplingParams { top_k: 1, ..params });
        assert!(top1.iter().all(|&t| t == argmax(&logits)));
    }

    #[test]
    fn top_p_and_min_p_cut_the_tail() {
        // One dominant token: top-p 0.5 and min-p 0.5 both leave only it.
        let logits = [10.0f32, 0.0, 0.0, 0.0];
        for params in [
            SamplingParams { temperature: 1.0, top_k: 0, top_p: 0.5, min_p: 0.0, ..Default::default() },
            SamplingParams { temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0.5, ..Default::default() },
        ] {
            let mut s = Sampler::new(params);
            assert!((0..100).all(|_| s.sample(&mut logits.clone(), &[]) == 0));
        }
    }

    #[test]
    fn sampling_follows_the_distribution() {
        // Two tokens with probabilities 0.75 / 0.25 at temperature 1.
        let logits = [3f32.ln(), 0.0];
        let mut s = Sampler::new(SamplingParams { temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0.0, seed: 1, ..Default::default() });
        let zeros = (0..4000).filter(|_| s.sample(&mut logits.clone(), &[]) == 0).count();
        assert!((2800..3200).contains(&zeros), "{zeros}");
    }

    #[test]
    fn invalid_params_are_rejected() {
        assert!(SamplingParams { temperature: -1.0, ..Default::default() }.validate().is_err());
        assert!(SamplingParams { top_p: 0.0, ..Default::default() }.validate().is_err());
        assert!(SamplingParams { repetition_penalty: f32::NAN, ..Default::default() }.validate().is_err());
        assert!(SamplingParams::default().validate().is_ok());
    }
}
