//! Use cases of fees: clerks set or waive the fee of a case; the treasury
//! staff hand claims over, import statements and clear what did not match;
//! the citizen reads what to pay.

use super::camt::{self, Credit};
use super::domain::{ClaimStatus, Outcome, ReferenceSource, classify, decimal, references_in};
use super::girocode;
use super::store::{Claim, Export, Payment, StatementRow};
use crate::service::{CasesError, CasesService};
use chrono::{DateTime, Days, NaiveDate, Utc};
use forms::view::euro;
use kernel::{Actor, CaseId, FieldErrors, Role, SubmissionId};
use sha2::{Digest, Sha256};
use storage::audit::record_in_tx;
use storage::{AuditEntry, Tx};
use uuid::Uuid;

/// The largest claim (the GiroCode's limit).
const MAX_CENTS: i64 = 99_999_999_999;

fn invalid(field: &str, code: &str) -> CasesError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    CasesError::Invalid(e)
}

/// How a person clears a listed payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Book it to the claim with this Kassenzeichen.
    Assign(String),
    /// Handled outside (refunded, returned, booked by the treasury); the
    /// note says how.
    Done(String),
}

/// A payment the treasury reports.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedPayment {
    /// The treasury's unique id of the booking (a second report of it is
    /// a duplicate).
    pub id: String,
    /// The Kassenzeichen paid.
    pub reference: String,
    /// Amount in euros with a decimal point (`30.60`).
    pub amount: String,
    /// Currency; `EUR` when missing.
    #[serde(default)]
    pub currency: Option<String>,
    /// Booking date (`2027-01-04`).
    pub booked_on: NaiveDate,
    /// Payer's name.
    #[serde(default)]
    pub payer: String,
}

/// What an import did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The statement file (camt imports).
    pub statement: Option<StatementRow>,
    /// When the same file was imported before: nothing was booked now.
    pub duplicate_of: Option<DateTime<Utc>>,
    /// Payments read.
    pub payments: Vec<Payment>,
    /// How many were booked exactly.
    pub booked: usize,
    /// How many are listed for a person.
    pub listed: usize,
    /// Entries that are not booked credits (debits, pending, reversals).
    pub skipped: usize,
}

/// The treasury page's data.
#[derive(Debug, Clone)]
pub struct TreasuryOverview {
    /// Claims waiting for the next export.
    pub pending: Vec<Claim>,
    /// Exports, newest first.
    pub exports: Vec<Export>,
    /// Statement files, newest first.
    pub statements: Vec<StatementRow>,
    /// Payments a person has to look at.
    pub exceptions: Vec<Payment>,
}

/// What the citizen needs to pay a claim.
#[derive(Debug, Clone)]
pub struct PaymentInstructions {
    /// The claim.
    pub claim: Claim,
    /// Payee.
    pub payee: String,
    /// IBAN (grouped by four for reading).
    pub iban: String,
    /// BIC.
    pub bic: String,
    /// The GiroCode's payload; none without bank details or Kassenzeichen.
    pub girocode: Option<String>,
}

impl CasesService {
    /// What the form's fee rule computed for the case, and the purpose
    /// text proposed for the claim.
    pub async fn fee_proposal(
        &self,
        case: &crate::store::Case,
    ) -> Result<(i64, String), CasesError> {
        let a = self
            .submissions
            .applicant_of_case(SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let purpose: String = format!("Gebühr {}", case.title).chars().take(140).collect();
        Ok((a.fee_cents, purpose))
    }

    /// Sets the fee of the case: a claim with a Kassenzeichen, due after
    /// the configured days, filed in the case's timeline. One per case.
    pub async fn set_fee(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
        amount_cents: i64,
        purpose: &str,
    ) -> Result<Claim, CasesError> {
        let case = self.editable(actor, id, revision).await?;
        let purpose = purpose.trim();
        let mut e = FieldErrors::new();
        if !(1..=MAX_CENTS).contains(&amount_cents) {
            e.add("amount", "amount_invalid");
        }
        if purpose.is_empty() {
            e.add("purpose", "required");
        } else if purpose.chars().count() > 140 {
            e.add("purpose", "too_long");
        }
        e.into_result().map_err(CasesError::Invalid)?;
        if case.phase == "closed" {
            return Err(CasesError::Conflict("The case is closed.".into()));
        }
        if self.fees.claim_of_case(case.id).await?.is_some() {
            return Err(CasesError::Conflict(
                "The case has a fee claim already.".into(),
            ));
        }
        let applicant = self
            .submissions
            .applicant_of_case(SubmissionId(case.submission_id))
            .await
            .map_err(|e| CasesError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let due_on = now
            .date_naive()
            .checked_add_days(Days::new(
                u64::try_from(self.settings.fees.due_days).unwrap_or(30),
            ))
            .unwrap_or(now.date_naive());
        let mut tx = self.store.db().begin().await?;
        let reference = match &self.settings.fees.source {
            ReferenceSource::Treasury => None,
            source @ ReferenceSource::Range { prefix, first, .. } => {
                let n = self.fees.next_number(&mut tx, prefix, *first).await?;
                Some(source.reference(n).ok_or_else(|| {
                    CasesError::Conflict(
                        "The number range of Kassenzeichen is used up; an admin must set a new one.".into(),
                    )
                })?)
            }
        };
        let claim = Claim {
            id: Uuid::now_v7(),
            case_id: case.id,
            reference,
            amount_cents,
            paid_cents: 0,
            purpose: purpose.to_owned(),
            debtor: applicant.name,
            address: applicant.address_lines.join("\n"),
            status: ClaimStatus::Open.as_str().into(),
            due_on,
            created_by: actor.audit_label(),
            created_at: now,
            export_id: None,
            settled_at: None,
            waive_reason: None,
        };
        match self.fees.insert_claim(&mut tx, &claim).await {
            Err(e) if e.is_unique_violation() => {
                return Err(CasesError::Conflict(
                    "The case has a fee claim already.".into(),
                ));
            }
            other => other?,
        }
        let detail = match &claim.reference {
            Some(r) => format!(
                "Gebühr festgesetzt: {}, Kassenzeichen {r}",
                euro(amount_cents)
            ),
            None => format!("Gebühr festgesetzt: {}", euro(amount_cents)),
        };
        self.change_in(&mut tx, &actor.audit_label(), &case, "fee", &detail)
            .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(claim)
    }

    /// Waives the fee of the case (with the reason) while nothing is paid
    /// and it was not handed to the treasury.
    pub async fn waive_fee(
        &self,
        actor: &Actor,
        id: CaseId,
        revision: i64,
        reason: &str,
    ) -> Result<Claim, CasesError> {
        let case = self.editable(actor, id, revision).await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid("reason", "required"));
        }
        if reason.chars().count() > 500 {
            return Err(invalid("reason", "too_long"));
        }
        let claim = self
            .fees
            .claim_of_case(case.id)
            .await?
            .ok_or(CasesError::NotFound)?;
        let mut tx = self.store.db().begin().await?;
        if !self
            .fees
            .waive(&mut tx, claim.id, reason, self.clock.now())
            .await?
        {
            return Err(CasesError::Conflict(
                "Only an open claim that is neither paid in part nor handed to the treasury can be waived here."
                    .into(),
            ));
        }
        self.change_in(
            &mut tx,
            &actor.audit_label(),
            &case,
            "fee",
            &format!("Gebühr erlassen: {reason}"),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        self.fees.claim(claim.id).await?.ok_or(CasesError::NotFound)
    }

    /// The claim of a case and the payments booked to it (the caller has
    /// checked access to the case).
    pub(crate) async fn claim_with_payments(
        &self,
        case: CaseId,
    ) -> Result<Option<(Claim, Vec<Payment>)>, CasesError> {
        let Some(claim) = self.fees.claim_of_case(case.0).await? else {
            return Ok(None);
        };
        let payments = self.fees.payments_of_claim(claim.id).await?;
        Ok(Some((claim, payments)))
    }

    /// What a citizen needs to pay `claim`.
    pub fn payment_instructions(&self, claim: Claim) -> PaymentInstructions {
        let fees = &self.settings.fees;
        let iban: String = fees.iban.chars().filter(|c| !c.is_whitespace()).collect();
        let girocode = match (&claim.reference, iban.is_empty(), claim.open_cents()) {
            (Some(r), false, open) if open > 0 => girocode::payload(&girocode::Transfer {
                payee: &fees.payee,
                iban: &iban,
                bic: &fees.bic,
                cents: open,
                text: &format!("Kassenzeichen {r}"),
            })
            .ok(),
            _ => None,
        };
        let grouped = iban
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        PaymentInstructions {
            claim,
            payee: fees.payee.clone(),
            iban: grouped,
            bic: fees.bic.clone(),
            girocode,
        }
    }

    /// The GiroCode of one of the citizen's own claims, as SVG.
    pub async fn own_girocode(&self, actor: &Actor, claim: Uuid) -> Result<String, CasesError> {
        let claim = self.fees.claim(claim).await?.ok_or(CasesError::NotFound)?;
        let case = self
            .store
            .case(CaseId(claim.case_id))
            .await?
            .ok_or(CasesError::NotFound)?;
        self.submissions
            .own_submission(actor, SubmissionId(case.submission_id))
            .await
            .map_err(|_| CasesError::NotFound)?;
        let payload = self
            .payment_instructions(claim)
            .girocode
            .ok_or(CasesError::NotFound)?;
        girocode::svg(&payload).ok_or_else(|| CasesError::Internal("QR code too large".into()))
    }

    fn treasury(actor: &Actor, write: bool) -> Result<(), CasesError> {
        let scope = if write {
            "payments:write"
        } else {
            "payments:read"
        };
        if actor.has_role_anywhere(Role::Treasury) && actor.has_scope(scope) {
            Ok(())
        } else {
            Err(CasesError::Forbidden)
        }
    }

    /// The treasury page: claims waiting for the export, exports,
    /// statements and the payments to look at.
    pub async fn treasury_overview(&self, actor: &Actor) -> Result<TreasuryOverview, CasesError> {
        Self::treasury(actor, false)?;
        let (pending, exports, statements, exceptions) = tokio::try_join!(
            self.fees.pending_claims(200),
            self.fees.exports(20),
            self.fees.statements(20),
            self.fees.open_exceptions(200),
        )?;
        self.log_read(
            actor,
            "payments.viewed",
            pending.iter().map(|c| c.case_id.to_string()).collect(),
        )
        .await?;
        Ok(TreasuryOverview {
            pending,
            exports,
            statements,
            exceptions,
        })
    }

    /// Hands every open claim not yet handed over to the treasury; none
    /// when there is nothing to hand over.
    pub async fn create_export(&self, actor: &Actor) -> Result<Option<Export>, CasesError> {
        Self::treasury(actor, true)?;
        let mut tx = self.store.db().begin().await?;
        let Some(export) = self
            .fees
            .create_export(&mut tx, &actor.audit_label(), self.clock.now())
            .await?
        else {
            return Ok(None);
        };
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                actor.audit_label(),
                "fees.exported",
                "fee_export",
                vec![export.id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(Some(export))
    }

    /// An export with its claims and the file references of their cases
    /// (the read is logged: the claims name their debtors).
    pub async fn export_claims(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Export, Vec<(Claim, String)>), CasesError> {
        Self::treasury(actor, false)?;
        let export = self.fees.export(id).await?.ok_or(CasesError::NotFound)?;
        let claims = self.fees.claims_of_export(id).await?;
        self.log_read(
            actor,
            "fees.export_read",
            claims.iter().map(|(c, _)| c.case_id.to_string()).collect(),
        )
        .await?;
        Ok((export, claims))
    }

    /// Imports a camt.053 statement file: every booked credit is matched
    /// by Kassenzeichen and amount; the same file a second time books
    /// nothing. A file that is not camt.053 is refused whole.
    pub async fn import_statement(
        &self,
        actor: &Actor,
        bytes: &[u8],
    ) -> Result<ImportReport, CasesError> {
        Self::treasury(actor, true)?;
        let file = camt::read(bytes).map_err(CasesError::Camt)?;
        let sha = hex::encode(Sha256::digest(bytes));
        let by = actor.audit_label();
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        self.fees.lock_payments(&mut tx).await?;
        if let Some(before) = self.fees.statement_by_hash(&mut tx, &sha).await? {
            drop(tx);
            let payments = self.fees.payments_of_statement(before.id).await?;
            return Ok(ImportReport {
                duplicate_of: Some(before.imported_at),
                statement: Some(before),
                payments,
                booked: 0,
                listed: 0,
                skipped: file.skipped,
            });
        }
        let statement = StatementRow {
            id: Uuid::now_v7(),
            sha256: sha,
            version: file.version.into(),
            message_id: file.message_id.clone(),
            statements: file.statements.join(", "),
            accounts: file.accounts.join(", "),
            entries: i64::try_from(file.credits.len()).unwrap_or(i64::MAX),
            imported_by: by.clone(),
            imported_at: now,
        };
        self.fees.insert_statement(&mut tx, &statement).await?;
        let mut payments = Vec::new();
        for credit in &file.credits {
            payments.push(
                self.book(&mut tx, &by, Some(statement.id), "camt", credit)
                    .await?,
            );
        }
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                by,
                "payments.imported",
                "bank_statement",
                vec![statement.id.to_string()],
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(Self::report(Some(statement), payments, file.skipped))
    }

    /// Books the payments the treasury reports, with the same matching.
    pub async fn report_payments(
        &self,
        actor: &Actor,
        items: &[ReportedPayment],
    ) -> Result<ImportReport, CasesError> {
        Self::treasury(actor, true)?;
        let mut e = FieldErrors::new();
        let mut credits = Vec::new();
        for (i, p) in items.iter().enumerate() {
            let cents = super::domain::parse_decimal(&p.amount).filter(|c| *c > 0);
            if cents.is_none() {
                e.add(&format!("payments[{i}].amount"), "amount_invalid");
            }
            if p.id.trim().is_empty() || p.id.len() > 200 {
                e.add(&format!("payments[{i}].id"), "required");
            }
            if p.reference.trim().is_empty() || p.reference.len() > 140 {
                e.add(&format!("payments[{i}].reference"), "required");
            }
            credits.push(Credit {
                entry_key: p.id.trim().to_owned(),
                account: "treasury".into(),
                booked_on: p.booked_on,
                amount_cents: cents.unwrap_or_default(),
                currency: p.currency.clone().unwrap_or_else(|| "EUR".into()),
                payer: p.payer.chars().take(200).collect(),
                remittance: p.reference.trim().to_owned(),
            });
        }
        if items.is_empty() {
            e.add("payments", "required");
        }
        e.into_result().map_err(CasesError::Invalid)?;
        let by = actor.audit_label();
        let mut tx = self.store.db().begin().await?;
        self.fees.lock_payments(&mut tx).await?;
        let mut payments = Vec::new();
        for c in &credits {
            payments.push(self.book(&mut tx, &by, None, "treasury", c).await?);
        }
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(
                by,
                "payments.reported",
                "payment",
                payments.iter().map(|p| p.id.to_string()).collect(),
            ),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        Ok(Self::report(None, payments, 0))
    }

    fn report(
        statement: Option<StatementRow>,
        payments: Vec<Payment>,
        skipped: usize,
    ) -> ImportReport {
        let booked = payments
            .iter()
            .filter(|p| p.outcome() == Outcome::Booked)
            .count();
        ImportReport {
            statement,
            duplicate_of: None,
            booked,
            listed: payments.len() - booked,
            payments,
            skipped,
        }
    }

    /// Matches one credit and records it: booked to the claim its
    /// Kassenzeichen names when the amount fits (or in part, or beyond,
    /// listed then); listed without booking when the entry was read
    /// before, is not in euros, or names no single known claim.
    async fn book(
        &self,
        tx: &mut Tx,
        by: &str,
        statement: Option<Uuid>,
        source: &str,
        credit: &Credit,
    ) -> Result<Payment, CasesError> {
        let now = self.clock.now();
        let mut tokens: Vec<String> = credit
            .remittance
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| (4..=35).contains(&t.len()))
            .map(str::to_owned)
            .collect();
        if source == "treasury" {
            tokens.push(credit.remittance.clone());
        }
        let found = references_in(&credit.remittance, &self.settings.fees.source, &[]);
        let mut candidates = found.clone();
        if self.settings.fees.source == ReferenceSource::Treasury || source == "treasury" {
            candidates.extend(tokens);
        }
        candidates.sort();
        candidates.dedup();
        let claims = self.fees.claims_by_reference(tx, &candidates).await?;
        let seen = self
            .fees
            .entry_seen(tx, &credit.account, &credit.entry_key)
            .await?;
        let (outcome, claim) = if seen {
            (Outcome::Duplicate, None)
        } else if credit.currency != "EUR" {
            (Outcome::Currency, None)
        } else {
            match claims.as_slice() {
                [one] => (
                    classify(
                        one.amount_cents,
                        one.paid_cents,
                        one.state(),
                        credit.amount_cents,
                    ),
                    Some(one.clone()),
                ),
                _ => (Outcome::Unknown, None),
            }
        };
        let booked_to = claim.as_ref().filter(|_| outcome.books());
        let payment = Payment {
            id: Uuid::now_v7(),
            statement_id: statement,
            source: source.into(),
            entry_key: credit.entry_key.clone(),
            account: credit.account.clone(),
            booked_on: credit.booked_on,
            amount_cents: credit.amount_cents,
            currency: credit.currency.clone(),
            payer: credit.payer.clone(),
            remittance: credit.remittance.clone(),
            reference: claims
                .first()
                .and_then(|c| c.reference.clone())
                .or_else(|| found.first().cloned()),
            claim_id: booked_to.map(|c| c.id),
            outcome: outcome.as_str().into(),
            resolution: None,
            resolved_by: None,
            resolved_at: None,
            note: None,
            created_at: now,
        };
        self.fees.insert_payment(tx, &payment).await?;
        if let Some(c) = booked_to {
            self.fees
                .add_paid(tx, c.id, credit.amount_cents, now)
                .await?;
            self.timeline_in(
                tx,
                by,
                CaseId(c.case_id),
                "payment",
                &format!(
                    "Zahlung eingegangen: {} am {}",
                    euro(credit.amount_cents),
                    credit.booked_on.format("%d.%m.%Y")
                ),
            )
            .await?;
        }
        Ok(payment)
    }

    /// Clears a listed payment: books it to a claim by its Kassenzeichen,
    /// or marks it handled with a note.
    pub async fn resolve_payment(
        &self,
        actor: &Actor,
        id: Uuid,
        resolution: Resolution,
    ) -> Result<Payment, CasesError> {
        Self::treasury(actor, true)?;
        let payment = self.fees.payment(id).await?.ok_or(CasesError::NotFound)?;
        if !payment.outcome().needs_person() || payment.resolved_at.is_some() {
            return Err(CasesError::Conflict(
                "The payment needs nothing more.".into(),
            ));
        }
        let by = actor.audit_label();
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        self.fees.lock_payments(&mut tx).await?;
        let (kind, claim, note) = match resolution {
            Resolution::Assign(reference) => {
                let reference = reference.trim().to_owned();
                if payment.claim_id.is_some() || payment.outcome() == Outcome::Duplicate {
                    return Err(CasesError::Conflict(
                        "This payment is booked already or was read twice; mark it as done.".into(),
                    ));
                }
                if payment.currency != "EUR" {
                    return Err(invalid("reference", "payment_currency"));
                }
                let claims = self
                    .fees
                    .claims_by_reference(&mut tx, std::slice::from_ref(&reference))
                    .await?;
                let Some(claim) = claims.into_iter().next() else {
                    return Err(invalid("reference", "reference_unknown"));
                };
                self.fees
                    .add_paid(&mut tx, claim.id, payment.amount_cents, now)
                    .await?;
                self.timeline_in(
                    &mut tx,
                    &by,
                    CaseId(claim.case_id),
                    "payment",
                    &format!(
                        "Zahlung zugeordnet: {} am {}",
                        euro(payment.amount_cents),
                        payment.booked_on.format("%d.%m.%Y")
                    ),
                )
                .await?;
                (
                    "assigned",
                    Some(claim.id),
                    format!("Kassenzeichen {reference}"),
                )
            }
            Resolution::Done(note) => {
                let note = note.trim().to_owned();
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                if note.chars().count() > 500 {
                    return Err(invalid("note", "too_long"));
                }
                ("done", None, note)
            }
        };
        if !self
            .fees
            .resolve(&mut tx, id, kind, claim, &note, &by, now)
            .await?
        {
            return Err(CasesError::Conflict(
                "The payment needs nothing more.".into(),
            ));
        }
        record_in_tx(
            &mut tx,
            self.clock.as_ref(),
            &AuditEntry::new(by, "payment.resolved", "payment", vec![id.to_string()]),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        self.fees.payment(id).await?.ok_or(CasesError::NotFound)
    }

    /// Sets the Kassenzeichen the treasury assigned to a claim (source
    /// `treasury`); once.
    pub async fn assign_reference(
        &self,
        actor: &Actor,
        claim: Uuid,
        reference: &str,
    ) -> Result<Claim, CasesError> {
        Self::treasury(actor, true)?;
        let reference = reference.trim();
        if reference.is_empty()
            || reference.len() > 35
            || !reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/'))
        {
            return Err(invalid("reference", "reference_invalid"));
        }
        let c = self.fees.claim(claim).await?.ok_or(CasesError::NotFound)?;
        let mut tx = self.store.db().begin().await?;
        let set = match self.fees.set_reference(&mut tx, c.id, reference).await {
            Err(e) if e.is_unique_violation() => {
                return Err(CasesError::Conflict(
                    "Another claim has this Kassenzeichen.".into(),
                ));
            }
            other => other?,
        };
        if !set {
            return Err(CasesError::Conflict(
                "The claim has a Kassenzeichen.".into(),
            ));
        }
        self.timeline_in(
            &mut tx,
            &actor.audit_label(),
            CaseId(c.case_id),
            "fee",
            &format!("Kassenzeichen von der Kasse: {reference}"),
        )
        .await?;
        tx.commit().await?;
        self.log.nudge();
        self.fees.claim(claim).await?.ok_or(CasesError::NotFound)
    }
}

/// One claim of an export as the treasury reads it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExportedClaim {
    /// rathaus' id of the claim.
    pub claim_id: Uuid,
    /// Kassenzeichen (empty when the treasury assigns it).
    pub kassenzeichen: String,
    /// File reference of the case (Aktenzeichen).
    pub case_reference: String,
    /// Debtor.
    pub debtor: String,
    /// Debtor's address, lines separated by `\n`.
    pub address: String,
    /// What the fee is for.
    pub purpose: String,
    /// Amount, decimal point (`30.60`).
    pub amount: String,
    /// Always `EUR`.
    pub currency: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// When the fee was set.
    pub created_at: DateTime<Utc>,
}

impl ExportedClaim {
    /// The export row of a claim.
    pub fn of(c: &Claim, case_reference: &str) -> ExportedClaim {
        ExportedClaim {
            claim_id: c.id,
            kassenzeichen: c.reference.clone().unwrap_or_default(),
            case_reference: case_reference.to_owned(),
            debtor: c.debtor.clone(),
            address: c.address.clone(),
            purpose: c.purpose.clone(),
            amount: decimal(c.amount_cents),
            currency: "EUR".into(),
            due_on: c.due_on,
            created_at: c.created_at,
        }
    }
}

/// An export as CSV (RFC 4180, UTF-8, comma-separated, header row).
pub fn export_csv(claims: &[ExportedClaim]) -> Result<Vec<u8>, CasesError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for c in claims {
        w.serialize(c)
            .map_err(|e| CasesError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| CasesError::Internal(e.to_string()))
}
