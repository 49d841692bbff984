//! What other contexts put on the staff start page (`/arbeit`): each
//! panel lists the person's open work of its kind — co-signing requests,
//! for example — with a link to it. The identity context renders the page
//! without knowing the contexts.

use kernel::Actor;

/// One entry of a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeItem {
    /// What it is (e.g. the route's title).
    pub title: String,
    /// Locale key of its kind (e.g. `cosign-kind-final`).
    pub kind_key: String,
    /// Extra detail (e.g. "for Jana Schmidt"), may be empty.
    pub detail: String,
    /// Where it opens.
    pub href: String,
    /// Wanted by (German date), may be empty.
    pub due: String,
}

/// A panel of the start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeSection {
    /// Locale key of its heading.
    pub heading_key: String,
    /// Locale key shown when empty.
    pub empty_key: String,
    /// Its entries.
    pub items: Vec<HomeItem>,
}

/// A context's contribution to the start page.
#[async_trait::async_trait]
pub trait HomePanel: Send + Sync {
    /// The section for `actor` (none when it does not concern them).
    async fn section(&self, actor: &Actor) -> Option<HomeSection>;
}
