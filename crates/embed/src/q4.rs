//! Q4_0 blocks (ggml layout) and the quantised word-embedding table.
//!
//! A block holds 32 weights: an f16 scale `d`, then 16 bytes whose low nibbles are weights
//! 0..16 and high nibbles weights 16..32; a weight is `(nibble - 8) * d`. The 250k-row word
//! table stays in this form (54 MB instead of 384 MB as f32) and rows are expanded only for
//! the tokens of a batch; the encoder matrices are expanded once at load.

use crate::format::{Q4_BLOCK, Q4_BLOCK_BYTES};

/// Expands consecutive Q4_0 blocks into `out` (`out.len()` weights, a multiple of 32).
pub(crate) fn dequantize_into(blocks: &[u8], out: &mut [f32]) {
    for (block, weights) in blocks
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(Q4_BLOCK))
    {
        let scale = half::f16::from_bits(u16::from_le_bytes([block[0], block[1]])).to_f32();
        let (low, high) = weights.split_at_mut(Q4_BLOCK / 2);
        for (j, &byte) in block[2..].iter().enumerate() {
            low[j] = f32::from(i16::from(byte & 0x0F) - 8) * scale;
            high[j] = f32::from(i16::from(byte >> 4) - 8) * scale;
        }
    }
}

/// Expands a whole Q4_0 tensor of `n_elements` weights.
pub(crate) fn dequantize(blocks: &[u8], n_elements: usize) -> Vec<f32> {
    let mut out = vec![0f32; n_elements];
    dequantize_into(blocks, &mut out);
    out
}

/// A row-major `[rows, cols]` matrix kept as Q4_0 blocks.
pub(crate) struct Q4Rows {
    blocks: Vec<u8>,
    rows: usize,
    cols: usize,
}

impl Q4Rows {
    /// Wraps `rows * cols / 32` blocks; the caller has checked the size.
    pub(crate) fn new(blocks: Vec<u8>, rows: usize, cols: usize) -> Self {
        debug_assert_eq!(blocks.len(), rows * cols / Q4_BLOCK * Q4_BLOCK_BYTES);
        Self { blocks, rows, cols }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Writes row `row` (which must be `< rows`) into `out[..cols]`.
    pub(crate) fn row_into(&self, row: usize, out: &mut [f32]) {
        let row_bytes = self.cols / Q4_BLOCK * Q4_BLOCK_BYTES;
        let start = row * row_bytes;
        dequantize_into(
            &self.blocks[start..start + row_bytes],
            &mut out[..self.cols],
        );
    }
}

/// Quantises `weights` (a multiple of 32) to Q4_0 the way ggml's reference quantiser does.
#[cfg(test)]
pub(crate) fn quantize(weights: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(weights.len() / Q4_BLOCK * Q4_BLOCK_BYTES);
    for block in weights.chunks_exact(Q4_BLOCK) {
        let max = block
            .iter()
            .copied()
            .fold(0f32, |max, w| if w.abs() > max.abs() { w } else { max });
        let scale = max / -8.0;
        let inverse = if scale == 0.0 { 0.0 } else { 1.0 / scale };
        let scale = half::f16::from_f32(scale);
        out.extend_from_slice(&scale.to_bits().to_le_bytes());
        let nibble = |w: f32| ((w * inverse + 8.5) as u8).min(15);
        for j in 0..Q4_BLOCK / 2 {
            out.push(nibble(block[j]) | (nibble(block[j + Q4_BLOCK / 2]) << 4));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantizes_low_nibbles_first_then_high_nibbles() {
        // scale 0.5 (f16 0x3800), byte j = low j, high 15 - j.
        let mut block = vec![0x00, 0x38];
        block.extend((0u8..16).map(|j| j | ((15 - j) << 4)));
        let weights = dequantize(&block, 32);
        for j in 0..16 {
            assert_eq!(weights[j], (j as f32 - 8.0) * 0.5);
            assert_eq!(weights[j + 16], ((15 - j) as f32 - 8.0) * 0.5);
        }
    }

    #[test]
    fn quantize_then_dequantize_stays_within_one_step() {
        let weights: Vec<f32> = (0..96)
            .map(|i| ((i * 37 % 19) as f32 - 9.0) / 7.0)
            .collect();
        let blocks = quantize(&weights);
        let back = dequantize(&blocks, weights.len());
        for (chunk, back_chunk) in weights.chunks(32).zip(back.chunks(32)) {
            let step = chunk.iter().fold(0f32, |m, w| m.max(w.abs())) / 8.0;
            for (w, b) in chunk.iter().zip(back_chunk) {
                // Half a step of rounding, a full step where +max clips to nibble 15.
                assert!((w - b).abs() <= step + 1e-3, "{w} vs {b}");
            }
        }
    }

    #[test]
    fn rows_of_a_table_are_expanded_independently() {
        let weights: Vec<f32> = (0..3 * 64).map(|i| i as f32 / 100.0).collect();
        let table = Q4Rows::new(quantize(&weights), 3, 64);
        let all = dequantize(&quantize(&weights), weights.len());
        let mut row = vec![0f32; 64];
        table.row_into(2, &mut row);
        assert_eq!(row, all[128..]);
        assert_eq!(table.rows(), 3);
    }
}
