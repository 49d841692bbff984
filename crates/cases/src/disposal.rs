//! What disposal deletes of a case when the records office disposes of
//! its file (after the archive confirmed the import, or the archive
//! rejected it): the case, its history, messages, notices, fee claim,
//! deliveries and the submission it came from.

use records::disposal::FilePurger;
use storage::{DbError, Tx};
use uuid::Uuid;

/// Deletes a case with its file.
pub struct CasePurger {
    /// Cases.
    pub cases: crate::store::CasesStore,
    /// Deliveries of its notices.
    pub mailbox: mailbox::store::MailboxStore,
    /// The submission.
    pub submissions: forms::drafts::DraftStore,
}

#[async_trait::async_trait]
impl FilePurger for CasePurger {
    async fn purge_in(&self, tx: &mut Tx, file: Uuid) -> Result<Vec<String>, DbError> {
        let Some((case, submission)) = self.cases.purge_file_in(tx, file).await? else {
            return Ok(Vec::new());
        };
        let mut keys = self.mailbox.delete_of_case_in(tx, case).await?;
        keys.extend(
            self.submissions
                .delete_submission_in(tx, submission)
                .await?,
        );
        Ok(keys)
    }

    async fn blob_in_use(&self, key: &str) -> Result<bool, DbError> {
        Ok(self.mailbox.uses_blob(key).await? || self.submissions.names_blob(key).await?)
    }
}
