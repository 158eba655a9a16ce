//! Every GPU block format against the CPU decoders on random blocks (lavapipe in CI): the rows
//! gathered, the fused few-row products for 1 to 8 activation rows, and the dequantized-tile
//! products for more; odd row counts, rows not a multiple of 256 where the type allows, one
//! buffer or many.

use burn::tensor::{Device, Tensor, TensorData};
use half::{bf16, f16};

use super::kernels::MAX_FEW_ROWS;
use super::{BlockFormat, DeviceQuantMatrix, LanesPerRow};
use crate::backend::{select_device, BackendChoice};
use crate::quant::{dequantize, GgmlType, QuantMatrix};

/// Deterministic pseudo-random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Byte offsets of each block's f16 scales (random bytes there could be NaN or huge).
fn scale_offsets(ty: GgmlType) -> &'static [usize] {
    match ty {
        GgmlType::Q4_0 | GgmlType::Q5_0 | GgmlType::Q8_0 | GgmlType::IQ4NL | GgmlType::IQ4XS => &[0],
        GgmlType::Q4_1 | GgmlType::Q5_1 | GgmlType::Q4K | GgmlType::Q5K => &[0, 2],
        GgmlType::Q2K => &[80, 82],
        GgmlType::Q3K => &[108],
        GgmlType::Q6K => &[208],
        GgmlType::TQ1_0 => &[52],
        GgmlType::TQ2_0 => &[64],
        _ => &[],
    }
}

/// `rows × cols` elements of random blocks of `ty` with sane scales.
fn random_blocks(ty: GgmlType, rows: usize, cols: usize, rng: &mut Rng) -> Vec<u8> {
    let elements = rows * cols;
    match ty {
        GgmlType::F16 => (0..elements).flat_map(|_| f16::from_f32(rng.unit()).to_le_bytes()).collect(),
        GgmlType::BF16 => (0..elements).flat_map(|_| bf16::from_f32(rng.unit()).to_le_bytes()).collect(),
        _ => {
            let mut bytes: Vec<u8> = (0..ty.bytes_for(elements as u64).unwrap()).map(|_| rng.next() as u8).collect();
            for block in bytes.chunks_exact_mut(ty.block_bytes()) {
                if ty == GgmlType::MXFP4 {
                    // An E8M0 exponent near 2^0: random ones overflow the products.
                    block[0] = 120 + (rng.next() % 12) as u8;
                }
                for &at in scale_offsets(ty) {
                    // Negative scales too, and some tiny ones (f16 subnormals).
                    let scale = if rng.next().is_multiple_of(16) { 3e-6 } else { 0.02 * rng.unit() };
                    block[at..at + 2].copy_from_slice(&f16::from_f32(scale).to_le_bytes());
                }
            }
            bytes
        }
    }
}

fn gpu() -> Device {
    futures::executor::block_on(select_device(BackendChoice::Gpu)).expect("a wgpu adapter (lavapipe in CI)").device
}

fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

/// `x Wᵀ` in f64 on the host.
fn reference_product(x: &[f32], w: &[f32], n: usize, rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; n * rows];
    for t in 0..n {
        for r in 0..rows {
            let dot: f64 = (0..cols).map(|k| x[t * cols + k] as f64 * w[r * cols + k] as f64).sum();
            out[t * rows + r] = dot as f32;
        }
    }
    out
}

fn assert_close(ours: &[f32], reference: &[f32], tolerance: f32, what: &str) {
    assert_eq!(ours.len(), reference.len(), "{what}");
    let scale = reference.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in ours.iter().zip(reference).enumerate() {
        assert!((a - b).abs() <= tolerance * scale, "{what}: element {i} is {a}, expected {b} (largest {scale})");
    }
}

const TYPES: [GgmlType; 18] = [
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q5_0,
    GgmlType::Q5_1,
    GgmlType::Q8_0,
    GgmlType::Q2K,
    GgmlType::Q3K,
    GgmlType::Q4K,
    GgmlType::Q5K,
    GgmlType::Q6K,
    GgmlType::IQ4NL,
    GgmlType::IQ4XS,
    GgmlType::TQ1_0,
    GgmlType::TQ2_0,
    GgmlType::MXFP4,
    GgmlType::NVFP4,
    GgmlType::F16,
    GgmlType::BF16,
];

#[test]
fn every_format_matches_the_cpu_decoders() {
    let device = gpu();
    let mut rng = Rng(0x5EED);
    for ty in TYPES {
        // Types of 32 or 64 elements get a width that is not a multiple of 256.
        let cols = match ty.block_len() {
            256 => 512,
            64 => 192,
            _ => 96,
        };
        let rows = 13;
        let bytes = random_blocks(ty, rows, cols, &mut rng);
        let mut w = vec![0f32; rows * cols];
        dequantize(ty, &bytes, &mut w).unwrap();
        let q = QuantMatrix::new(ty, rows, cols, bytes).unwrap();
        let format = BlockFormat::for_tensor(ty, cols).unwrap();
        // One buffer with either kernel layout, then buffers of 3 rows (and f32 tiles of a row or two).
        for (shard_rows, lanes) in [(None, LanesPerRow::GPU), (None, LanesPerRow::EMULATED), (Some(3), LanesPerRow(1))] {
            let max_binding = shard_rows.map_or(1 << 30, |r| r * format.row_words(cols) * 4);
            let m = DeviceQuantMatrix::upload(&q, &device, max_binding, lanes).unwrap();
            let what = format!("{ty} ({shard_rows:?} rows per buffer, {lanes:?})");

            let ids: Vec<u32> = vec![12, 0, 5, 5, 7, 1];
            let gathered = host(m.rows(&ids, &device));
            let expected: Vec<f32> = ids.iter().flat_map(|&r| w[r as usize * cols..(r as usize + 1) * cols].to_vec()).collect();
            assert_close(&gathered, &expected, 1e-6, &format!("{what} rows"));

            for n in (1..=MAX_FEW_ROWS).chain([11]) {
                let x: Vec<f32> = (0..n * cols).map(|_| rng.unit()).collect();
                let xt = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, cols]), &device);
                let ours = host(m.matmul_transposed(xt));
                assert_close(&ours, &reference_product(&x, &w, n, rows, cols), 1e-4, &format!("{what} × {n} rows"));
            }
        }
    }
}

/// Not a test: times one decoding product per format and kernel layout against the f32
/// kernel on a `[1536, 768]` matrix (`cargo test --workspace --lib time_products -- --ignored
/// --nocapture`; run it alone, the numbers drift with other work).
#[test]
#[ignore]
fn time_products() {
    use crate::model::few_rows::vec_mat_transposed;
    let device = gpu();
    let mut rng = Rng(7);
    let (rows, cols) = (1536, 768);
    let random = |n: usize, rng: &mut Rng| (0..n).map(|_| rng.unit()).collect::<Vec<f32>>();
    let x = Tensor::<2>::from_data(TensorData::new(random(cols, &mut rng), [1, cols]), &device);
    let time = |what: &str, f: &dyn Fn() -> Tensor<2>| {
        host(f());
        let started = std::time::Instant::now();
        let outs: Vec<Tensor<2>> = (0..50).map(|_| f()).collect();
        host(Tensor::cat(outs, 0));
        println!("{what}: {:.2} ms per product", started.elapsed().as_secs_f64() * 1000.0 / 50.0);
    };
    let dense = Tensor::<2>::from_data(TensorData::new(random(rows * cols, &mut rng), [rows, cols]), &device);
    time("f32", &|| vec_mat_transposed(x.clone(), &dense));
    let small = Tensor::<2>::from_data(TensorData::new(random(64 * cols, &mut rng), [64, cols]), &device);
    time("f32 [64, 768] (about the launch cost)", &|| vec_mat_transposed(x.clone(), &small));
    for ty in [GgmlType::Q4_1, GgmlType::Q4K, GgmlType::Q6K, GgmlType::Q8_0] {
        let q = QuantMatrix::new(ty, rows, cols, random_blocks(ty, rows, cols, &mut rng)).unwrap();
        for lanes in [LanesPerRow::GPU, LanesPerRow::EMULATED, LanesPerRow(1)] {
            let m = DeviceQuantMatrix::upload(&q, &device, 1 << 30, lanes).unwrap();
            time(&format!("{ty} {lanes:?}"), &|| m.matmul_transposed(x.clone()));
        }
    }
}
