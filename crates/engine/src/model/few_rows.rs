//! Matrix products with very few rows on a GPU: the ones every decoding step is made of.
//!
//! Burn's general matrix kernels tile both operands for many rows; with one row (a projection
//! of the new token) or a handful (the query heads sharing a KV head) most of each tile is
//! padding, and on WebGPU without autotuning they never pick their matrix-vector variants.
//! Here each invocation owns one output element and walks its row and column: no shared
//! memory, no barriers, one pass over the weights. That is what a memory-bound product wants,
//! and it is also what CPU-emulated GPUs (SwiftShader, lavapipe) run best.

use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Backend};
use burn::tensor::{DType, Device, Shape, Tensor};
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::CubeBackend;
use cubecl::prelude::{CubeCount, CubeDim};

/// Output elements per workgroup.
const CUBE_SIZE: u32 = 64;

/// Up to this many rows, [`batched_matmul`] uses the few-rows kernel.
pub const MAX_FEW_ROWS: usize = 8;

#[backend_extension(Cube, Fusion)]
pub trait FewRowsOps: Backend {
    /// `[1, cols] × [rows, cols]ᵀ → [1, rows]` for f32 operands.
    #[fusion(dtype = x, shape = Shape::new([1, w[0]]))]
    fn vec_mat_transposed(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `[b, m, k] × [b, k, n] → [b, m, n]` for f32 operands with any strides.
    #[fusion(dtype = a, shape = Shape::new([a[0], a[1], b[2]]))]
    fn few_rows_matmul(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// Workgroups per dimension of a dispatch (WebGPU's minimum limit).
const MAX_CUBES_PER_DIM: usize = 65535;

/// Enough workgroups for `cubes`, folded into a second dimension past the per-dimension limit
/// (`ABSOLUTE_POS` counts across both).
pub(super) fn cube_count(cubes: usize) -> CubeCount {
    let x = cubes.clamp(1, MAX_CUBES_PER_DIM);
    CubeCount::Static(x as u32, cubes.div_ceil(x).max(1) as u32, 1)
}

fn launch_shape(outputs: usize) -> (CubeCount, CubeDim) {
    (cube_count(outputs.div_ceil(CUBE_SIZE as usize)), CubeDim::new_1d(CUBE_SIZE))
}

impl FewRowsOps for CubeBackend {
    fn vec_mat_transposed(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        let x = burn_cubecl::kernel::into_contiguous(x);
        let w = burn_cubecl::kernel::into_contiguous(w);
        let [rows, cols] = [w.meta.shape()[0], w.meta.shape()[1]];
        let out = empty_device_dtype(x.client.clone(), x.device.clone(), Shape::new([1, rows]), DType::F32);
        let vector_size = [4, 2, 1].into_iter().find(|v| cols % v == 0).unwrap_or(1);
        let (count, dim) = launch_shape(rows);
        // Safety: the kernel stops at `rows` and reads `cols / vector_size` vectors of each
        // contiguous operand, which is exactly their length.
        unsafe {
            kernel::vec_mat_rows::launch_unchecked::<f32>(
                &out.client,
                count,
                dim,
                vector_size,
                x.into_tensor_arg(),
                w.into_tensor_arg(),
                out.clone().into_tensor_arg(),
            );
        }
        out
    }

    fn few_rows_matmul(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        let [batch, m, _] = [a.meta.shape()[0], a.meta.shape()[1], a.meta.shape()[2]];
        let n = b.meta.shape()[2];
        let out = empty_device_dtype(a.client.clone(), a.device.clone(), Shape::new([batch, m, n]), DType::F32);
        let (count, dim) = launch_shape(batch * m * n);
        // Safety: the kernel stops at the output's length and reads the operands only through
        // their own shapes and strides.
        unsafe {
            kernel::few_rows_matmul::launch_unchecked::<f32>(
                &out.client,
                count,
                dim,
                a.into_tensor_arg(),
                b.into_tensor_arg(),
                out.clone().into_tensor_arg(),
            );
        }
        out
    }
}

mod kernel {
    use cubecl::prelude::*;

    #[cube(launch_unchecked)]
    pub fn vec_mat_rows<F: Float, N: Size>(x: &Tensor<Vector<F, N>>, w: &Tensor<Vector<F, N>>, out: &mut Tensor<F>) {
        let row = ABSOLUTE_POS;
        if row >= out.len() {
            terminate!();
        }
        let width = x.len();
        let start = row * width;
        let mut acc = Vector::<F, N>::zero();
        for i in 0..width {
            acc += x[i] * w[start + i];
        }
        let mut sum = F::new(0.0);
        #[unroll]
        for lane in 0..N::value().comptime() {
            sum += acc.extract(lane);
        }
        out[row] = sum;
    }

    /// `out` is contiguous; `a` and `b` are read through their strides.
    #[cube(launch_unchecked)]
    pub fn few_rows_matmul<F: Float>(a: &Tensor<F>, b: &Tensor<F>, out: &mut Tensor<F>) {
        let pos = ABSOLUTE_POS;
        if pos >= out.len() {
            terminate!();
        }
        let n_len = out.shape(2);
        let m_len = out.shape(1);
        let n = pos % n_len;
        let m = (pos / n_len) % m_len;
        let batch = pos / (n_len * m_len);
        let mut a_at = batch * a.stride(0) + m * a.stride(1);
        let mut b_at = batch * b.stride(0) + n * b.stride(2);
        let (a_step, b_step) = (a.stride(2), b.stride(1));
        let mut acc = F::new(0.0);
        for _k in 0..a.shape(2) {
            acc += a[a_at] * b[b_at];
            a_at += a_step;
            b_at += b_step;
        }
        out[pos] = acc;
    }
}

/// Whether tensors on `device` can use these kernels: every device but the flex CPU backend.
pub fn on_gpu(device: &Device) -> bool {
    *device != Device::flex()
}

/// `x Wᵀ` for `x: [1, cols]` and `w: [rows, cols]`, both f32 on a GPU device.
pub fn vec_mat_transposed(x: Tensor<2>, w: &Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(burn::backend::Dispatch::vec_mat_transposed(x.into_dispatch(), w.clone().into_dispatch()))
}

/// `a × b` for `a: [batch, m, k]` and `b: [batch, k, n]` (f32): the few-rows kernel on a GPU
/// when `m` is at most [`MAX_FEW_ROWS`], Burn's matmul otherwise.
pub fn batched_matmul(a: Tensor<3>, b: Tensor<3>) -> Tensor<3> {
    if a.dims()[1] > MAX_FEW_ROWS || !on_gpu(&a.device()) {
        return a.matmul(b);
    }
    Tensor::from_dispatch(burn::backend::Dispatch::few_rows_matmul(a.into_dispatch(), b.into_dispatch()))
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Tensor, TensorData};

    use super::*;
    use crate::backend::{select_device, BackendChoice};

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    fn tensor<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values(shape.iter().product(), seed), shape), device)
    }

    fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn assert_close(ours: Vec<f32>, burn: Vec<f32>, what: &str) {
        assert_eq!(ours.len(), burn.len(), "{what}");
        for (i, (a, b)) in ours.iter().zip(&burn).enumerate() {
            assert!((a - b).abs() <= 1e-4 * (1.0 + b.abs()), "{what}: element {i} is {a}, Burn's matmul says {b}");
        }
    }

    /// The kernels against Burn's own matmul on the same GPU (lavapipe in CI), with operands
    /// that are transposed views (strided) and inner sizes that fit no vector width.
    #[test]
    fn few_row_kernels_equal_burns_matmul() {
        let device = futures::executor::block_on(select_device(BackendChoice::Gpu)).expect("a wgpu adapter (lavapipe in CI)").device;
        assert!(on_gpu(&device));
        let (k, n) = (37, 19);
        for m in 1..=MAX_FEW_ROWS {
            // a: [2, m, k] as the transpose of a [2, k, m] tensor; b: [2, k, n] likewise.
            let a = tensor([2, k, m], (k * 100 + m) as u64, &device).swap_dims(1, 2);
            let b = tensor([2, n, k], (k * 1000 + m) as u64, &device).swap_dims(1, 2);
            let ours = host(batched_matmul(a.clone(), b.clone()));
            assert_close(ours, host(a.matmul(b)), &format!("few_rows_matmul m={m} k={k}"));
        }
        // Widths that take vectors of 4, of 2 and none.
        for cols in [64, 38, 37] {
            let x = tensor([1, cols], cols as u64, &device);
            // w: [rows, cols] as the transpose of a [cols, rows] tensor.
            let w = tensor([cols, 23], 7 * cols as u64, &device).transpose();
            let ours = host(vec_mat_transposed(x.clone(), &w));
            assert_close(ours, host(x.matmul(w.transpose())), &format!("vec_mat_transposed cols={cols}"));
        }
    }
}
