//! The lexical index: tantivy in RAM over pre-analysed terms (BM25 scoring).

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED};
use tantivy::tokenizer::WhitespaceTokenizer;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// Lexical index failures (all internal to tantivy).
#[derive(Debug, thiserror::Error)]
#[error("lexical index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

const TOKENIZER: &str = "bridgehub_terms";

/// Query terms kept for a search: the ones with the highest tf·idf in the query text (as
/// Lucene's and tantivy's "more like this" do). A listing has about a hundred distinct terms;
/// BM25 over all of them walks the long posting lists of common words, which dominated the
/// query time at 100k listings, while the rarest few decide the ranking.
pub(crate) const MAX_QUERY_TERMS: usize = 32;

/// BM25 over documents given as analysed terms.
pub struct LexicalIndex {
    writer: IndexWriter,
    reader: IndexReader,
    key: Field,
    text: Field,
    dirty: bool,
}

impl LexicalIndex {
    /// An empty index.
    pub fn new() -> Result<Self, SearchError> {
        let mut builder = Schema::builder();
        let key = builder.add_u64_field("key", INDEXED | FAST);
        let indexing = TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs);
        let text = builder.add_text_field("text", TextOptions::default().set_indexing_options(indexing));
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(TOKENIZER, WhitespaceTokenizer::default());
        let writer = index.writer_with_num_threads(1, 30_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(LexicalIndex { writer, reader, key, text, dirty: false })
    }

    /// Adds or replaces the terms of `doc` (visible after [`LexicalIndex::commit`]).
    pub fn upsert(&mut self, doc: u32, terms: &[String]) -> Result<(), SearchError> {
        self.writer.delete_term(Term::from_field_u64(self.key, u64::from(doc)));
        self.add(doc, terms)
    }

    /// Adds the terms of `doc`, known to have none in the index (no delete is queued: while
    /// an index of 100k listings is built, 100k queued deletes held more memory than the
    /// index itself).
    pub fn add(&mut self, doc: u32, terms: &[String]) -> Result<(), SearchError> {
        self.writer.add_document(doc!(self.key => u64::from(doc), self.text => terms.join(" ")))?;
        self.dirty = true;
        Ok(())
    }

    /// Removes `doc` (after the next commit).
    pub fn remove(&mut self, doc: u32) {
        self.writer.delete_term(Term::from_field_u64(self.key, u64::from(doc)));
        self.dirty = true;
    }

    /// Makes every change so far searchable.
    pub fn commit(&mut self) -> Result<(), SearchError> {
        if self.dirty {
            self.writer.commit()?;
            self.reader.reload()?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Bytes of the searchable index (held in RAM).
    pub fn memory_bytes(&self) -> usize {
        self.reader.searcher().space_usage().map_or(0, |usage| usage.total().get_bytes() as usize)
    }

    /// The best `limit` documents for the query terms, with their BM25 scores.
    pub fn search(&self, terms: &[String], limit: usize) -> Result<Vec<(u32, f32)>, SearchError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let selected = self.query_terms(&searcher, terms)?;
        let clauses: Vec<(Occur, Box<dyn Query>)> = selected
            .into_iter()
            .map(|term| {
                let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        // Keys come from the fast-field column (no stored-document reads), one column
        // handle per segment.
        let mut columns: std::collections::HashMap<u32, tantivy::columnar::Column<u64>> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(searcher.segment_reader(address.segment_ord).fast_fields().u64("key")?)
                }
            };
            if let Some(key) = column.first(address.doc_id) {
                out.push((key as u32, score));
            }
        }
        Ok(out)
    }

    /// The query's distinct terms that occur in the index, at most [`MAX_QUERY_TERMS`] of
    /// them: highest tf·idf first (ties by the term, so the choice is deterministic).
    fn query_terms(&self, searcher: &tantivy::Searcher, terms: &[String]) -> Result<Vec<Term>, SearchError> {
        let mut counts: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for t in terms {
            *counts.entry(t.as_str()).or_insert(0) += 1;
        }
        let n_docs = searcher.num_docs() as f64;
        let mut weighted: Vec<(f64, &str, Term)> = Vec::with_capacity(counts.len());
        for (text, tf) in counts {
            let term = Term::from_field_text(self.text, text);
            let df = searcher.doc_freq(&term)? as f64;
            if df == 0.0 {
                continue;
            }
            let idf = (1.0 + (n_docs - df + 0.5) / (df + 0.5)).ln();
            weighted.push((f64::from(tf) * idf, text, term));
        }
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        weighted.truncate(MAX_QUERY_TERMS);
        Ok(weighted.into_iter().map(|(_, _, term)| term).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze;

    #[test]
    fn the_document_sharing_rare_terms_ranks_first_and_updates_apply() {
        let mut index = LexicalIndex::new().unwrap();
        index.upsert(1, &analyze("cold chain logistics for durian exports", "en")).unwrap();
        index.upsert(2, &analyze("legal services for investors", "en")).unwrap();
        index.upsert(3, &analyze("logistics and warehousing", "en")).unwrap();
        index.commit().unwrap();
        let hits = index.search(&analyze("durian cold chain", "en"), 10).unwrap();
        assert_eq!(hits[0].0, 1);
        index.remove(1);
        index.upsert(2, &analyze("durian importers", "en")).unwrap();
        index.commit().unwrap();
        let hits = index.search(&analyze("durian cold chain", "en"), 10).unwrap();
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn long_queries_keep_their_rarest_terms() {
        let mut index = LexicalIndex::new().unwrap();
        let common: Vec<String> = (0..60).map(|i| format!("common{i}")).collect();
        for doc in 0..50 {
            index.upsert(doc, &common).unwrap();
        }
        let mut rare = common[..5].to_vec();
        rare.push("durian".to_owned());
        index.upsert(99, &rare).unwrap();
        index.commit().unwrap();
        // 60 common terms and one rare one: the rare term survives the cut to
        // MAX_QUERY_TERMS and decides the first hit.
        let mut query = common.clone();
        query.push("durian".to_owned());
        assert!(query.len() > MAX_QUERY_TERMS);
        let hits = index.search(&query, 5).unwrap();
        assert_eq!(hits[0].0, 99);
        // Terms the index has never seen are ignored.
        assert!(index.search(&["unseen".to_owned()], 5).unwrap().is_empty());
    }
}
