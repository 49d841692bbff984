//! Full-text search behind one trait, [`SearchIndex`]. The embedded
//! implementation, [`TantivyIndex`], keeps a tantivy index on local disk
//! and is made for German: stemming with the Snowball German stemmer and
//! stop words, character n-grams so that parts of compound words match
//! ("Parkausweis" finds "Bewohnerparkausweis"), and a tolerance of one edit
//! for longer words ("Parkausweiss"). Indexes are fed by jobs from the
//! outbox and persist across restarts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, NgramTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

/// Bump when the schema or analysis changes: the index is then rebuilt.
const SCHEMA_VERSION: &str = "catalogue-v2";

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index directory could not be used.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A lock was poisoned by a panic elsewhere.
    #[error("search index lock poisoned")]
    Poisoned,
}

/// A document to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Stable id (e.g. the service's UUID).
    pub id: String,
    /// Title: weighs most.
    pub title: String,
    /// Further words that should find the document (synonyms, situations).
    pub keywords: String,
    /// Running text.
    pub body: String,
}

/// One hit.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Id of the document.
    pub id: String,
    /// Relevance.
    pub score: f32,
}

/// The results of one query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// Best hits first.
    pub hits: Vec<SearchHit>,
    /// Number of all matching documents.
    pub total: usize,
}

/// A full-text index of one kind of document.
pub trait SearchIndex: Send + Sync {
    /// Adds or replaces documents (by id) and makes them searchable.
    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError>;
    /// Removes a document.
    fn delete(&self, id: &str) -> Result<(), SearchError>;
    /// Removes everything (before a full rebuild).
    fn clear(&self) -> Result<(), SearchError>;
    /// The best `limit` hits for a query typed by a person.
    fn search(&self, query: &str, limit: usize) -> Result<SearchResults, SearchError>;
    /// Number of documents indexed.
    fn len(&self) -> Result<u64, SearchError>;
    /// True when nothing is indexed.
    fn is_empty(&self) -> Result<bool, SearchError> {
        Ok(self.len()? == 0)
    }
}

struct Fields {
    id: Field,
    title: Field,
    keywords: Field,
    body: Field,
    grams: Field,
}

/// The embedded search index: tantivy in a local directory.
pub struct TantivyIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    stem: TextAnalyzer,
    grams: TextAnalyzer,
    /// True when the index was created empty at open (needs a rebuild).
    pub fresh: bool,
}

pub(crate) fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(
            StopWordFilter::new(Language::German)
                .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new())),
        )
        .filter(Stemmer::new(Language::German))
        .filter(AsciiFoldingFilter)
        .build()
}

fn gram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(NgramTokenizer::all_ngrams(3, 4).unwrap_or_else(|_| {
        NgramTokenizer::all_ngrams(3, 3).unwrap_or_else(|_| unreachable_ngram())
    }))
    .filter(LowerCaser)
    .filter(AsciiFoldingFilter)
    .build()
}

// NgramTokenizer::all_ngrams(3, 4) only fails for min > max or min == 0.
fn unreachable_ngram() -> NgramTokenizer {
    NgramTokenizer::prefix_only(1, 1).unwrap_or_else(|_| std::process::abort())
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating it (or rebuilding it when its
    /// schema version changed).
    pub fn open(dir: &Path) -> Result<TantivyIndex, SearchError> {
        let version_file = dir.join("rathaus-schema-version");
        let current = std::fs::read_to_string(&version_file).unwrap_or_default();
        let mut fresh = false;
        if current.trim() != SCHEMA_VERSION {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            std::fs::create_dir_all(dir)?;
            fresh = true;
        }
        let schema = schema();
        let index = if fresh {
            let index = Index::create_in_dir(dir, schema.clone())?;
            std::fs::write(&version_file, SCHEMA_VERSION)?;
            index
        } else {
            Index::open_in_dir(dir)?
        };
        Self::with_index(index, fresh)
    }

    /// An index in memory (tests of other crates that need no disk).
    pub fn in_memory() -> Result<TantivyIndex, SearchError> {
        Self::with_index(Index::create_in_ram(schema()), true)
    }

    fn with_index(index: Index, fresh: bool) -> Result<TantivyIndex, SearchError> {
        index.tokenizers().register("de_stem", stem_analyzer());
        index.tokenizers().register("de_grams", gram_analyzer());
        let s = index.schema();
        let field = |name: &str| s.get_field(name);
        let fields = Fields {
            id: field("id")?,
            title: field("title")?,
            keywords: field("keywords")?,
            body: field("body")?,
            grams: field("grams")?,
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TantivyIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            stem: stem_analyzer(),
            grams: gram_analyzer(),
            fresh,
        })
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter, &Fields) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        if guard.is_none() {
            // One thread and the smallest arena tantivy allows: indexing is
            // a trickle of small documents, idle memory matters more.
            *guard = Some(self.index.writer_with_num_threads(1, 15_000_000)?);
        }
        let writer = guard.as_mut().ok_or(SearchError::Poisoned)?;
        let out = f(writer, &self.fields)?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(out)
    }
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("title", text("de_stem", false));
    b.add_text_field("keywords", text("de_stem", false));
    b.add_text_field("body", text("de_stem", false));
    b.add_text_field("grams", text("de_grams", false));
    b.build()
}

impl SearchIndex for TantivyIndex {
    fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.with_writer(|w, f| {
            for d in docs {
                w.delete_term(Term::from_field_text(f.id, &d.id));
                w.add_document(doc!(
                    f.id => d.id.clone(),
                    f.title => d.title.clone(),
                    f.keywords => d.keywords.clone(),
                    f.body => d.body.clone(),
                    // Only titles get n-grams: the parts of compound words
                    // people type are in titles, and short posting lists
                    // keep the n-gram clauses cheap.
                    f.grams => d.title.clone(),
                ))?;
            }
            Ok(())
        })
    }

    fn delete(&self, id: &str) -> Result<(), SearchError> {
        self.with_writer(|w, f| {
            w.delete_term(Term::from_field_text(f.id, id));
            Ok(())
        })
    }

    fn clear(&self) -> Result<(), SearchError> {
        self.with_writer(|w, _| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    fn search(&self, query: &str, limit: usize) -> Result<SearchResults, SearchError> {
        let f = &self.fields;
        let mut stem = self.stem.clone();
        let mut grams = self.grams.clone();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let boosted = |q: Box<dyn Query>, b: f32| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(BoostQuery::new(q, b)))
        };
        for t in tokens(&mut stem, query) {
            for (field, boost) in [(f.title, 4.0), (f.keywords, 2.0), (f.body, 1.0)] {
                let term = Term::from_field_text(field, &t);
                clauses.push(boosted(
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    boost,
                ));
            }
            if t.chars().count() >= 5 {
                for (field, boost) in [(f.title, 2.0), (f.keywords, 1.0)] {
                    let term = Term::from_field_text(field, &t);
                    clauses.push(boosted(Box::new(FuzzyTermQuery::new(term, 1, true)), boost));
                }
            }
        }
        // Parts of compound words: each query word's n-grams; a word
        // matches when most of its n-grams do.
        for word in query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
        {
            // Long words: their 4-grams only (selective, few postings);
            // short words need their 3-grams too.
            let long = word.chars().count() >= 5;
            let word_grams: Vec<String> = tokens(&mut grams, word)
                .into_iter()
                .filter(|g| !long || g.chars().count() == 4)
                .collect();
            if word_grams.is_empty() {
                continue;
            }
            let need = (word_grams.len() * 7).div_ceil(10);
            let subs: Vec<(Occur, Box<dyn Query>)> = word_grams
                .iter()
                .map(|g| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.grams, g),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            let q = BooleanQuery::with_minimum_required_clauses(subs, need);
            clauses.push(boosted(Box::new(q), 0.5));
        }
        if clauses.is_empty() {
            return Ok(SearchResults::default());
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(
            &query,
            &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let d: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = d.get_first(f.id).and_then(|v| v.as_str()) {
                hits.push(SearchHit {
                    id: id.to_owned(),
                    score,
                });
            }
        }
        Ok(SearchResults { hits, total })
    }

    fn len(&self) -> Result<u64, SearchError> {
        Ok(self.reader.searcher().num_docs())
    }
}

/// The directory of a named index below the data directory.
pub fn index_dir(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join("index").join(name)
}

/// A shared handle to any index.
pub type SharedIndex = Arc<dyn SearchIndex>;

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            title: title.into(),
            keywords: String::new(),
            body: body.into(),
        }
    }

    fn catalogue() -> anyhow::Result<(tempfile::TempDir, TantivyIndex)> {
        let dir = tempfile::tempdir()?;
        let index = TantivyIndex::open(&dir.path().join("i"))?;
        index.upsert(&[
            doc(
                "hund",
                "Hundesteuer – Anmeldung",
                "Wer einen Hund hält, meldet ihn bei der Stadt an.",
            ),
            doc(
                "park",
                "Bewohnerparkausweis beantragen",
                "Parken in Ihrem Wohngebiet.",
            ),
            doc(
                "melde",
                "Meldebescheinigung beantragen",
                "Bescheinigung über Ihre Wohnung.",
            ),
            doc("gewerbe", "Gewerbeanmeldung", "Sie beginnen ein Gewerbe."),
            doc(
                "baum",
                "Baumfällgenehmigung",
                "Einen Baum auf Ihrem Grundstück fällen.",
            ),
        ])?;
        Ok((dir, index))
    }

    fn first(index: &TantivyIndex, q: &str) -> anyhow::Result<Option<String>> {
        Ok(index.search(q, 5)?.hits.first().map(|h| h.id.clone()))
    }

    #[test]
    fn stemming_finds_inflected_forms() -> anyhow::Result<()> {
        let (_d, index) = catalogue()?;
        assert_eq!(first(&index, "Hund anmelden")?.as_deref(), Some("hund"));
        assert_eq!(first(&index, "Bäume fällen")?.as_deref(), Some("baum"));
        Ok(())
    }

    #[test]
    fn parts_of_compound_words_match() -> anyhow::Result<()> {
        let (_d, index) = catalogue()?;
        assert_eq!(first(&index, "Parkausweis")?.as_deref(), Some("park"));
        assert_eq!(first(&index, "Hundesteuer")?.as_deref(), Some("hund"));
        Ok(())
    }

    #[test]
    fn one_typo_is_tolerated() -> anyhow::Result<()> {
        let (_d, index) = catalogue()?;
        assert_eq!(first(&index, "Parkausweiss")?.as_deref(), Some("park"));
        assert_eq!(
            first(&index, "Meldebescheinigun")?.as_deref(),
            Some("melde")
        );
        Ok(())
    }

    #[test]
    fn nonsense_finds_nothing_and_deleted_documents_are_gone() -> anyhow::Result<()> {
        let (_d, index) = catalogue()?;
        assert_eq!(index.search("xylophon", 5)?.total, 0);
        assert_eq!(index.search("", 5)?.total, 0);
        index.delete("park")?;
        assert!(
            index
                .search("Parkausweis", 5)?
                .hits
                .iter()
                .all(|h| h.id != "park")
        );
        assert_eq!(index.len()?, 4);
        Ok(())
    }

    #[test]
    fn the_index_persists_across_reopening() -> anyhow::Result<()> {
        let (dir, index) = catalogue()?;
        drop(index);
        let again = TantivyIndex::open(&dir.path().join("i"))?;
        assert!(!again.fresh);
        assert_eq!(again.len()?, 5);
        Ok(())
    }
}
