//! Devices and VPN access (the IT service): the inventory of notebooks,
//! smartphones and tablets with issue, acknowledgement by the receiving
//! person, return, repair and retirement, each in the device's history;
//! VPN grants with first and last day; the CSV import of the initial
//! stock (all or nothing, every bad line reported); counts for IT.

use crate::domain::{DeviceKind, DeviceState, EnrolmentState};
use crate::service::{LineError, WorkplaceError, WorkplaceService, invalid};
use crate::store::{DeviceCount, DeviceEventRow, DeviceRow, VpnGrantRow};
use chrono::NaiveDate;
use kernel::{AccountId, Actor, FieldErrors, Role};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Largest CSV file accepted (bytes): some 100 000 devices.
pub const MAX_CSV: usize = 8 * 1024 * 1024;

/// A new device.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceInput {
    /// Kind.
    pub kind: DeviceKind,
    /// Model, e.g. "Lenovo ThinkPad T14".
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Inventory number.
    pub inventory_no: String,
}

/// A device with its history and holder.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    /// The device.
    pub device: DeviceRow,
    /// Its holder's name.
    pub holder_name: Option<String>,
    /// Its history, oldest first.
    pub events: Vec<DeviceEventRow>,
}

/// What IT sees at a glance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inventory {
    /// Devices per kind and state.
    pub counts: Vec<DeviceCount>,
    /// People with VPN access today.
    pub vpn_active: i64,
}

impl Inventory {
    /// Devices of a kind, in every state but retired.
    pub fn in_use(&self, kind: &str) -> i64 {
        self.counts
            .iter()
            .filter(|c| c.kind == kind && c.state != "retired")
            .map(|c| c.n)
            .sum()
    }

    /// Devices of a kind in a state.
    pub fn count(&self, kind: &str, state: &str) -> i64 {
        self.counts
            .iter()
            .filter(|c| c.kind == kind && c.state == state)
            .map(|c| c.n)
            .sum()
    }
}

/// A person enrolled (approved) whom IT still has to equip.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Equip {
    /// The person.
    pub account_id: Uuid,
    /// Their name.
    pub name: String,
    /// Needs a notebook or tablet (none issued, or receipt not confirmed).
    pub device: bool,
    /// A device is issued but receipt is not confirmed yet.
    pub unacknowledged: bool,
    /// Needs VPN access.
    pub vpn: bool,
}

/// A VPN grant to give.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VpnInput {
    /// The person.
    #[schema(value_type = String)]
    pub account_id: AccountId,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (none: until revoked).
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

/// The columns of the import, by the header names accepted (German or
/// English).
const COLUMNS: [(&str, &[&str]); 4] = [
    (
        "kind",
        &[
            "art",
            "typ",
            "kind",
            "type",
            "geraeteart",
            "gerätart",
            "geräteart",
        ],
    ),
    ("model", &["modell", "model"]),
    ("serial", &["seriennummer", "serial", "serial_number"]),
    (
        "inventory_no",
        &[
            "inventarnummer",
            "inventory_no",
            "inventory_number",
            "inventar",
        ],
    ),
];

/// The kind named in a CSV cell (German or English, any case).
fn kind_of(cell: &str) -> Option<DeviceKind> {
    match cell.trim().to_lowercase().as_str() {
        "notebook" | "laptop" => Some(DeviceKind::Notebook),
        "smartphone" | "handy" | "diensthandy" => Some(DeviceKind::Smartphone),
        "tablet" => Some(DeviceKind::Tablet),
        _ => None,
    }
}

/// An import file read: each device with its line, and the header names
/// of the serial and inventory columns (errors found later name them).
#[derive(Debug)]
pub struct ParsedCsv {
    /// The devices with their line numbers.
    pub devices: Vec<(u64, DeviceInput)>,
    /// The header of the serial column as written.
    pub serial_column: String,
    /// The header of the inventory column as written.
    pub inventory_column: String,
}

/// Reads an import file: the devices, or every bad line.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, Vec<LineError>> {
    let line_error = |line: u64, column: &str, code: &str| LineError {
        line,
        column: column.to_owned(),
        code: code.to_owned(),
    };
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(t) => t,
        Err(e) => {
            // The line of the first byte that is not UTF-8.
            let line = bytes
                .get(..e.valid_up_to())
                .map(|b| b.iter().filter(|c| **c == b'\n').count())
                .unwrap_or(0);
            return Err(vec![line_error(
                u64::try_from(line).unwrap_or(0) + 1,
                "",
                "csv_not_utf8",
            )]);
        }
    };
    // Spreadsheets in Germany write ';', others ','.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() >= first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(_) => return Err(vec![line_error(1, "", "csv_unreadable")]),
    };
    let mut errors = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (name, aliases) in COLUMNS {
        match headers.iter().position(|h| aliases.contains(&h.as_str())) {
            Some(i) => {
                at.insert(name, i);
            }
            None => errors.push(line_error(
                1,
                aliases.first().copied().unwrap_or(name),
                "csv_column_missing",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let header_of = |name: &str| -> String {
        at.get(name)
            .and_then(|i| headers.get(*i))
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    };
    let mut out = Vec::new();
    let mut inventory_seen: HashMap<String, u64> = HashMap::new();
    let mut serial_seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(line_error(line, "", "csv_unreadable"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            errors.push(line_error(line, "", "csv_field_count"));
            continue;
        }
        let cell = |name: &str| -> String {
            at.get(name)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let mut bad = false;
        let kind = kind_of(&cell("kind"));
        if kind.is_none() {
            errors.push(line_error(line, &header_of("kind"), "csv_kind_unknown"));
            bad = true;
        }
        for name in ["model", "serial", "inventory_no"] {
            let v = cell(name);
            if v.is_empty() {
                errors.push(line_error(line, &header_of(name), "csv_value_missing"));
                bad = true;
            } else if v.chars().count() > 100 {
                errors.push(line_error(line, &header_of(name), "csv_value_too_long"));
                bad = true;
            }
        }
        let inventory = cell("inventory_no");
        if !inventory.is_empty() {
            if let Some(first) = inventory_seen.get(&inventory) {
                errors.push(LineError {
                    line,
                    column: header_of("inventory_no"),
                    code: format!("csv_duplicate_of_line:{first}"),
                });
                bad = true;
            } else {
                inventory_seen.insert(inventory.clone(), line);
            }
        }
        let serial = cell("serial");
        if !serial.is_empty() {
            if let Some(first) = serial_seen.get(&serial) {
                errors.push(LineError {
                    line,
                    column: header_of("serial"),
                    code: format!("csv_duplicate_of_line:{first}"),
                });
                bad = true;
            } else {
                serial_seen.insert(serial.clone(), line);
            }
        }
        if let (false, Some(kind)) = (bad, kind) {
            out.push((
                line,
                DeviceInput {
                    kind,
                    model: cell("model"),
                    serial,
                    inventory_no: inventory,
                },
            ));
        }
    }
    if errors.is_empty() {
        Ok(ParsedCsv {
            devices: out,
            serial_column: header_of("serial"),
            inventory_column: header_of("inventory_no"),
        })
    } else {
        Err(errors)
    }
}

impl WorkplaceService {
    fn require_it(actor: &Actor, write: bool) -> Result<(), WorkplaceError> {
        let scope = if write {
            "workplace:write"
        } else {
            "workplace:read"
        };
        if actor.has_role_anywhere(Role::ItService) && actor.has_scope(scope) {
            Ok(())
        } else {
            Err(WorkplaceError::Forbidden)
        }
    }

    fn event(
        device: Uuid,
        event: &str,
        account: Option<Uuid>,
        by: &str,
        note: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> DeviceEventRow {
        DeviceEventRow {
            id: Uuid::now_v7(),
            device_id: device,
            event: event.to_owned(),
            account_id: account,
            by_name: by.to_owned(),
            note: note.to_owned(),
            at,
        }
    }

    /// Adds one device to the stock.
    pub async fn add_device(
        &self,
        actor: &Actor,
        input: DeviceInput,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        let mut errors = FieldErrors::new();
        for (field, v) in [
            ("model", &input.model),
            ("serial", &input.serial),
            ("inventory_no", &input.inventory_no),
        ] {
            if v.trim().is_empty() {
                errors.add(field, "workplace_value_missing");
            } else if v.trim().chars().count() > 100 {
                errors.add(field, "text_too_long");
            }
        }
        if !errors.is_empty() {
            return Err(WorkplaceError::Invalid(errors));
        }
        let (inv, ser) = self
            .store
            .taken_numbers(
                &[input.inventory_no.trim().to_owned()],
                &[input.serial.trim().to_owned()],
            )
            .await?;
        if !inv.is_empty() {
            errors.add("inventory_no", "workplace_inventory_taken");
        }
        if !ser.is_empty() {
            errors.add("serial", "workplace_serial_taken");
        }
        if !errors.is_empty() {
            return Err(WorkplaceError::Invalid(errors));
        }
        let now = self.clock.now();
        let row = DeviceRow {
            id: Uuid::now_v7(),
            kind: input.kind.as_str().to_owned(),
            model: input.model.trim().to_owned(),
            serial: input.serial.trim().to_owned(),
            inventory_no: input.inventory_no.trim().to_owned(),
            state: DeviceState::InStock.as_str().to_owned(),
            holder_id: None,
            acknowledged_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.db().begin().await?;
        if !self.store.insert_device(&mut tx, &row).await? {
            return Err(invalid("inventory_no", "workplace_inventory_taken"));
        }
        self.store
            .insert_device_event(
                &mut tx,
                &Self::event(row.id, "added", None, &actor.name, "", now),
            )
            .await?;
        self.audit(&mut tx, actor, "device.added", vec![row.id.to_string()])
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Imports the initial stock from CSV: every line checked (kind,
    /// values, numbers unique in the file and in the inventory), and
    /// nothing stored unless every line is good.
    pub async fn import_devices(
        &self,
        actor: &Actor,
        bytes: &[u8],
    ) -> Result<usize, WorkplaceError> {
        Self::require_it(actor, true)?;
        if bytes.len() > MAX_CSV {
            return Err(WorkplaceError::Import(vec![LineError {
                line: 0,
                column: String::new(),
                code: "csv_too_large".into(),
            }]));
        }
        let parsed = parse_csv(bytes).map_err(WorkplaceError::Import)?;
        let devices = parsed.devices;
        if devices.is_empty() {
            return Err(WorkplaceError::Import(vec![LineError {
                line: 2,
                column: String::new(),
                code: "csv_empty".into(),
            }]));
        }
        let inventory: Vec<String> = devices
            .iter()
            .map(|(_, d)| d.inventory_no.clone())
            .collect();
        let serials: Vec<String> = devices.iter().map(|(_, d)| d.serial.clone()).collect();
        let (inv, ser) = self.store.taken_numbers(&inventory, &serials).await?;
        let mut errors = Vec::new();
        for (line, d) in &devices {
            if inv.contains(&d.inventory_no) {
                errors.push(LineError {
                    line: *line,
                    column: parsed.inventory_column.clone(),
                    code: "workplace_inventory_taken".into(),
                });
            }
            if ser.contains(&d.serial) {
                errors.push(LineError {
                    line: *line,
                    column: parsed.serial_column.clone(),
                    code: "workplace_serial_taken".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(WorkplaceError::Import(errors));
        }
        let now = self.clock.now();
        let mut tx = self.store.db().begin().await?;
        for (line, d) in &devices {
            let row = DeviceRow {
                id: Uuid::now_v7(),
                kind: d.kind.as_str().to_owned(),
                model: d.model.clone(),
                serial: d.serial.clone(),
                inventory_no: d.inventory_no.clone(),
                state: DeviceState::InStock.as_str().to_owned(),
                holder_id: None,
                acknowledged_at: None,
                created_at: now,
                updated_at: now,
            };
            // A number taken meanwhile (another import): nothing lands.
            if !self.store.insert_device(&mut tx, &row).await? {
                return Err(WorkplaceError::Import(vec![LineError {
                    line: *line,
                    column: parsed.inventory_column.clone(),
                    code: "workplace_inventory_taken".into(),
                }]));
            }
            self.store
                .insert_device_event(
                    &mut tx,
                    &Self::event(row.id, "imported", None, &actor.name, "", now),
                )
                .await?;
        }
        self.audit(
            &mut tx,
            actor,
            "device.imported",
            vec![devices.len().to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(devices.len())
    }

    /// Devices (IT), filtered by kind, state and a search for inventory
    /// number, serial or model.
    pub async fn devices(
        &self,
        actor: &Actor,
        kind: Option<DeviceKind>,
        state: Option<DeviceState>,
        search: &str,
    ) -> Result<Vec<DeviceRow>, WorkplaceError> {
        Self::require_it(actor, false)?;
        Ok(self
            .store
            .devices(
                kind.map(DeviceKind::as_str),
                state.map(DeviceState::as_str),
                search.trim(),
                200,
            )
            .await?)
    }

    /// A device by its inventory number (IT).
    pub async fn device_by_number(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Option<DeviceRow>, WorkplaceError> {
        Self::require_it(actor, false)?;
        if number.is_empty() {
            return Ok(None);
        }
        Ok(self
            .store
            .devices(None, None, number, 5)
            .await?
            .into_iter()
            .find(|d| d.inventory_no == number))
    }

    /// The counts IT plans with.
    pub async fn inventory(&self, actor: &Actor) -> Result<Inventory, WorkplaceError> {
        Self::require_it(actor, false)?;
        let vpn_active = self.store.vpn_holders_on(self.today()).await?.len();
        Ok(Inventory {
            counts: self.store.device_counts().await?,
            vpn_active: i64::try_from(vpn_active).unwrap_or(i64::MAX),
        })
    }

    /// One device with its history (IT, or its holder).
    pub async fn device(&self, actor: &Actor, id: Uuid) -> Result<DeviceView, WorkplaceError> {
        let device = self
            .store
            .device(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        let holder = device.holder_id.map(AccountId);
        let is_holder = holder.is_some() && holder == actor.account;
        if !is_holder {
            Self::require_it(actor, false)?;
        }
        let holder_name = match holder {
            Some(h) => Some(self.account(h).await?.display_name),
            None => None,
        };
        Ok(DeviceView {
            events: self.store.device_events(id).await?,
            device,
            holder_name,
        })
    }

    /// A person's devices and the history of devices they had.
    pub async fn devices_of(
        &self,
        actor: &Actor,
        person: AccountId,
    ) -> Result<(Vec<DeviceRow>, Vec<DeviceEventRow>), WorkplaceError> {
        self.require_sees_person(actor, person).await?;
        Ok((
            self.store.devices_of(person.0).await?,
            self.store.device_events_of(person.0).await?,
        ))
    }

    async fn move_device(
        &self,
        actor: &Actor,
        id: Uuid,
        from: &[DeviceState],
        change: impl FnOnce(&mut DeviceRow),
        event: &str,
        note: &str,
    ) -> Result<DeviceRow, WorkplaceError> {
        let mut d = self
            .store
            .device(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        let state = DeviceState::parse(&d.state);
        if !state.is_some_and(|s| from.contains(&s)) {
            return Err(WorkplaceError::Conflict(format!(
                "workplace_device_is_{}",
                d.state
            )));
        }
        let before = d.state.clone();
        let holder_before = d.holder_id;
        let now = self.clock.now();
        change(&mut d);
        d.updated_at = now;
        let address = match (event, d.holder_id) {
            ("issued", Some(p)) => Some(self.account(AccountId(p)).await?.email),
            _ => None,
        };
        let mut tx = self.store.db().begin().await?;
        if !self.store.update_device(&mut tx, &d, &before).await? {
            return Err(WorkplaceError::Conflict(
                "workplace_changed_meanwhile".into(),
            ));
        }
        let person = d.holder_id.or(holder_before);
        self.store
            .insert_device_event(
                &mut tx,
                &Self::event(d.id, event, person, &actor.name, note, now),
            )
            .await?;
        if let Some(address) = address {
            self.mail_in(
                &mut tx,
                &address,
                "Mobiles Arbeiten: Gerät ausgegeben",
                &format!(
                    "Der IT-Service hat Ihnen ein Gerät ausgegeben: {} (Inventarnummer {}). Bitte bestätigen Sie den Empfang unter „Mobiles Arbeiten“.",
                    d.model, d.inventory_no
                ),
            )
            .await?;
        }
        self.audit(
            &mut tx,
            actor,
            &format!("device.{event}"),
            vec![d.id.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(d)
    }

    /// IT issues a device in stock to an active staff member, who then
    /// confirms receipt.
    pub async fn issue_device(
        &self,
        actor: &Actor,
        id: Uuid,
        person: AccountId,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        let account = self.account(person).await.map_err(|e| match e {
            WorkplaceError::NotFound => invalid("account_id", "workplace_person_unknown"),
            other => other,
        })?;
        if account.kind != identity::domain::AccountKind::Staff
            || account.status != identity::domain::AccountStatus::Active
        {
            return Err(invalid("account_id", "workplace_person_unknown"));
        }
        self.move_device(
            actor,
            id,
            &[DeviceState::InStock],
            |d| {
                d.state = DeviceState::Issued.as_str().to_owned();
                d.holder_id = Some(person.0);
                d.acknowledged_at = None;
            },
            "issued",
            &account.display_name,
        )
        .await
    }

    /// The holder confirms receipt of an issued device.
    pub async fn acknowledge_device(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<DeviceRow, WorkplaceError> {
        let me = Self::staff_account(actor)?;
        let d = self
            .store
            .device(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        if d.holder_id != Some(me.0) {
            return Err(WorkplaceError::Forbidden);
        }
        if d.acknowledged_at.is_some() {
            return Err(WorkplaceError::Conflict(
                "workplace_acknowledged_already".into(),
            ));
        }
        let now = self.clock.now();
        self.move_device(
            actor,
            id,
            &[DeviceState::Issued],
            |d| d.acknowledged_at = Some(now),
            "acknowledged",
            "",
        )
        .await
    }

    /// IT takes a device back into stock.
    pub async fn return_device(
        &self,
        actor: &Actor,
        id: Uuid,
        note: &str,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        self.move_device(
            actor,
            id,
            &[DeviceState::Issued],
            |d| {
                d.state = DeviceState::InStock.as_str().to_owned();
                d.holder_id = None;
                d.acknowledged_at = None;
            },
            "returned",
            note.trim(),
        )
        .await
    }

    /// IT sends a device to repair (from stock or from its holder).
    pub async fn repair_device(
        &self,
        actor: &Actor,
        id: Uuid,
        note: &str,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        self.move_device(
            actor,
            id,
            &[DeviceState::InStock, DeviceState::Issued],
            |d| {
                d.state = DeviceState::InRepair.as_str().to_owned();
                d.holder_id = None;
                d.acknowledged_at = None;
            },
            "repair",
            note.trim(),
        )
        .await
    }

    /// A repaired device goes back into stock.
    pub async fn repaired_device(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        self.move_device(
            actor,
            id,
            &[DeviceState::InRepair],
            |d| d.state = DeviceState::InStock.as_str().to_owned(),
            "repaired",
            "",
        )
        .await
    }

    /// A device leaves the inventory for good.
    pub async fn retire_device(
        &self,
        actor: &Actor,
        id: Uuid,
        note: &str,
    ) -> Result<DeviceRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        self.move_device(
            actor,
            id,
            &[DeviceState::InStock, DeviceState::InRepair],
            |d| d.state = DeviceState::Retired.as_str().to_owned(),
            "retired",
            note.trim(),
        )
        .await
    }

    // --- VPN ------------------------------------------------------------

    /// IT grants VPN access for a period.
    pub async fn grant_vpn(
        &self,
        actor: &Actor,
        input: VpnInput,
    ) -> Result<VpnGrantRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        let account = self.account(input.account_id).await.map_err(|e| match e {
            WorkplaceError::NotFound => invalid("account_id", "workplace_person_unknown"),
            other => other,
        })?;
        if account.kind != identity::domain::AccountKind::Staff {
            return Err(invalid("account_id", "workplace_person_unknown"));
        }
        if input.ends_on.is_some_and(|e| e < input.starts_on) {
            return Err(invalid("ends_on", "workplace_end_before_start"));
        }
        if input.ends_on.is_some_and(|e| e < self.today()) {
            return Err(invalid("ends_on", "date_not_future"));
        }
        let row = VpnGrantRow {
            id: Uuid::now_v7(),
            account_id: input.account_id.0,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            granted_by: actor.name.clone(),
            revoked_by: None,
            created_at: self.clock.now(),
        };
        let mut tx = self.store.db().begin().await?;
        self.store.insert_vpn_grant(&mut tx, &row).await?;
        self.audit(&mut tx, actor, "vpn.granted", vec![row.id.to_string()])
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// IT ends a grant today.
    pub async fn end_vpn(&self, actor: &Actor, id: Uuid) -> Result<VpnGrantRow, WorkplaceError> {
        Self::require_it(actor, true)?;
        let g = self
            .store
            .vpn_grant(id)
            .await?
            .ok_or(WorkplaceError::NotFound)?;
        let today = self.today();
        // A grant not begun yet ends before its first day.
        let last = if g.starts_on > today {
            g.starts_on.pred_opt().unwrap_or(g.starts_on)
        } else {
            today
        };
        let mut tx = self.store.db().begin().await?;
        if !self
            .store
            .end_vpn_grant(&mut tx, id, last, &actor.name)
            .await?
        {
            return Err(WorkplaceError::Conflict("workplace_grant_ended".into()));
        }
        self.audit(&mut tx, actor, "vpn.ended", vec![id.to_string()])
            .await?;
        tx.commit().await?;
        self.store
            .vpn_grant(id)
            .await?
            .ok_or(WorkplaceError::NotFound)
    }

    /// A person's grants, newest first.
    pub async fn vpn_of(
        &self,
        actor: &Actor,
        person: AccountId,
    ) -> Result<Vec<VpnGrantRow>, WorkplaceError> {
        self.require_sees_person(actor, person).await?;
        Ok(self.store.vpn_grants_of(person.0).await?)
    }

    /// IT's worklist: approved people still lacking a workstation device
    /// or VPN access.
    pub async fn to_equip(&self, actor: &Actor) -> Result<Vec<Equip>, WorkplaceError> {
        Self::require_it(actor, false)?;
        let today = self.today();
        let vpn = self.store.vpn_holders_on(today).await?;
        let holders = self.store.holders().await?;
        let mut out = Vec::new();
        for e in self
            .store
            .enrolments_by_state(EnrolmentState::Approved.as_str())
            .await?
        {
            let has_device = holders.iter().any(|(a, k, ack)| {
                *a == e.account_id && *ack && (k == "notebook" || k == "tablet")
            });
            let unacknowledged = holders.iter().any(|(a, k, ack)| {
                *a == e.account_id && !*ack && (k == "notebook" || k == "tablet")
            });
            let has_vpn = vpn.contains(&e.account_id);
            if has_device && has_vpn {
                continue;
            }
            out.push(Equip {
                account_id: e.account_id,
                name: self.account(AccountId(e.account_id)).await?.display_name,
                device: !has_device,
                unacknowledged,
                vpn: !has_vpn,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_reads_with_either_delimiter_and_german_headers() {
        let semi = "Art;Modell;Seriennummer;Inventarnummer\nNotebook;ThinkPad T14;S1;INV-1\nSmartphone;iPhone 15;S2;INV-2\n";
        let d = parse_csv(semi.as_bytes()).unwrap().devices;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, 2);
        assert_eq!(d[1].1.kind, DeviceKind::Smartphone);
        let comma = "kind,model,serial,inventory_no\ntablet,iPad,S3,INV-3\n";
        assert_eq!(
            parse_csv(comma.as_bytes()).unwrap().devices[0]
                .1
                .inventory_no,
            "INV-3"
        );
    }

    #[test]
    fn every_bad_line_is_named_with_its_column_and_reason() {
        let file = "Art;Modell;Seriennummer;Inventarnummer\n\
                    Notebook;ThinkPad;S1;INV-1\n\
                    Toaster;X;S2;INV-2\n\
                    Notebook;;S3;INV-3\n\
                    Notebook;ThinkPad;S4;INV-1\n\
                    Notebook;ThinkPad;S5\n";
        let errors = parse_csv(file.as_bytes()).unwrap_err();
        let seen: Vec<(u64, &str, &str)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (3, "art", "csv_kind_unknown"),
                (4, "modell", "csv_value_missing"),
                (5, "inventarnummer", "csv_duplicate_of_line:2"),
                (6, "", "csv_field_count"),
            ]
        );
    }

    #[test]
    fn a_missing_column_and_bytes_that_are_not_utf8_are_reported() {
        let errors = parse_csv(b"Art;Modell;Seriennummer\nNotebook;X;S1\n").unwrap_err();
        assert_eq!(errors[0].code, "csv_column_missing");
        assert_eq!(errors[0].column, "inventarnummer");
        let errors = parse_csv(b"Art;Modell;Seriennummer;Inventarnummer\nNotebook;X\xff;S1;I1\n")
            .unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].code.as_str()),
            (2, "csv_not_utf8")
        );
    }
}
