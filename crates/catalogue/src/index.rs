//! Feeding the search index from the outbox: a change enqueues
//! `catalogue.index` for one service (in the change's transaction); a fresh
//! or outdated index enqueues `catalogue.reindex`. The handlers read the
//! current state, so running a job twice does no harm.

use crate::domain::{LifeSituation, Service, ServiceStatus};
use crate::store::CatalogueStore;
use kernel::ServiceId;
use serde_json::Value;
use std::sync::Arc;
use storage::jobs::{JobError, JobHandler};
use storage::search::{SearchDoc, SearchIndex};

/// Job kind: index one service.
pub const INDEX_JOB: &str = "catalogue.index";
/// Job kind: rebuild the whole catalogue index.
pub const REINDEX_JOB: &str = "catalogue.reindex";

/// The search document of a service.
pub fn search_doc(s: &Service, situations: &[LifeSituation]) -> SearchDoc {
    let situation_titles: Vec<&str> = situations
        .iter()
        .filter(|l| s.input.life_situations.contains(&l.slug))
        .map(|l| l.title.as_str())
        .collect();
    SearchDoc {
        id: s.id.to_string(),
        title: s.input.title.clone(),
        keywords: format!(
            "{} {}",
            situation_titles.join(" "),
            s.input.short_description
        ),
        body: format!(
            "{}\n{}\n{}\n{}",
            s.input.short_description,
            s.input.long_description,
            s.input.prerequisites.join("\n"),
            s.input.required_documents.join("\n")
        ),
    }
}

/// Runs the catalogue's index jobs.
pub struct IndexJobs {
    /// Catalogue data.
    pub store: CatalogueStore,
    /// The index.
    pub index: Arc<dyn SearchIndex>,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

#[async_trait::async_trait]
impl JobHandler for IndexJobs {
    async fn run(&self, payload: Value) -> Result<(), JobError> {
        let situations = self.store.life_situations().await.map_err(retry)?;
        match payload.get("service").and_then(Value::as_str) {
            Some(id) => {
                let id = ServiceId::parse(id)
                    .ok_or_else(|| JobError::Permanent(format!("bad service id {id}")))?;
                match self.store.service(id).await.map_err(retry)? {
                    Some(s) if s.status == ServiceStatus::Published => self
                        .index
                        .upsert(&[search_doc(&s, &situations)])
                        .map_err(retry),
                    _ => self.index.delete(&id.to_string()).map_err(retry),
                }
            }
            None => {
                let all = self.store.services(true).await.map_err(retry)?;
                let docs: Vec<SearchDoc> = all.iter().map(|s| search_doc(s, &situations)).collect();
                self.index.clear().map_err(retry)?;
                self.index.upsert(&docs).map_err(retry)
            }
        }
    }
}
