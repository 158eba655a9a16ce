#!/usr/bin/env python3
"""Golden vectors for cmdai's dequantizers (crates/engine/src/quant/), checked by
crates/engine/tests/dequant.rs.

For each GGML type this builds a few blocks of raw bytes from a fixed seed (random quants,
with the f16/f32 scale fields forced to finite values and a few hand-picked edge blocks),
decodes them with the PyPI `gguf` package's own numpy dequantizer
(`gguf.quants.dequantize`) and writes the bytes and the expected f32 bit patterns to
tests/golden/dequant/vectors.json.

Rerun (this script installs nothing itself; keep the venv outside the repo):

    python3 -m venv ~/.cache/cmdai/venv-gguf
    ~/.cache/cmdai/venv-gguf/bin/pip install gguf numpy
    ~/.cache/cmdai/venv-gguf/bin/python scripts/golden-dequant/make_vectors.py

Output is deterministic for a given gguf/numpy version; both versions are recorded in the
file. Q8_K has no gguf-py dequantizer, so its expected values come from the one-line numpy
formula below (marked in the file's "reference" field).

JSON format: {"cases": [{"type", "id", "elements", "reference", "data", "expected"}...]}
where "data" is the raw block bytes as hex and "expected" is one 8-hex-digit u32 per output
element: the f32's bit pattern (f32::to_bits), most significant digit first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize

SEED = 0x636D6461  # "cmda"
OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "dequant" / "vectors.json"

# f16 values for scale fields, visited first so every type sees them: signs, zero and
# negative zero, subnormals, the smallest normal, the largest finite.
EDGE_SCALES = [1.0, -1.0, 0.0, -0.0, 65504.0, -65504.0, 2.0**-24, -(2.0**-14), 3.0e-5, 0.5]

# (type, blocks, byte offsets of f16 scale fields inside a block)
LAYOUTS: list[tuple[T, int, list[int]]] = [
    (T.Q4_0, 48, [0]),
    (T.Q4_1, 48, [0, 2]),
    (T.Q5_0, 48, [0]),
    (T.Q5_1, 48, [0, 2]),
    (T.Q8_0, 48, [0]),
    (T.Q2_K, 16, [80, 82]),
    (T.Q3_K, 16, [108]),
    (T.Q4_K, 16, [0, 2]),
    (T.Q5_K, 16, [0, 2]),
    (T.Q6_K, 16, [208]),
    (T.IQ4_NL, 48, [0]),
    (T.IQ4_XS, 16, [0]),
    (T.TQ1_0, 16, [52]),
    (T.TQ2_0, 16, [64]),
]


def f16_scales(rng: np.random.Generator, n: int) -> np.ndarray:
    """n finite f16 values: the edge list first, then small normal-ish scales like real models."""
    vals = list(EDGE_SCALES) + list(rng.normal(0.0, 0.02, size=max(0, n - len(EDGE_SCALES))))
    return np.array(vals[:n], dtype=np.float16)


def quant_blocks(rng: np.random.Generator, n_blocks: int, size: int) -> np.ndarray:
    """Random bytes with a few extreme blocks: all zero bits, all one bits, alternating nibbles."""
    blocks = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    blocks[0, :] = 0x00
    blocks[1, :] = 0xFF
    blocks[2, :] = np.resize(np.array([0x0F, 0xF0], dtype=np.uint8), size)
    return blocks


def with_scales(rng: np.random.Generator, qtype: T, n_blocks: int, offsets: list[int]) -> np.ndarray:
    _, size = GGML_QUANT_SIZES[qtype]
    blocks = quant_blocks(rng, n_blocks, size)
    for k, off in enumerate(offsets):
        scales = f16_scales(rng, n_blocks)
        # Give each field its own order so d and dmin edge values meet different partners.
        scales = np.roll(scales, 3 * k)
        blocks[:, off:off + 2] = scales.reshape(n_blocks, 1).view(np.uint8)
    return blocks


def finite_bits(rng: np.random.Generator, n: int, bits: int, exp_mask: int, man_mask: int) -> np.ndarray:
    """n random bit patterns of a float format, NaNs replaced by infinities."""
    dtype = {16: np.uint16, 32: np.uint32}[bits]
    v = rng.integers(0, 1 << bits, size=n, dtype=np.uint64).astype(dtype)
    nan = ((v & exp_mask) == exp_mask) & ((v & man_mask) != 0)
    v[nan] &= dtype(~man_mask & ((1 << bits) - 1))
    return v


def float_cases(rng: np.random.Generator) -> list[tuple[T, np.ndarray, np.ndarray, str]]:
    cases = []
    # F32: edge patterns (±0, ±inf, subnormals, extremes) then random.
    edge32 = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 1, 0x807FFFFF, 0x7F7FFFFF, 0x3F800000],
                      dtype=np.uint32)
    f32 = np.concatenate([edge32, finite_bits(rng, 248, 32, 0x7F800000, 0x007FFFFF)])
    cases.append((T.F32, f32.view(np.uint8), dequantize(f32.view(np.uint8), T.F32), "gguf.quants.dequantize"))
    # F16 / BF16: edge patterns then random, 512 values each.
    edge16 = np.array([0, 0x8000, 0x7C00, 0xFC00, 1, 0x83FF, 0x7BFF, 0x3C00], dtype=np.uint16)
    f16 = np.concatenate([edge16, finite_bits(rng, 504, 16, 0x7C00, 0x03FF)])
    cases.append((T.F16, f16.view(np.uint8), dequantize(f16.view(np.uint8), T.F16), "gguf.quants.dequantize"))
    edgeb = np.array([0, 0x8000, 0x7F80, 0xFF80, 1, 0x807F, 0x7F7F, 0x3F80], dtype=np.uint16)
    bf16 = np.concatenate([edgeb, finite_bits(rng, 504, 16, 0x7F80, 0x007F)])
    cases.append((T.BF16, bf16.view(np.uint8), dequantize(bf16.view(np.uint8), T.BF16), "gguf.quants.dequantize"))
    return cases


def q8_k_case(rng: np.random.Generator) -> tuple[T, np.ndarray, np.ndarray, str]:
    n_blocks = 6
    _, size = GGML_QUANT_SIZES[T.Q8_K]
    blocks = quant_blocks(rng, n_blocks, size)
    d = np.array([1.0, -0.0, -3.5e-3, 1.0e30, 1.0e-40, 0.0123], dtype=np.float32)
    blocks[:, 0:4] = d.reshape(n_blocks, 1).view(np.uint8)
    # gguf-py has no Q8_K dequantizer; ggml's is y = d * q with q the int8 quants.
    qs = blocks[:, 4:4 + 256].view(np.int8).astype(np.float32)
    expected = (d.reshape(n_blocks, 1) * qs).reshape(-1)
    return T.Q8_K, blocks.reshape(-1), expected, "numpy: d * qs (gguf-py has no Q8_K dequantizer)"


def mxfp4_case(rng: np.random.Generator) -> tuple[T, np.ndarray, np.ndarray, str]:
    n_blocks = 40
    _, size = GGML_QUANT_SIZES[T.MXFP4]
    blocks = quant_blocks(rng, n_blocks, size)
    # E8M0 exponents: both subnormal codes, around 1.0, the extremes, then random.
    edge = [0, 1, 2, 126, 127, 128, 253, 254, 255]
    blocks[:, 0] = np.array(edge + list(rng.integers(0, 256, size=n_blocks - len(edge))), dtype=np.uint8)
    # Exponent 255 times code 12 overflows to inf, as it does in ggml: expected, not an error.
    with np.errstate(over="ignore"):
        expected = dequantize(blocks.reshape(-1), T.MXFP4)
    return T.MXFP4, blocks.reshape(-1), expected, "gguf.quants.dequantize"


def nvfp4_case(rng: np.random.Generator) -> tuple[T, np.ndarray, np.ndarray, str]:
    n_blocks = 64  # 4 scale bytes each: every UE4M3 code appears once
    _, size = GGML_QUANT_SIZES[T.NVFP4]
    blocks = quant_blocks(rng, n_blocks, size)
    blocks[:, 0:4] = rng.permutation(256).astype(np.uint8).reshape(n_blocks, 4)
    return T.NVFP4, blocks.reshape(-1), dequantize(blocks.reshape(-1), T.NVFP4), "gguf.quants.dequantize"


def main() -> None:
    rng = np.random.default_rng(SEED)
    cases = float_cases(rng)
    for qtype, n_blocks, offsets in LAYOUTS:
        data = with_scales(rng, qtype, n_blocks, offsets).reshape(-1)
        cases.append((qtype, data, dequantize(data, qtype), "gguf.quants.dequantize"))
    cases.append(q8_k_case(rng))
    cases.append(mxfp4_case(rng))
    cases.append(nvfp4_case(rng))

    out_cases = []
    for qtype, data, expected, reference in cases:
        expected = np.ascontiguousarray(expected, dtype=np.float32).reshape(-1)
        block_len, type_size = GGML_QUANT_SIZES[qtype]
        assert data.dtype == np.uint8 and data.size == expected.size // block_len * type_size, qtype
        assert not np.isnan(expected).any(), f"{qtype.name}: NaN in expected output"
        out_cases.append({
            "type": qtype.name,
            "id": int(qtype),
            "elements": int(expected.size),
            "reference": reference,
            "data": data.tobytes().hex(),
            "expected": "".join(f"{w:08x}" for w in expected.view(np.uint32).tolist()),
        })

    doc = {
        "about": "Golden dequantization vectors; regenerate with scripts/golden-dequant/make_vectors.py",
        "gguf_version": _dist_version("gguf"),
        "numpy_version": np.__version__,
        "seed": SEED,
        "cases": out_cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per line keeps diffs readable.
    lines = [json.dumps({k: v for k, v in doc.items() if k != "cases"})[:-1] + ', "cases": [']
    lines += [json.dumps(c) + ("," if i + 1 < len(out_cases) else "") for i, c in enumerate(out_cases)]
    lines += ["]}"]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(out_cases)} cases, {OUT.stat().st_size} bytes to {OUT}", file=sys.stderr)


def _dist_version(name: str) -> str:
    from importlib.metadata import version
    return version(name)


if __name__ == "__main__":
    main()
