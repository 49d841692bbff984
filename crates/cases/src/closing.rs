//! Closing a case: only when its notice was notified — the day of
//! notification is fixed by retrieval or posting — (or another outcome is
//! documented, e.g. the application was withdrawn) and its fee is settled,
//! waived or handed to the treasury. The case is then final — only the
//! records office adds notes — and its file's retention runs from the end
//! of the closing year, for the years of its file-plan node.

use crate::service::{CasesError, CasesService};
use crate::store::Case;
use kernel::{Actor, CaseId, CaseTypeId, FieldErrors, RecordFileId, Role};

impl CasesService {
    /// Why the case cannot be closed yet (field errors), if anything.
    async fn closing_blocked(&self, case: &Case, outcome: &str) -> Result<FieldErrors, CasesError> {
        let mut e = FieldErrors::new();
        // Notified means the day of notification is fixed: retrieved from
        // the mailbox (the day after) or posted (the fourth day); the file
        // records that day, so the case may close on the day of retrieval.
        let notified = self
            .mailbox
            .of_case(case.id)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?
            .iter()
            .any(|d| d.notified_on.is_some());
        if !notified && outcome.trim().is_empty() {
            e.add("outcome", "close_needs_notice");
        }
        if let Some(claim) = self.fees.claim_of_case(case.id).await?
            && !claim.done_for_the_case()
        {
            e.add("outcome", "close_needs_fee");
        }
        Ok(e)
    }

    /// Closes the case: the first status of the closed phase its type
    /// allows from here; the file is closed with its retention date.
    pub async fn close_case(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
        outcome: &str,
    ) -> Result<Case, CasesError> {
        let mut case = self.editable(actor, id, revision).await?;
        let outcome = outcome.trim();
        if outcome.chars().count() > 2000 {
            let mut e = FieldErrors::new();
            e.add("outcome", "too_long");
            return Err(CasesError::Invalid(e));
        }
        let blocked = self.closing_blocked(&case, outcome).await?;
        blocked.into_result().map_err(CasesError::Invalid)?;
        let t = self
            .store
            .case_type(CaseTypeId(case.case_type_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        let Some(target) = t
            .input
            .statuses
            .iter()
            .find(|s| {
                s.phase == crate::domain::Phase::Closed && t.input.allows(&case.status, &s.key)
            })
            .cloned()
        else {
            let mut e = FieldErrors::new();
            e.add("outcome", "close_not_from_here");
            return Err(CasesError::Invalid(e));
        };
        let now = self.clock.now();
        case.status = target.key.clone();
        case.phase = target.phase.as_str().into();
        let by = actor.audit_label();
        let mut tx = self.store.db().begin().await?;
        let until = self
            .records
            .close_file_in(&mut tx, &by, RecordFileId(case.file_id), now)
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let mut detail = format!(
            "{}; Akte geschlossen, aufzubewahren bis {}",
            target.label,
            until.format("%d.%m.%Y")
        );
        if !outcome.is_empty() {
            detail.push_str(&format!(
                " — Abschluss ohne bekannt gegebenen Bescheid: {outcome}"
            ));
        }
        self.change_in(&mut tx, &by, &case, "status", &detail)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        case.revision += 1;
        Ok(case)
    }

    /// The records office's note on a closed case (the only change a
    /// closed case takes).
    pub(crate) fn may_note_closed(actor: &Actor) -> bool {
        actor.has_role_anywhere(Role::RecordsOffice) && actor.account.is_some()
    }
}
