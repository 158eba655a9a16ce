//! Weight matrices as the layers see them: `[rows, cols]`, used as `x Mᵀ` (projections and
//! the output head) or by row (the embedding table).
//!
//! Quantized weights stay in their GGUF blocks on either device: on the CPU as
//! [`QuantMatrix`], on a GPU as [`DeviceQuantMatrix`]; decoding reads each weight's few bits
//! once per token, which is what its speed is bound by. Float checkpoints (and, on a GPU,
//! quantized rows that are not whole 32-element chunks) are dense f32. Layers do not know which one they hold.

use std::sync::Arc;

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::few_rows::{on_gpu, vec_mat_transposed};
use super::gpu_quant::DeviceQuantMatrix;
use crate::quant::QuantMatrix;

#[derive(Clone)]
pub enum Matrix {
    Dense(RowSharded),
    Quantized(Arc<QuantMatrix>),
    DeviceQuantized(DeviceQuantMatrix),
}

impl Matrix {
    /// `x Mᵀ`: `[n, rows]` from `x: [n, cols]`.
    pub fn matmul_transposed(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Matrix::Dense(m) => m.matmul_transposed(x),
            Matrix::DeviceQuantized(m) => m.matmul_transposed(x),
            Matrix::Quantized(q) => {
                let [n, _] = x.dims();
                let device = x.device();
                let mut out = vec![0f32; n * q.rows()];
                q.matmul_transposed(&host_f32(x), n, &mut out);
                Tensor::from_data(TensorData::new(out, [n, q.rows()]), &device)
            }
        }
    }

    /// The rows `ids`, in order: `[ids.len(), cols]`.
    pub fn rows(&self, ids: &[u32], device: &Device) -> Tensor<2> {
        match self {
            Matrix::Dense(m) => m.rows(ids, device),
            Matrix::DeviceQuantized(m) => m.rows(ids, device),
            Matrix::Quantized(q) => {
                let cols = q.cols();
                let mut out = vec![0f32; ids.len() * cols];
                for (&id, dst) in ids.iter().zip(out.chunks_exact_mut(cols)) {
                    q.dequantize_row(id as usize, dst);
                }
                Tensor::from_data(TensorData::new(out, [ids.len(), cols]), device)
            }
        }
    }

    /// Bytes the weights occupy on their device (host memory for the CPU).
    pub fn weight_bytes(&self) -> usize {
        match self {
            Matrix::Dense(m) => m.rows * m.cols * 4,
            Matrix::Quantized(q) => q.byte_len(),
            Matrix::DeviceQuantized(m) => m.device_bytes(),
        }
    }
}

/// Activations of the CPU backend as a host vector. Reading a CPU tensor is a copy, never a
/// wait, so the synchronous read is fine there (quantized matrices only live on the CPU).
fn host_f32(x: Tensor<2>) -> Vec<f32> {
    x.into_data().try_into_vec::<f32>().expect("activations are f32")
}

/// WebGPU's default limit on one storage binding; Burn asks adapters for their maximum, but
/// browsers and software adapters often grant no more.
pub const DEFAULT_MAX_BINDING_BYTES: usize = 128 << 20;

/// A dense `[rows, cols]` matrix kept as blocks of rows no bigger than one storage binding:
/// the embedding tables of large vocabularies (Qwen's 151936 × 896 f32 is 519 MiB) exceed it.
#[derive(Clone)]
pub struct RowSharded {
    shards: Vec<Tensor<2>>,
    rows: usize,
    cols: usize,
    rows_per_shard: usize,
    /// On a GPU, one-row products (every decoding step) use the matrix-vector kernel.
    on_gpu: bool,
}

impl RowSharded {
    /// Splits `data` into shards of at most `max_shard_bytes` (but at least one row each).
    pub fn new(data: Vec<f32>, rows: usize, cols: usize, device: &Device, max_shard_bytes: usize) -> Self {
        let rows_per_shard = (max_shard_bytes / (cols * 4)).clamp(1, rows.max(1));
        let shards = if rows <= rows_per_shard {
            vec![Tensor::from_data(TensorData::new(data, [rows, cols]), device)]
        } else {
            data.chunks(rows_per_shard * cols)
                .map(|chunk| Tensor::from_data(TensorData::new(chunk.to_vec(), [chunk.len() / cols, cols]), device))
                .collect()
        };
        Self { shards, rows, cols, rows_per_shard, on_gpu: on_gpu(device) }
    }

    /// The rows `ids`, in order: `[ids.len(), cols]`.
    pub fn rows(&self, ids: &[u32], device: &Device) -> Tensor<2> {
        gather_sharded(ids, self.rows_per_shard, device, |s, local| {
            let n = local.len();
            self.shards[s]
                .clone()
                .select(0, Tensor::<1, Int>::from_data(TensorData::new(local.iter().map(|&i| i as i32).collect::<Vec<_>>(), [n]), device))
        })
    }

    /// `x Mᵀ`: `[n, rows]` from `x: [n, cols]`.
    pub fn matmul_transposed(&self, x: Tensor<2>) -> Tensor<2> {
        let one_row_on_gpu = self.on_gpu && x.dims()[0] == 1;
        let product = |x: Tensor<2>, shard: &Tensor<2>| match one_row_on_gpu {
            true => vec_mat_transposed(x, shard),
            false => x.matmul(shard.clone().transpose()),
        };
        if let [shard] = self.shards.as_slice() {
            return product(x, shard);
        }
        let parts: Vec<Tensor<2>> = self.shards.iter().map(|shard| product(x.clone(), shard)).collect();
        Tensor::cat(parts, 1)
    }
}

/// The rows `ids` of a matrix split into shards of `rows_per_shard` rows, in order: `gather`
/// fetches the rows of shard `s` at local indices `local` (`[local.len(), cols]`).
pub(super) fn gather_sharded(
    ids: &[u32],
    rows_per_shard: usize,
    device: &Device,
    mut gather: impl FnMut(usize, &[usize]) -> Tensor<2>,
) -> Tensor<2> {
    let shard_of = |id: u32| id as usize / rows_per_shard;
    let mut shards: Vec<usize> = ids.iter().map(|&id| shard_of(id)).collect();
    shards.sort_unstable();
    shards.dedup();
    let mut parts = Vec::with_capacity(shards.len());
    let mut gathered_positions = Vec::with_capacity(ids.len());
    for s in shards {
        let (positions, local): (Vec<usize>, Vec<usize>) =
            ids.iter().enumerate().filter(|(_, &id)| shard_of(id) == s).map(|(pos, &id)| (pos, id as usize % rows_per_shard)).unzip();
        parts.push(gather(s, &local));
        gathered_positions.extend(positions);
    }
    let gathered = if parts.len() == 1 { parts.pop().unwrap() } else { Tensor::cat(parts, 0) };
    if gathered_positions.windows(2).all(|w| w[0] < w[1]) {
        return gathered;
    }
    // Rows came out grouped by shard; put them back in token order.
    let mut order = vec![0i32; ids.len()];
    for (row, &pos) in gathered_positions.iter().enumerate() {
        order[pos] = row as i32;
    }
    gathered.select(0, Tensor::<1, Int>::from_data(TensorData::new(order, [ids.len()]), device))
}
