//! The BERT encoder of multilingual-e5-small (XLM-R body: 12 layers, hidden 384, 12 heads,
//! FFN 1536, post-LayerNorm, GELU) run on candle's CPU backend.
//!
//! Weights: the word-embedding table stays Q4_0 and only the rows of a batch's tokens are
//! expanded; the encoder matrices are expanded to f32 once at load (about 85 MB) so that the
//! matmuls run on candle's gemm, which is faster for sentence batches than int4 kernels.
//! Q, K and V are fused into one `[hidden, 3 * hidden]` matrix. Position ids start at 0:
//! the file's position table already drops XLM-R's two padding-offset rows.

use std::io::{Read, Seek};

use candle_core::{Device, Tensor};

use crate::error::EmbedError;
use crate::format::E5File;
use crate::q4::{self, Q4Rows};

/// `x · W + b` with `W` stored transposed, as `[in, out]`.
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// Builds from row-major `[out, in]` weights (the file's layout).
    fn from_rows(
        weights: &[f32],
        bias: Vec<f32>,
        n_out: usize,
        n_in: usize,
    ) -> candle_core::Result<Self> {
        let mut transposed = vec![0f32; weights.len()];
        for (o, row) in weights.chunks_exact(n_in).enumerate() {
            for (i, &w) in row.iter().enumerate() {
                transposed[i * n_out + o] = w;
            }
        }
        Ok(Self {
            weight: Tensor::from_vec(transposed, (n_in, n_out), &Device::Cpu)?,
            bias: Tensor::from_vec(bias, n_out, &Device::Cpu)?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight)?.broadcast_add(&self.bias)
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    fn new(weight: Vec<f32>, bias: Vec<f32>, eps: f32) -> candle_core::Result<Self> {
        let n = weight.len();
        Ok(Self {
            weight: Tensor::from_vec(weight, n, &Device::Cpu)?,
            bias: Tensor::from_vec(bias, n, &Device::Cpu)?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    output_norm: LayerNorm,
}

/// The encoder weights and shape.
pub(crate) struct Encoder {
    word: Q4Rows,
    /// `[max_positions, hidden]`, with token type 0's row already added.
    position_and_type: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    max_positions: usize,
}

impl Encoder {
    /// Reads and expands every tensor the forward pass needs.
    pub(crate) fn load<R: Read + Seek>(file: &mut E5File<R>) -> Result<Self, EmbedError> {
        let header = file.header.clone();
        let (h, ff) = (header.hidden, header.ffn);
        let eps = header.layer_norm_eps;
        let word = Q4Rows::new(
            file.q4_tensor("emb.word", header.vocab_rows * h)?,
            header.vocab_rows,
            h,
        );
        let mut position_and_type = file.f32_tensor("emb.pos", header.max_positions * h)?;
        let token_types = file.f32_tensor("emb.type", header.type_vocab * h)?;
        for row in position_and_type.chunks_exact_mut(h) {
            for (p, t) in row.iter_mut().zip(&token_types[..h]) {
                *p += t;
            }
        }
        let embedding_norm = LayerNorm::new(
            file.f32_tensor("emb.ln.w", h)?,
            file.f32_tensor("emb.ln.b", h)?,
            eps,
        )?;
        let mut layers = Vec::with_capacity(header.layers);
        for l in 0..header.layers {
            let name = |suffix: &str| format!("l{l}.{suffix}");
            let mut matrix = |suffix: &str, n: usize| -> Result<Vec<f32>, EmbedError> {
                Ok(q4::dequantize(&file.q4_tensor(&name(suffix), n)?, n))
            };
            let mut qkv_rows = matrix("q.w", h * h)?;
            qkv_rows.extend(matrix("k.w", h * h)?);
            qkv_rows.extend(matrix("v.w", h * h)?);
            let attention_out_rows = matrix("ao.w", h * h)?;
            let ffn_in_rows = matrix("fi.w", ff * h)?;
            let ffn_out_rows = matrix("fo.w", h * ff)?;
            let mut vector = |suffix: &str, n: usize| file.f32_tensor(&name(suffix), n);
            let mut qkv_bias = vector("q.b", h)?;
            qkv_bias.extend(vector("k.b", h)?);
            qkv_bias.extend(vector("v.b", h)?);
            layers.push(Layer {
                qkv: Linear::from_rows(&qkv_rows, qkv_bias, 3 * h, h)?,
                attention_out: Linear::from_rows(&attention_out_rows, vector("ao.b", h)?, h, h)?,
                attention_norm: LayerNorm::new(vector("aln.w", h)?, vector("aln.b", h)?, eps)?,
                ffn_in: Linear::from_rows(&ffn_in_rows, vector("fi.b", ff)?, ff, h)?,
                ffn_out: Linear::from_rows(&ffn_out_rows, vector("fo.b", h)?, h, ff)?,
                output_norm: LayerNorm::new(vector("oln.w", h)?, vector("oln.b", h)?, eps)?,
            });
        }
        Ok(Self {
            word,
            position_and_type,
            embedding_norm,
            layers,
            hidden: h,
            heads: header.heads,
            max_positions: header.max_positions,
        })
    }

    pub(crate) fn hidden(&self) -> usize {
        self.hidden
    }

    pub(crate) fn max_positions(&self) -> usize {
        self.max_positions
    }

    pub(crate) fn vocab_rows(&self) -> usize {
        self.word.rows()
    }

    /// Runs a batch of windows (each `<s> … </s>`, at most `max_positions` ids, every id below
    /// `vocab_rows`) and returns each window's mean-pooled last hidden state, unnormalised.
    pub(crate) fn mean_pooled(&self, windows: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let h = self.hidden;
        let Some(states) = self.last_states(windows)? else {
            return Ok(vec![vec![0.0; h]; windows.len()]);
        };
        Ok(pool_means(windows, &states.to_vec3::<f32>()?, h))
    }

    /// The last hidden states `[batch, len, hidden]` of a batch of windows (padded to the
    /// longest), or `None` for an empty batch.
    pub(crate) fn last_states(&self, windows: &[&[u32]]) -> candle_core::Result<Option<Tensor>> {
        let h = self.hidden;
        let batch = windows.len();
        let len = windows.iter().map(|w| w.len()).max().unwrap_or(0);
        if batch == 0 || len == 0 {
            return Ok(None);
        }
        let mut embedded = vec![0f32; batch * len * h];
        for (window, rows) in windows.iter().zip(embedded.chunks_exact_mut(len * h)) {
            for (position, (&id, row)) in window.iter().zip(rows.chunks_exact_mut(h)).enumerate() {
                self.word.row_into(id as usize, row);
                let extra = &self.position_and_type[position * h..(position + 1) * h];
                for (x, e) in row.iter_mut().zip(extra) {
                    *x += e;
                }
            }
        }
        let mut x = Tensor::from_vec(embedded, (batch * len, h), &Device::Cpu)?;
        x = self.embedding_norm.forward(&x)?;

        // Additive key mask: 0 for real tokens, a large negative value for padding.
        let mask = if windows.iter().all(|w| w.len() == len) {
            None
        } else {
            let values: Vec<f32> = windows
                .iter()
                .flat_map(|w| (0..len).map(move |t| if t < w.len() { 0.0 } else { -1e9 }))
                .collect();
            Some(Tensor::from_vec(values, (batch, 1, 1, len), &Device::Cpu)?)
        };
        for layer in &self.layers {
            x = self.layer_forward(layer, &x, batch, len, mask.as_ref())?;
        }
        Ok(Some(x.reshape((batch, len, h))?))
    }

    fn layer_forward(
        &self,
        layer: &Layer,
        x: &Tensor,
        batch: usize,
        len: usize,
        mask: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let (h, heads) = (self.hidden, self.heads);
        let head_dim = h / heads;
        // [batch * len, 3h] -> [3, batch, heads, len, head_dim]
        let qkv = layer
            .qkv
            .forward(x)?
            .reshape((batch, len, 3, heads, head_dim))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let scale = 1.0 / (head_dim as f64).sqrt();
        let query = (qkv.get(0)? * scale)?;
        let key = qkv.get(1)?;
        let value = qkv.get(2)?;
        let mut scores = query.matmul(&key.t()?)?;
        if let Some(mask) = mask {
            scores = scores.broadcast_add(mask)?;
        }
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&value)?
            .transpose(1, 2)?
            .reshape((batch * len, h))?;
        let attended = layer.attention_out.forward(&context)?;
        let x = layer.attention_norm.forward(&(x + attended)?)?;
        let inner = layer.ffn_in.forward(&x)?.gelu_erf()?;
        let out = layer.ffn_out.forward(&inner)?;
        layer.output_norm.forward(&(x + out)?)
    }
}

/// Each window's mean over its own (unpadded) token states.
pub(crate) fn pool_means(windows: &[&[u32]], states: &[Vec<Vec<f32>>], h: usize) -> Vec<Vec<f32>> {
    windows
        .iter()
        .zip(states)
        .map(|(window, tokens)| {
            let mut pooled = vec![0f32; h];
            for token in &tokens[..window.len()] {
                for (p, v) in pooled.iter_mut().zip(token) {
                    *p += v;
                }
            }
            let inverse = 1.0 / window.len() as f32;
            pooled.iter_mut().for_each(|p| *p *= inverse);
            pooled
        })
        .collect()
}
