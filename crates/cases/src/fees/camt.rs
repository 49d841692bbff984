//! A strict reader of ISO 20022 bank-to-customer statements, camt.053
//! versions 001.02 (DFÜ-Abkommen of the Deutsche Kreditwirtschaft, still
//! the most common in Germany) and 001.08 (SEPA 2023 onwards). It reads
//! the credits a payment can be matched with: amount and currency,
//! booking date, payer, remittance information and the bank's reference
//! of the entry. Everything else of the statement is skipped. A file that
//! is not camt.053, or that lacks what the standard requires, is refused
//! with the element that is wrong; nothing of it is used.
//!
//! The `camt053` crate was tried: it deserialises leniently (no check of
//! the message type or namespace, errors without the element) and carries
//! a second zip version; `roxmltree`, already used for FIM, refuses DTDs
//! (no entity expansion) and gives every element's position.

use super::domain::parse_decimal;
use chrono::NaiveDate;
use roxmltree::{Document, Node};

const NS_02: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";
const NS_08: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
const NS_CAMT: &str = "urn:iso:std:iso:20022:tech:xsd:camt.";

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {detail}")]
pub struct CamtError {
    /// Where: the element path (`Stmt[1]/Ntry[2]/Amt`) or `file`.
    pub at: String,
    /// A stable code (locale key of the page).
    pub code: &'static str,
    /// What is wrong, in English (API).
    pub detail: String,
}

fn err(at: &str, code: &'static str, detail: impl Into<String>) -> CamtError {
    CamtError {
        at: at.to_owned(),
        code,
        detail: detail.into(),
    }
}

/// A statement file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFile {
    /// `camt.053.001.02` or `camt.053.001.08`.
    pub version: &'static str,
    /// GrpHdr/MsgId.
    pub message_id: String,
    /// Stmt/Id of every statement.
    pub statements: Vec<String>,
    /// Accounts (IBAN) of the statements.
    pub accounts: Vec<String>,
    /// The booked credits, in file order.
    pub credits: Vec<Credit>,
    /// Entries that are not booked credits (debits, pending, reversals).
    pub skipped: usize,
}

/// A booked credit: one transaction of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// The bank's identity of the transaction (AcctSvcrRef, else the
    /// entry reference with the transaction's position).
    pub entry_key: String,
    /// The account credited.
    pub account: String,
    /// Booking date.
    pub booked_on: NaiveDate,
    /// Amount in cents.
    pub amount_cents: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Name of the payer, if given.
    pub payer: String,
    /// Remittance information: unstructured lines, the structured
    /// creditor reference and the end-to-end id, one per line.
    pub remittance: String,
}

/// Namespaced child elements named `name`.
fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(n, name).next()
}

/// The trimmed text at a path of child names.
fn text_at(n: Node, path: &[&str]) -> Option<String> {
    let mut cur = n;
    for p in path {
        cur = child(cur, p)?;
    }
    cur.text()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn required(n: Node, path: &[&str], at: &str) -> Result<String, CamtError> {
    text_at(n, path).ok_or_else(|| {
        let p = format!("{at}/{}", path.join("/"));
        err(
            &p,
            "camt_missing",
            format!("{} is required", path.join("/")),
        )
    })
}

fn date_of(n: Node, at: &str) -> Result<NaiveDate, CamtError> {
    let raw = text_at(n, &["Dt"])
        .or_else(|| text_at(n, &["DtTm"]))
        .ok_or_else(|| err(at, "camt_missing", "Dt or DtTm is required"))?;
    let day = raw.get(..10).unwrap_or(&raw);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| err(at, "camt_date", format!("`{raw}` is not an ISO date")))
}

/// Reads a camt.053 file.
pub fn read(bytes: &[u8]) -> Result<StatementFile, CamtError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| err("file", "camt_not_xml", "the file is not UTF-8 text"))?;
    let doc = Document::parse(text)
        .map_err(|e| err("file", "camt_not_xml", format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    let ns = root.tag_name().namespace().unwrap_or("");
    let version = match ns {
        NS_02 => "camt.053.001.02",
        NS_08 => "camt.053.001.08",
        other if other.starts_with(NS_CAMT) => {
            return Err(err(
                "Document",
                "camt_other_message",
                format!(
                    "this is {}, not a camt.053 bank statement (001.02 or 001.08)",
                    other.trim_start_matches("urn:iso:std:iso:20022:tech:xsd:")
                ),
            ));
        }
        _ => {
            return Err(err(
                "Document",
                "camt_not_camt053",
                "not an ISO 20022 camt.053 bank statement (namespace camt.053.001.02 or 001.08 expected)",
            ));
        }
    };
    if root.tag_name().name() != "Document" {
        return Err(err(
            root.tag_name().name(),
            "camt_not_camt053",
            "the root element must be Document",
        ));
    }
    let body = child(root, "BkToCstmrStmt").ok_or_else(|| {
        err(
            "Document/BkToCstmrStmt",
            "camt_missing",
            "BkToCstmrStmt is required",
        )
    })?;
    let message_id = required(body, &["GrpHdr", "MsgId"], "BkToCstmrStmt")?;
    let mut out = StatementFile {
        version,
        message_id,
        statements: Vec::new(),
        accounts: Vec::new(),
        credits: Vec::new(),
        skipped: 0,
    };
    for (si, stmt) in children(body, "Stmt").enumerate() {
        let at = format!("Stmt[{}]", si + 1);
        let id = required(stmt, &["Id"], &at)?;
        let account = text_at(stmt, &["Acct", "Id", "IBAN"])
            .or_else(|| text_at(stmt, &["Acct", "Id", "Othr", "Id"]))
            .ok_or_else(|| {
                err(
                    &format!("{at}/Acct/Id"),
                    "camt_missing",
                    "Acct/Id/IBAN is required",
                )
            })?;
        out.statements.push(id.clone());
        if !out.accounts.contains(&account) {
            out.accounts.push(account.clone());
        }
        for (ei, entry) in children(stmt, "Ntry").enumerate() {
            let at = format!("{at}/Ntry[{}]", ei + 1);
            read_entry(entry, &at, &id, &account, &mut out)?;
        }
    }
    if out.statements.is_empty() {
        return Err(err(
            "BkToCstmrStmt/Stmt",
            "camt_missing",
            "at least one Stmt is required",
        ));
    }
    Ok(out)
}

fn amount_of(n: Node, at: &str) -> Result<(i64, String), CamtError> {
    let raw = n.text().map(str::trim).unwrap_or("");
    let cents = parse_decimal(raw).ok_or_else(|| {
        err(
            at,
            "camt_amount",
            format!("`{raw}` is not an amount (digits, a point, at most two decimals)"),
        )
    })?;
    let ccy = n.attribute("Ccy").unwrap_or("").trim();
    if ccy.len() != 3 || !ccy.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(err(
            at,
            "camt_currency",
            "the attribute Ccy (ISO 4217) is required",
        ));
    }
    Ok((cents, ccy.to_owned()))
}

fn read_entry(
    entry: Node,
    at: &str,
    statement: &str,
    account: &str,
    out: &mut StatementFile,
) -> Result<(), CamtError> {
    let amt = child(entry, "Amt")
        .ok_or_else(|| err(&format!("{at}/Amt"), "camt_missing", "Amt is required"))?;
    let (entry_cents, entry_ccy) = amount_of(amt, &format!("{at}/Amt"))?;
    let indicator = required(entry, &["CdtDbtInd"], at)?;
    if indicator != "CRDT" && indicator != "DBIT" {
        return Err(err(
            &format!("{at}/CdtDbtInd"),
            "camt_indicator",
            format!("`{indicator}` is neither CRDT nor DBIT"),
        ));
    }
    // 001.02: <Sts>BOOK</Sts>; 001.08: <Sts><Cd>BOOK</Cd></Sts>.
    let status = text_at(entry, &["Sts", "Cd"])
        .or_else(|| text_at(entry, &["Sts"]))
        .ok_or_else(|| err(&format!("{at}/Sts"), "camt_missing", "Sts is required"))?;
    let booked_node = child(entry, "BookgDt");
    let reversal = text_at(entry, &["RvslInd"]).is_some_and(|r| r == "true");
    if indicator != "CRDT" || status != "BOOK" || reversal {
        out.skipped += 1;
        return Ok(());
    }
    let booked_on = match booked_node {
        Some(n) => date_of(n, &format!("{at}/BookgDt"))?,
        None => {
            return Err(err(
                &format!("{at}/BookgDt"),
                "camt_missing",
                "BookgDt is required for a booked entry",
            ));
        }
    };
    let entry_ref = text_at(entry, &["AcctSvcrRef"]).or_else(|| text_at(entry, &["NtryRef"]));
    let txs: Vec<Node> = child(entry, "NtryDtls")
        .map(|d| children(d, "TxDtls").collect())
        .unwrap_or_default();
    if txs.is_empty() {
        out.credits.push(Credit {
            entry_key: entry_ref
                .clone()
                .unwrap_or_else(|| format!("{statement}#{at}")),
            account: account.to_owned(),
            booked_on,
            amount_cents: entry_cents,
            currency: entry_ccy,
            payer: String::new(),
            remittance: String::new(),
        });
        return Ok(());
    }
    let single = txs.len() == 1;
    for (ti, tx) in txs.into_iter().enumerate() {
        let tat = format!("{at}/NtryDtls/TxDtls[{}]", ti + 1);
        // 001.02: AmtDtls/TxAmt/Amt; 001.08: Amt (or AmtDtls as well).
        let tx_amount = child(tx, "Amt").or_else(|| {
            child(tx, "AmtDtls")
                .and_then(|a| child(a, "TxAmt"))
                .and_then(|a| child(a, "Amt"))
        });
        let (cents, ccy) = match tx_amount {
            Some(n) => amount_of(n, &format!("{tat}/Amt"))?,
            None if single => (entry_cents, entry_ccy.clone()),
            None => {
                return Err(err(
                    &format!("{tat}/Amt"),
                    "camt_missing",
                    "each transaction of a batch entry needs its amount",
                ));
            }
        };
        let key = text_at(tx, &["Refs", "AcctSvcrRef"])
            .or_else(|| {
                entry_ref.as_ref().map(|r| {
                    if single {
                        r.clone()
                    } else {
                        format!("{r}#{}", ti + 1)
                    }
                })
            })
            .unwrap_or_else(|| format!("{statement}#{tat}"));
        let payer = text_at(tx, &["RltdPties", "Dbtr", "Pty", "Nm"])
            .or_else(|| text_at(tx, &["RltdPties", "Dbtr", "Nm"]))
            .unwrap_or_default();
        let mut lines: Vec<String> = Vec::new();
        if let Some(rmt) = child(tx, "RmtInf") {
            for u in children(rmt, "Ustrd") {
                if let Some(t) = u.text().map(str::trim).filter(|t| !t.is_empty()) {
                    lines.push(t.to_owned());
                }
            }
            for s in children(rmt, "Strd") {
                if let Some(r) = text_at(s, &["CdtrRefInf", "Ref"]) {
                    lines.push(r);
                }
            }
        }
        if let Some(e2e) = text_at(tx, &["Refs", "EndToEndId"]).filter(|e| e != "NOTPROVIDED") {
            lines.push(e2e);
        }
        out.credits.push(Credit {
            entry_key: key,
            account: account.to_owned(),
            booked_on,
            amount_cents: cents,
            currency: ccy,
            payer,
            remittance: lines.join("\n"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn statement_02() -> String {
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-2027-01-05</MsgId><CreDtTm>2027-01-05T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-0001</Id>
   <CreDtTm>2027-01-05T06:00:00</CreDtTm>
   <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
   <Ntry>
    <Amt Ccy="EUR">30.60</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2027-01-04</Dt></BookgDt><ValDt><Dt>2027-01-04</Dt></ValDt>
    <AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
    <BkTxCd/>
    <NtryDtls><TxDtls>
      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <RltdPties><Dbtr><Nm>Aylin Yilmaz</Nm></Dbtr></RltdPties>
      <RmtInf><Ustrd>Bewohnerparkausweis KZ 5100 0000 0001 7</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2027-01-04</Dt></BookgDt>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2027-01-04</Dt></BookgDt>
    <AcctSvcrRef>BATCH-7</AcctSvcrRef>
    <NtryDtls>
     <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls>
      <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
     <TxDtls><Refs><AcctSvcrRef>BATCH-7-2</AcctSvcrRef></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">30.00</Amt></TxAmt></AmtDtls></TxDtls>
    </NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"#
            .to_owned()
    }

    #[test]
    fn a_camt_053_001_02_statement_yields_its_booked_credits() {
        let f = read(statement_02().as_bytes()).expect("valid");
        assert_eq!(f.version, "camt.053.001.02");
        assert_eq!(f.message_id, "MSG-2027-01-05");
        assert_eq!(f.statements, vec!["STMT-0001".to_owned()]);
        assert_eq!(f.accounts, vec!["DE02120300000000202051".to_owned()]);
        assert_eq!(f.skipped, 1, "the debit");
        assert_eq!(f.credits.len(), 3, "one single entry, a batch of two");
        let first = &f.credits[0];
        assert_eq!(first.amount_cents, 3060);
        assert_eq!(first.currency, "EUR");
        assert_eq!(first.entry_key, "BANK-REF-1");
        assert_eq!(first.payer, "Aylin Yilmaz");
        assert_eq!(
            first.booked_on,
            NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()
        );
        assert!(first.remittance.contains("5100 0000 0001 7"));
        assert!(!first.remittance.contains("NOTPROVIDED"));
        assert_eq!(f.credits[1].entry_key, "BATCH-7#1");
        assert_eq!(f.credits[1].amount_cents, 2000);
        assert_eq!(f.credits[1].remittance, "RF18539007547034");
        assert_eq!(f.credits[2].entry_key, "BATCH-7-2");
        assert_eq!(f.credits[2].amount_cents, 3000);
    }

    #[test]
    fn a_camt_053_001_08_statement_reads_status_codes_and_party_names() {
        let xml = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
  <GrpHdr><MsgId>M8</MsgId><CreDtTm>2027-01-05T06:00:00+01:00</CreDtTm></GrpHdr>
  <Stmt><Id>S8</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>
   <Ntry><Amt Ccy="EUR">30.6</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><DtTm>2027-01-04T10:00:00+01:00</DtTm></BookgDt>
    <NtryDtls><TxDtls><Refs><AcctSvcrRef>R8</AcctSvcrRef><EndToEndId>E2E-1</EndToEndId></Refs>
     <Amt Ccy="EUR">30.6</Amt>
     <RltdPties><Dbtr><Pty><Nm>Max Mustermann</Nm></Pty></Dbtr></RltdPties>
     <RmtInf><Ustrd>Gebuehr</Ustrd><Ustrd>510000000001 7</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
   <Ntry><Amt Ccy="EUR">9.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts></Ntry>
  </Stmt></BkToCstmrStmt></Document>"#;
        let f = read(xml.as_bytes()).expect("valid");
        assert_eq!(f.version, "camt.053.001.08");
        assert_eq!(f.credits.len(), 1);
        assert_eq!(f.skipped, 1, "pending");
        let c = &f.credits[0];
        assert_eq!((c.amount_cents, c.entry_key.as_str()), (3060, "R8"));
        assert_eq!(c.payer, "Max Mustermann");
        assert_eq!(c.remittance, "Gebuehr\n510000000001 7\nE2E-1");
        assert_eq!(c.booked_on, NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
    }

    #[test]
    fn files_that_are_not_camt_053_or_break_its_rules_are_refused_with_the_place() {
        let e = read(b"not xml at all").unwrap_err();
        assert_eq!(e.code, "camt_not_xml");
        let e = read(br#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>"#)
            .unwrap_err();
        assert_eq!(e.code, "camt_other_message");
        assert!(e.detail.contains("camt.052.001.02"), "{e}");
        let e = read(br#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>"#)
            .unwrap_err();
        assert_eq!(e.code, "camt_not_camt053");
        let e = read(b"<Invoice/>").unwrap_err();
        assert_eq!(e.code, "camt_not_camt053");
        let bad_amount = statement_02().replace(">30.60<", ">30,60<");
        let e = read(bad_amount.as_bytes()).unwrap_err();
        assert_eq!(
            (e.code, e.at.as_str()),
            ("camt_amount", "Stmt[1]/Ntry[1]/Amt")
        );
        let no_date = statement_02().replacen(
            "<BookgDt><Dt>2027-01-04</Dt></BookgDt><ValDt>",
            "<ValDt>",
            1,
        );
        let e = read(no_date.as_bytes()).unwrap_err();
        assert_eq!(
            (e.code, e.at.as_str()),
            ("camt_missing", "Stmt[1]/Ntry[1]/BookgDt")
        );
        let no_msg = statement_02().replace("<MsgId>MSG-2027-01-05</MsgId>", "");
        assert_eq!(read(no_msg.as_bytes()).unwrap_err().code, "camt_missing");
        let indicator = statement_02().replacen("<CdtDbtInd>CRDT", "<CdtDbtInd>CREDIT", 1);
        assert_eq!(
            read(indicator.as_bytes()).unwrap_err().code,
            "camt_indicator"
        );
        // Entity expansion is never attempted.
        let dtd = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"y\">]>{}",
            statement_02().trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        );
        assert_eq!(read(dtd.as_bytes()).unwrap_err().code, "camt_not_xml");
    }
}
