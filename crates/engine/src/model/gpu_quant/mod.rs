//! Weight matrices that stay in their GGUF blocks on a GPU (WebGPU, Vulkan, Metal, DX12):
//! `layout` pads the blocks to whole words, `decode` reads them back inside kernels,
//! `kernels` holds the matrix products and dequantizers, `matrix` the matrix the layers use.
//! Device memory is about the file's size instead of four bytes per weight, and decoding
//! reads each weight's few bits once per token.

mod decode;
mod kernels;
mod layout;
mod matrix;

pub use layout::BlockFormat;
pub use matrix::{tile_rows, DeviceQuantMatrix};

use burn::backend::Dispatch;
use burn::tensor::{Int, Tensor};
pub use kernels::LanesPerRow;
use kernels::QuantOps;

use crate::quant::GgmlType;

/// Bytes a `[rows, cols]` weight matrix of type `ty` occupies on a GPU: its padded blocks, or
/// four bytes per weight where it has no block layout there.
pub fn gpu_weight_bytes(ty: GgmlType, rows: usize, cols: usize) -> usize {
    match BlockFormat::for_tensor(ty, cols) {
        Some(format) => rows * format.row_words(cols) * 4,
        None => rows * cols * 4,
    }
}

/// `x Wᵀ` for `x: [n ≤ MAX_FEW_ROWS, cols]` and `rows` rows of blocks.
fn matmul_few(x: Tensor<2>, blocks: &Tensor<1, Int>, rows: usize, lanes: LanesPerRow, format: BlockFormat) -> Tensor<2> {
    Tensor::from_dispatch(Dispatch::quant_matmul_few(x.into_dispatch(), blocks.clone().into_dispatch(), rows, lanes, format))
}

/// Rows `first..first + rows` of a `[_, cols]` block matrix as f32.
fn dequantize(blocks: &Tensor<1, Int>, first: usize, rows: usize, cols: usize, format: BlockFormat) -> Tensor<2> {
    Tensor::from_dispatch(Dispatch::quant_dequantize(blocks.clone().into_dispatch(), first, rows, cols, format))
}

/// The rows `ids` of a `[_, cols]` block matrix as f32.
fn gather(blocks: &Tensor<1, Int>, ids: Tensor<1, Int>, cols: usize, format: BlockFormat) -> Tensor<2> {
    Tensor::from_dispatch(Dispatch::quant_gather(blocks.clone().into_dispatch(), ids.into_dispatch(), cols, format))
}

#[cfg(test)]
mod tests;
