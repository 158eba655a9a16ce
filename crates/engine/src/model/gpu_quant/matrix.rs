//! A weight matrix kept in its GGUF blocks on a GPU.

use burn::tensor::{DType, Device, Int, Tensor, TensorData};

use super::kernels::MAX_FEW_ROWS;
use super::layout::{repack, BlockFormat};
use super::{dequantize, gather, matmul_few, LanesPerRow};
use crate::model::matrix::gather_sharded;
use crate::quant::QuantMatrix;

/// `[rows, cols]` in device blocks, split by rows into buffers no bigger than one storage binding.
#[derive(Clone)]
pub struct DeviceQuantMatrix {
    format: BlockFormat,
    rows: usize,
    cols: usize,
    rows_per_shard: usize,
    shards: Vec<Tensor<1, Int>>,
    /// Rows per f32 tile when many activation rows need the matrix dequantized.
    tile_rows: usize,
    lanes: LanesPerRow,
}

/// Rows of the f32 tiles prefill dequantizes a `[rows, cols]` matrix into: as many as one
/// binding holds, at least one.
pub fn tile_rows(max_binding_bytes: usize, rows: usize, cols: usize) -> usize {
    (max_binding_bytes / (cols * 4).max(1)).clamp(1, rows.max(1))
}

impl DeviceQuantMatrix {
    /// Uploads `matrix` when the GPU kernels read its type and width, else returns `None`.
    /// Buffers stay under `max_binding_bytes`.
    pub fn upload(matrix: &QuantMatrix, device: &Device, max_binding_bytes: usize, lanes: LanesPerRow) -> Option<Self> {
        let (rows, cols) = (matrix.rows(), matrix.cols());
        let format = BlockFormat::for_tensor(matrix.ty(), cols)?;
        let row_words = format.row_words(cols);
        let rows_per_shard = (max_binding_bytes / (row_words * 4)).clamp(1, rows.max(1));
        let row_bytes = matrix.byte_len() / rows.max(1);
        let shards = matrix
            .bytes()
            .chunks(rows_per_shard * row_bytes)
            .map(|src| {
                let mut words = Vec::new();
                repack(matrix.ty(), format, src, &mut words);
                let len = words.len();
                Tensor::from_data(TensorData::new(words, [len]), (device, DType::U32))
            })
            .collect();
        let tile_rows = tile_rows(max_binding_bytes, rows, cols);
        Some(Self { format, rows, cols, rows_per_shard, shards, tile_rows, lanes })
    }

    /// Bytes the blocks occupy on the device.
    pub fn device_bytes(&self) -> usize {
        self.rows * self.format.row_words(self.cols) * 4
    }

    fn shard_rows(&self, shard: usize) -> usize {
        self.rows_per_shard.min(self.rows - shard * self.rows_per_shard)
    }

    /// `x Mᵀ`: `[n, rows]` from `x: [n, cols]`.
    pub fn matmul_transposed(&self, x: Tensor<2>) -> Tensor<2> {
        let n = x.dims()[0];
        let mut parts = Vec::new();
        for (s, shard) in self.shards.iter().enumerate() {
            let rows = self.shard_rows(s);
            if n <= MAX_FEW_ROWS {
                parts.push(matmul_few(x.clone(), shard, rows, self.lanes, self.format));
                continue;
            }
            // Many rows: dequantized tiles through Burn's matmul, each dropped after use.
            for first in (0..rows).step_by(self.tile_rows) {
                let tile = dequantize(shard, first, self.tile_rows.min(rows - first), self.cols, self.format);
                parts.push(x.clone().matmul(tile.transpose()));
            }
        }
        match parts.len() {
            1 => parts.pop().unwrap(),
            _ => Tensor::cat(parts, 1),
        }
    }

    /// The rows `ids` (each below `rows`), in order: `[ids.len(), cols]`.
    pub fn rows(&self, ids: &[u32], device: &Device) -> Tensor<2> {
        gather_sharded(ids, self.rows_per_shard, device, |s, local| {
            let n = local.len();
            let ids = Tensor::<1, Int>::from_data(
                TensorData::new(local.iter().map(|&i| i as u32).collect::<Vec<u32>>(), [n]),
                (device, DType::U32),
            );
            gather(&self.shards[s], ids, self.cols, self.format)
        })
    }
}
