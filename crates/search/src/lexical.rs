//! The lexical index: tantivy in RAM over pre-analysed terms (BM25 scoring).

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED};
use tantivy::tokenizer::WhitespaceTokenizer;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// Lexical index failures (all internal to tantivy).
#[derive(Debug, thiserror::Error)]
#[error("lexical index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

const TOKENIZER: &str = "bridgehub_terms";

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
        let key = builder.add_u64_field("key", INDEXED | FAST | STORED);
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

    /// The best `limit` documents for the query terms, with their BM25 scores.
    pub fn search(&self, terms: &[String], limit: usize) -> Result<Vec<(u32, f32)>, SearchError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut unique: Vec<&String> = terms.iter().collect();
        unique.sort();
        unique.dedup();
        let clauses: Vec<(Occur, Box<dyn Query>)> = unique
            .into_iter()
            .map(|t| {
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_text(self.text, t), IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
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
}
