//! Reading a decoding step's logits back from the device.
//!
//! On a GPU, greedy decoding reads back the most likely token and top-k sampling its `k`
//! candidates (ids and logits in one small buffer) instead of the whole vocabulary, 151936
//! floats for Qwen: the rest of the vector is -inf. When a constraint leaves fewer allowed
//! candidates than sampling needs, the step reads the whole vector after all, so the tokens
//! picked never differ from a full read.

use burn::tensor::{Device, Tensor};

use super::{read_logits, SamplingParams, TokenConstraint};
use crate::model::ModelError;

/// Most candidates read back for top-k sampling; larger `top_k` reads everything.
const MAX_CANDIDATES: usize = 64;

/// The logits of one step as the sampler sees them.
pub(super) struct StepLogits {
    /// One per vocabulary entry; -inf outside the candidates when only those were read.
    pub values: Vec<f32>,
    /// The device tensor and how many candidates sampling needs, when only those were read.
    partial: Option<(Tensor<2>, usize)>,
}

/// How many candidates sampling with `params` looks at, when fewer than the vocabulary.
fn candidates_needed(params: &SamplingParams) -> Option<usize> {
    // A penalty can lower candidates below tokens that were not read.
    if params.repetition_penalty != 1.0 {
        return None;
    }
    if params.temperature == 0.0 {
        return Some(1);
    }
    (1..=MAX_CANDIDATES).contains(&params.top_k).then_some(params.top_k)
}

/// Reads `logits` (`[1, vocab]`): only the candidates on a GPU where sampling allows it.
pub(super) async fn read_step(logits: Tensor<2>, params: &SamplingParams) -> Result<StepLogits, ModelError> {
    let on_gpu = logits.device() != Device::flex();
    let Some(k) = candidates_needed(params).filter(|_| on_gpu) else {
        return Ok(StepLogits { values: read_logits(logits).await?, partial: None });
    };
    let [rows, vocab] = logits.dims();
    debug_assert_eq!(rows, 1);
    let (top, ids) = match k {
        1 => (logits.clone().max_dim(1), logits.clone().argmax(1)),
        _ => logits.clone().topk_with_indices(k, 1),
    };
    // Ids below 2^24 are exact in f32: one read for both.
    let read = read_logits(Tensor::cat(vec![top, ids.float()], 1)).await?;
    let (top, ids) = read.split_at(k);
    let mut values = vec![f32::NEG_INFINITY; vocab];
    for (&id, &value) in ids.iter().zip(top) {
        if let Some(slot) = values.get_mut(id as usize) {
            *slot = value;
        }
    }
    Ok(StepLogits { values, partial: Some((logits, k)) })
}

impl StepLogits {
    /// Applies `constraint`'s mask, reading the whole vector first when too few candidates
    /// would be left.
    pub async fn mask(&mut self, constraint: &dyn TokenConstraint) -> Result<(), ModelError> {
        constraint.mask(&mut self.values);
        if let Some((logits, needed)) = self.partial.take() {
            if self.values.iter().filter(|v| **v > f32::NEG_INFINITY).count() < needed {
                self.values = read_logits(logits).await?;
                constraint.mask(&mut self.values);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;
    use futures::executor::block_on;

    use super::*;
    use crate::backend::{select_device, BackendChoice};

    /// Forbids the tokens listed.
    struct Forbid(Vec<usize>);

    impl TokenConstraint for Forbid {
        fn mask(&self, logits: &mut [f32]) {
            self.0.iter().for_each(|&id| logits[id] = f32::NEG_INFINITY);
        }
        fn advance(&mut self, _token: u32) {}
    }

    fn finite(values: &[f32]) -> Vec<(usize, f32)> {
        values.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).collect()
    }

    #[test]
    fn a_gpu_reads_back_candidates_and_the_whole_vector_when_a_constraint_needs_it() {
        let device = block_on(select_device(BackendChoice::Gpu)).expect("a wgpu adapter (lavapipe in CI)").device;
        let all: Vec<f32> = (0..1000).map(|i| ((i * 7919) % 1000) as f32 / 100.0).collect();
        let logits = || Tensor::<2>::from_data(TensorData::new(all.clone(), [1, 1000]), &device);
        let best = |n: usize| {
            let mut order: Vec<usize> = (0..1000).collect();
            order.sort_by(|&a, &b| all[b].total_cmp(&all[a]));
            order.truncate(n);
            order
        };

        let greedy = SamplingParams::greedy();
        let step = block_on(read_step(logits(), &greedy)).unwrap();
        assert_eq!(finite(&step.values), vec![(best(1)[0], all[best(1)[0]])]);

        let top3 = SamplingParams { top_k: 3, ..SamplingParams::default() };
        let mut step = block_on(read_step(logits(), &top3)).unwrap();
        let mut ids: Vec<usize> = finite(&step.values).into_iter().map(|(id, _)| id).collect();
        ids.sort_unstable();
        let mut expected = best(3);
        expected.sort_unstable();
        assert_eq!(ids, expected);
        // Forbidding one of the three leaves too few: the whole vector, masked.
        block_on(step.mask(&Forbid(vec![best(1)[0]]))).unwrap();
        assert_eq!(finite(&step.values).len(), 999);

        // Greedy with its best token forbidden: the second best, from the whole vector.
        let mut step = block_on(read_step(logits(), &greedy)).unwrap();
        block_on(step.mask(&Forbid(vec![best(1)[0]]))).unwrap();
        assert_eq!(finite(&step.values).len(), 999);

        // On the CPU, or with a repetition penalty, everything is read.
        let penalty = SamplingParams { repetition_penalty: 1.1, ..SamplingParams::greedy() };
        assert_eq!(finite(&block_on(read_step(logits(), &penalty)).unwrap().values).len(), 1000);
        let cpu = Tensor::<2>::from_data(TensorData::new(all.clone(), [1, 1000]), &Device::flex());
        assert_eq!(block_on(read_step(cpu, &greedy)).unwrap().values, all);
    }
}
