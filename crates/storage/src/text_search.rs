//! Full-text search over the texts of E-Akte documents: German stemming
//! and stop words (the analysis of the catalogue search), one entry per
//! document (its newest version), a scope per entry (the org unit whose
//! staff may find it) that every query is filtered by, the number of all
//! hits and the best passage of each hit.
//!
//! Besides the title and text, every word is indexed once more prefixed
//! with the entry's scope (`scoped`: "{scope}\u{1f}{stem}"). A query of plain
//! words from a searcher with scopes is then a term (or an intersection of
//! terms) per scope: tantivy ranks it with block-max WAND, which skips most
//! of the hits of a frequent word, and counts a one-word query from the
//! term's document frequency. Filtering the title/text query by a scope set
//! instead forces scoring and counting every hit (300 ms for a word in most
//! of 300 000 documents under load).

use crate::search::{SearchError, stem_analyzer};
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer, Token};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

/// Bump when the schema or analysis changes: the index is then rebuilt.
const SCHEMA_VERSION: &str = "documents-v2";

/// Between the scope and the word in the `scoped` field.
const SCOPE_SEP: char = '\u{1f}';

/// Characters of the query syntax (phrases, required/excluded words, fields,
/// groups, boosts, wildcards): a query with one of them takes the general
/// path.
const QUERY_SYNTAX: &[char] = &[
    '"', '+', '-', ':', '(', ')', '[', ']', '{', '}', '^', '~', '*', '\\', '\'',
];

/// Memory the writer may use before it flushes a segment.
const WRITER_BYTES: usize = 256 * 1024 * 1024;

/// A document's text to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDoc {
    /// The document (one entry per document: a new version replaces it).
    pub document: String,
    /// The version whose text this is.
    pub version: String,
    /// The file it belongs to.
    pub file: String,
    /// Who may find it: an org unit id ("" when only the records office may).
    pub scope: String,
    /// Title of the document.
    pub title: String,
    /// File reference.
    pub reference: String,
    /// Extracted text.
    pub text: String,
}

/// One hit with its best passage.
#[derive(Debug, Clone, PartialEq)]
pub struct TextHit {
    /// Document id.
    pub document: String,
    /// Version id.
    pub version: String,
    /// File id.
    pub file: String,
    /// Title.
    pub title: String,
    /// File reference.
    pub reference: String,
    /// The best passage as HTML: text escaped, matches in `<b>`.
    pub passage_html: String,
    /// Relevance.
    pub score: f32,
}

/// The results of one query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextResults {
    /// Best hits first.
    pub hits: Vec<TextHit>,
    /// Number of all matching documents the searcher may see.
    pub total: usize,
}

struct Fields {
    document: Field,
    version: Field,
    file: Field,
    scope: Field,
    title: Field,
    reference: Field,
    text: Field,
    scoped: Field,
}

/// The document index: tantivy in a local directory.
pub struct DocumentIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// True when the index was created empty at open (needs a rebuild).
    pub fresh: bool,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let stemmed = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("de_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    b.add_text_field("document", STRING | STORED);
    b.add_text_field("version", STORED);
    b.add_text_field("file", STORED);
    b.add_text_field("scope", STRING);
    b.add_text_field("title", stemmed.clone());
    b.add_text_field("reference", STRING | STORED);
    b.add_text_field("text", stemmed);
    // Pre-tokenised (scope-prefixed stems); frequencies for BM25, no
    // positions (phrases take the general path).
    b.add_text_field(
        "scoped",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    b.build()
}

impl DocumentIndex {
    /// Opens the index in `dir`, creating it (or starting empty when its
    /// schema version changed).
    pub fn open(dir: &Path) -> Result<DocumentIndex, SearchError> {
        let version_file = dir.join("rathaus-schema-version");
        let current = std::fs::read_to_string(&version_file).unwrap_or_default();
        let fresh = current.trim() != SCHEMA_VERSION;
        let index = if fresh {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            std::fs::create_dir_all(dir)?;
            let index = Index::create_in_dir(dir, schema())?;
            std::fs::write(&version_file, SCHEMA_VERSION)?;
            index
        } else {
            Index::open_in_dir(dir)?
        };
        Self::with_index(index, fresh)
    }

    /// An index in memory.
    pub fn in_memory() -> Result<DocumentIndex, SearchError> {
        Self::with_index(Index::create_in_ram(schema()), true)
    }

    fn with_index(index: Index, fresh: bool) -> Result<DocumentIndex, SearchError> {
        index.tokenizers().register("de_stem", stem_analyzer());
        let s = index.schema();
        let f = |name: &str| s.get_field(name);
        let fields = Fields {
            document: f("document")?,
            version: f("version")?,
            file: f("file")?,
            scope: f("scope")?,
            title: f("title")?,
            reference: f("reference")?,
            text: f("text")?,
            scoped: f("scoped")?,
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(DocumentIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            fresh,
        })
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        if guard.is_none() {
            *guard = Some(self.index.writer(WRITER_BYTES)?);
        }
        match guard.as_mut() {
            Some(w) => f(w),
            None => Err(SearchError::Poisoned),
        }
    }

    /// Adds or replaces documents without making them searchable yet (bulk
    /// loads call [`DocumentIndex::commit`] once at the end).
    pub fn stage(&self, docs: &[TextDoc]) -> Result<(), SearchError> {
        let f = &self.fields;
        self.with_writer(|w| {
            let mut analyzer = self.analyzer();
            for d in docs {
                w.delete_term(Term::from_field_text(f.document, &d.document));
                w.add_document(doc!(
                    f.scoped => scoped_tokens(&mut analyzer, d),
                    f.document => d.document.as_str(),
                    f.version => d.version.as_str(),
                    f.file => d.file.as_str(),
                    f.scope => d.scope.as_str(),
                    f.title => d.title.as_str(),
                    f.reference => d.reference.as_str(),
                    f.text => d.text.as_str(),
                ))?;
            }
            Ok(())
        })
    }

    /// Makes everything staged searchable.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.with_writer(|w| {
            w.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds or replaces documents and makes them searchable.
    pub fn upsert(&self, docs: &[TextDoc]) -> Result<(), SearchError> {
        self.stage(docs)?;
        self.commit()
    }

    /// Removes the documents named (their files were disposed of).
    pub fn delete_documents(&self, documents: &[String]) -> Result<(), SearchError> {
        let f = &self.fields;
        self.with_writer(|w| {
            for d in documents {
                w.delete_term(Term::from_field_text(f.document, d));
            }
            Ok(())
        })?;
        self.commit()
    }

    /// Removes everything (before a full rebuild).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.with_writer(|w| {
            w.delete_all_documents()?;
            Ok(())
        })?;
        self.commit()
    }

    fn analyzer(&self) -> TextAnalyzer {
        self.index
            .tokenizers()
            .get("de_stem")
            .unwrap_or_else(stem_analyzer)
    }

    /// Number of documents indexed.
    pub fn len(&self) -> Result<u64, SearchError> {
        Ok(self.reader.searcher().num_docs())
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> Result<bool, SearchError> {
        Ok(self.len()? == 0)
    }

    /// The best `limit` hits for a query typed by a person, among the
    /// documents whose scope is in `scopes` (`None`: all documents), with
    /// the number of all such hits. Every word must occur (in stemmed
    /// form); quotes search a phrase; syntax errors are forgiven.
    pub fn search(
        &self,
        query: &str,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<TextResults, SearchError> {
        let f = &self.fields;
        if query.trim().is_empty() || scopes.is_some_and(<[String]>::is_empty) {
            return Ok(TextResults::default());
        }
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let (parsed, _errors) = parser.parse_query_lenient(query);
        let searcher = self.reader.searcher();
        if let Some(scopes) = scopes
            && let Some(words) = plain_words(&mut self.analyzer(), query)
        {
            let (top, total) = self.scoped_top(&searcher, scopes, &words, limit.max(1))?;
            return self.hits(&searcher, &*parsed, top, total);
        }
        let query: Box<dyn Query> = match scopes {
            None => parsed.box_clone(),
            Some(scopes) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, parsed.box_clone()),
                (
                    Occur::Must,
                    Box::new(TermSetQuery::new(
                        scopes.iter().map(|s| Term::from_field_text(f.scope, s)),
                    )),
                ),
            ])),
        };
        let (top, total) = searcher.search(
            &query,
            &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
        )?;
        self.hits(&searcher, &*parsed, top, total)
    }

    /// The best `limit` entries of each scope for plain words, merged, and
    /// the number of all. One term (or intersection) query per scope: two
    /// searches each, because a top-k search alone may skip hits and a
    /// count alone reads a single word's document frequency.
    fn scoped_top(
        &self,
        searcher: &tantivy::Searcher,
        scopes: &[String],
        words: &[String],
        limit: usize,
    ) -> Result<(Vec<(f32, tantivy::DocAddress)>, usize), SearchError> {
        let mut top = Vec::new();
        let mut total = 0;
        for scope in scopes {
            let mut terms: Vec<Box<dyn Query>> = words
                .iter()
                .map(|w| {
                    let term = Term::from_field_text(
                        self.fields.scoped,
                        &format!("{scope}{SCOPE_SEP}{w}"),
                    );
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>
                })
                .collect();
            let query: Box<dyn Query> = if terms.len() == 1 {
                terms.remove(0)
            } else {
                Box::new(BooleanQuery::new(
                    terms.into_iter().map(|t| (Occur::Must, t)).collect(),
                ))
            };
            top.extend(searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?);
            total += searcher.search(&query, &Count)?;
        }
        top.sort_by(|a, b| b.0.total_cmp(&a.0));
        top.truncate(limit);
        Ok((top, total))
    }

    /// The hits with their stored fields and best passage.
    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        parsed: &dyn Query,
        top: Vec<(f32, tantivy::DocAddress)>,
        total: usize,
    ) -> Result<TextResults, SearchError> {
        let f = &self.fields;
        let mut passages = SnippetGenerator::create(searcher, parsed, f.text)?;
        passages.set_max_num_chars(240);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let d: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let passage = passages.snippet_from_doc(&d);
            let passage_html = if passage.is_empty() {
                // The words matched the title only: show the text's start.
                let start: String = text(f.text).chars().take(240).collect();
                html_escape(&start)
            } else {
                passage.to_html()
            };
            hits.push(TextHit {
                document: text(f.document),
                version: text(f.version),
                file: text(f.file),
                title: text(f.title),
                reference: text(f.reference),
                passage_html,
                score,
            });
        }
        Ok(TextResults { hits, total })
    }
}

/// The stems of a query of plain words (no query syntax), at most eight
/// distinct; `None` when the query has syntax or no word that counts.
fn plain_words(analyzer: &mut TextAnalyzer, query: &str) -> Option<Vec<String>> {
    if query.contains(QUERY_SYNTAX) {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(query);
    while let Some(t) = stream.next() {
        if !words.contains(&t.text) {
            words.push(t.text.clone());
        }
    }
    (!words.is_empty() && words.len() <= 8).then_some(words)
}

/// The entry's stems prefixed with its scope, for the `scoped` field; the
/// title twice (it weighs double, as in the general path).
fn scoped_tokens(analyzer: &mut TextAnalyzer, d: &TextDoc) -> PreTokenizedString {
    let mut tokens = Vec::new();
    for part in [d.title.as_str(), d.title.as_str(), d.text.as_str()] {
        let mut stream = analyzer.token_stream(part);
        while let Some(t) = stream.next() {
            tokens.push(Token {
                text: format!("{}{SCOPE_SEP}{}", d.scope, t.text),
                position: tokens.len(),
                ..Token::default()
            });
        }
    }
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u32, scope: &str, text: &str) -> TextDoc {
        TextDoc {
            document: format!("doc-{n}"),
            version: format!("v-{n}"),
            file: format!("file-{n}"),
            scope: scope.into(),
            title: format!("Dokument {n}"),
            reference: format!("32.10-2026-{n:06}"),
            text: text.into(),
        }
    }

    #[test]
    fn german_words_match_in_any_form_within_the_searchers_scope() {
        let idx = DocumentIndex::in_memory().expect("index");
        idx.upsert(&[
            d(1, "a", "Die Baugenehmigung für das Häuschen wurde erteilt."),
            d(2, "b", "Der Bauantrag für die Häuser am Markt liegt vor."),
            d(3, "a", "Hundesteuer für zwei Hunde <script>"),
        ])
        .expect("index");
        let all = idx.search("Haus", None, 10).expect("search");
        assert_eq!(all.total, 1, "Häuser stems to haus: {all:?}");
        let a: Vec<String> = vec!["a".into()];
        let scoped = idx.search("Haus", Some(&a), 10).expect("search");
        assert_eq!(scoped.total, 0, "scope b is not visible");
        let hund = idx.search("Hund", Some(&a), 10).expect("search");
        assert_eq!(hund.total, 1);
        assert!(hund.hits[0].passage_html.contains("<b>Hunde</b>"));
        assert!(
            hund.hits[0].passage_html.contains("&lt;script")
                && !hund.hits[0].passage_html.contains("<script"),
            "text is escaped: {}",
            hund.hits[0].passage_html
        );
        // Several words must all occur (in title or text), in any form;
        // the scoped path and the general one agree.
        let both = idx
            .search("Häuschen Baugenehmigungen", Some(&a), 10)
            .expect("search");
        assert_eq!(both.total, 1, "{both:?}");
        assert_eq!(both.hits[0].document, "doc-1");
        assert_eq!(
            idx.search("Häuschen Hunde", Some(&a), 10).expect("s").total,
            0
        );
        let titles = idx.search("Dokument", Some(&a), 10).expect("search");
        assert_eq!(titles.total, 2, "titles count: {titles:?}");
        let ab: Vec<String> = vec!["a".into(), "b".into()];
        assert_eq!(
            idx.search("für", Some(&ab), 10).expect("s").total,
            0,
            "stop word"
        );
        assert_eq!(idx.search("Dokument", Some(&ab), 10).expect("s").total, 3);
        assert_eq!(
            idx.search("\"Dokument 2\"", Some(&ab), 10)
                .expect("s")
                .total,
            1,
            "a phrase takes the general path"
        );
        // A new version replaces the document's entry.
        idx.upsert(&[d(3, "a", "Nur noch Katzen")])
            .expect("replace");
        assert_eq!(idx.search("Hund", None, 10).expect("s").total, 0);
        assert_eq!(
            idx.search("Hund", Some(&a), 10).expect("s").total,
            0,
            "the replaced entry is not counted"
        );
        assert_eq!(idx.search("Katze", Some(&a), 10).expect("s").total, 1);
        assert_eq!(idx.len().expect("len"), 3);
        assert_eq!(idx.search("", None, 10).expect("s").total, 0);
        assert_eq!(idx.search("AND (", None, 10).expect("lenient").total, 0);
        assert_eq!(idx.search("Hund", Some(&[]), 10).expect("s").total, 0);
    }
}
