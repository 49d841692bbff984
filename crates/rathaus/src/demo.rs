//! The demo city "Musterstadt": org units, staff with every role and a few
//! citizens, seeded into an empty database by `rathaus serve --demo`.

use crate::config::DATA_DIR_CONFIG;
use chrono::Datelike;
use identity::IdentityService;
use identity::domain::AccountKind;
use identity::service::NewAccount;
use kernel::{Actor, OrgUnitId, Role};
use std::path::Path;

/// Password of every demo account (printed at start-up; demo only).
pub const DEMO_PASSWORD: &str = "Demo-Passwort-2026";

/// One demo login to print.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// E-mail.
    pub email: &'static str,
    /// What the account is for.
    pub what: &'static str,
    /// Where to log in.
    pub area: &'static str,
}

const UNITS: [(&str, &str, &str); 17] = [
    ("10", "0", "Haupt- und Personalamt"),
    ("11", "10", "Personalamt"),
    ("13", "0", "Registratur und Archiv"),
    ("20", "0", "Kämmerei"),
    ("32", "0", "Ordnungsamt"),
    ("33", "0", "Bürgeramt"),
    ("33.1", "33", "Meldewesen"),
    ("34", "0", "Standesamt"),
    ("37", "0", "Feuerwehr"),
    ("50", "0", "Sozialamt"),
    ("51", "0", "Jugendamt"),
    ("53", "0", "Gesundheitsamt"),
    ("63", "0", "Bauamt"),
    ("66", "0", "Tiefbauamt"),
    ("67", "0", "Grünflächenamt"),
    ("70", "0", "Abfallwirtschaft"),
    ("PR", "0", "Personalrat"),
];

/// The demo service catalogue (exchange format).
pub const CATALOGUE: &str = include_str!("../../catalogue/demo/musterstadt.json");

const STAFF: [(&str, &str, &str, &[Role], &str); 17] = [
    (
        "admin@musterstadt.example",
        "Alex Admin",
        "0",
        &[Role::Admin, Role::DataProtectionOfficer],
        "Administration, Datenschutz",
    ),
    (
        "sachbearbeitung@musterstadt.example",
        "Sam Sachbearbeiter",
        "33",
        &[Role::Clerk],
        "Sachbearbeitung Bürgeramt",
    ),
    (
        "leitung.buergeramt@musterstadt.example",
        "Lea Leitung",
        "33",
        &[Role::Manager, Role::Clerk],
        "Führungskraft Bürgeramt",
    ),
    (
        "stv.leitung.buergeramt@musterstadt.example",
        "Stefan Stellvertreter",
        "33",
        &[Role::Clerk],
        "Stellvertretende Leitung Bürgeramt (zeichnet i. V., wenn Lea Leitung abwesend ist)",
    ),
    (
        "ordnungsamt@musterstadt.example",
        "Olaf Ordnung",
        "32",
        &[Role::Clerk],
        "Sachbearbeitung Ordnungsamt",
    ),
    (
        "bauamt@musterstadt.example",
        "Bettina Bau",
        "63",
        &[Role::Clerk, Role::Manager],
        "Bauamt",
    ),
    (
        "registratur@musterstadt.example",
        "Rita Registratur",
        "13",
        &[Role::RecordsOffice],
        "Registratur",
    ),
    (
        "personal@musterstadt.example",
        "Paul Personal",
        "11",
        &[Role::Hr],
        "Personalverwaltung",
    ),
    (
        "personalrat@musterstadt.example",
        "Petra Personalrat",
        "PR",
        &[Role::StaffCouncil],
        "Personalrat",
    ),
    (
        "kasse@musterstadt.example",
        "Karl Kasse",
        "20",
        &[Role::Treasury],
        "Stadtkasse (Zahlungen, Kontoauszüge)",
    ),
    (
        "it@musterstadt.example",
        "Ingrid IT",
        "10",
        &[Role::ItService],
        "IT-Service (Geräte, VPN)",
    ),
    (
        "leitung.meldewesen@musterstadt.example",
        "Martin Meldewesen",
        "33.1",
        &[Role::Manager, Role::Clerk],
        "Führungskraft Meldewesen (Anwesenheitsplanung)",
    ),
    (
        "mobil@musterstadt.example",
        "Mia Mobil",
        "33.1",
        &[Role::Clerk],
        "Sachbearbeitung Meldewesen (beantragt mobiles Arbeiten)",
    ),
    (
        "nora.neumann@musterstadt.example",
        "Nora Neumann",
        "33.1",
        &[Role::Clerk],
        "Sachbearbeitung Meldewesen",
    ),
    (
        "omar.oezdemir@musterstadt.example",
        "Omar Özdemir",
        "33.1",
        &[Role::Clerk],
        "Sachbearbeitung Meldewesen",
    ),
    (
        "paula.petersen@musterstadt.example",
        "Paula Petersen",
        "33.1",
        &[Role::Clerk],
        "Sachbearbeitung Meldewesen",
    ),
    (
        "feuerwehr@musterstadt.example",
        "Frank Feuerwehr",
        "37",
        &[Role::Clerk],
        "Feuerwehr (nach der Dienstvereinbarung nur Dienstplanung mobil)",
    ),
];

const CITIZENS: [(&str, &str); 3] = [
    ("erika.mustermann@example.org", "Erika Mustermann"),
    ("max.mustermann@example.org", "Max Mustermann"),
    ("aylin.yilmaz@example.org", "Aylin Yılmaz"),
];

/// The logins the demo prints.
pub fn logins() -> Vec<DemoLogin> {
    let mut out: Vec<DemoLogin> = STAFF
        .iter()
        .map(|(email, _, _, _, what)| DemoLogin {
            email,
            what,
            area: "/arbeit",
        })
        .collect();
    out.extend(CITIZENS.iter().map(|(email, _)| DemoLogin {
        email,
        what: "Bürger*in",
        area: "/",
    }));
    out
}

/// Seeds the demo catalogue when it is empty; returns whether it did.
pub async fn seed_catalogue(svc: &catalogue::CatalogueService) -> anyhow::Result<bool> {
    if !svc.is_empty().await? {
        return Ok(false);
    }
    let file: catalogue::CatalogueFile = serde_json::from_str(CATALOGUE)?;
    svc.import(&Actor::system("demo"), file)
        .await
        .map_err(|e| match e {
            catalogue::CatalogueError::Invalid(errors) => {
                anyhow::anyhow!("demo catalogue invalid: {:?}", errors.0)
            }
            other => other.into(),
        })?;
    Ok(true)
}

/// Publishes the demo forms for services that have none yet; returns how
/// many it published.
pub async fn seed_forms(
    forms: &forms::service::FormsService,
    catalogue: &catalogue::CatalogueService,
) -> anyhow::Result<usize> {
    let system = Actor::system("demo");
    let mut published = 0;
    for (slug, json) in forms::demo::DEMO_FORMS {
        let Some(service) = catalogue.id_by_slug(slug).await? else {
            continue;
        };
        if forms.published(service).await?.is_some() {
            continue;
        }
        let def: forms::FormDefinition = serde_json::from_str(json)?;
        let version = forms
            .create_draft(&system, service, def)
            .await
            .map_err(|e| anyhow::anyhow!("demo form {slug}: {e}"))?;
        forms
            .publish(&system, version.id)
            .await
            .map_err(|e| anyhow::anyhow!("demo form {slug}: {e}"))?;
        published += 1;
    }
    Ok(published)
}

/// Imports the demo file plan when the plan is empty; returns whether it
/// did.
pub async fn seed_records(records: &records::RecordsService) -> anyhow::Result<bool> {
    let system = Actor::system("demo");
    if !records
        .plan(&system)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .is_empty()
    {
        return Ok(false);
    }
    let plan: records::FilePlanFile = serde_json::from_str(records::domain::DEMO_PLAN)?;
    records
        .import_plan(&system, plan)
        .await
        .map_err(|e| anyhow::anyhow!("demo file plan: {e}"))?;
    Ok(true)
}

/// The file-plan code each demo service with a form files its cases under.
const CASE_FILING: [(&str, &str); 10] = [
    ("bewohnerparkausweis", "32.10"),
    ("sondernutzung-verkehrsflaechen", "32.10"),
    ("gewerbeanmeldung", "32.20"),
    ("hundesteuer-anmeldung", "32.30"),
    ("meldebescheinigung", "33.10"),
    ("wunschkennzeichen", "33.20"),
    ("kita-platz", "51.10"),
    ("baumfaellgenehmigung", "67.10"),
    ("sperrmuell-abholung", "70.10"),
    ("abfalltonne", "70.10"),
];

/// Defines a case type (standard statuses, 20 working days) for every demo
/// service with a form, received by the service's own org unit.
pub async fn seed_case_types(
    cases: &cases::CasesService,
    catalogue: &catalogue::CatalogueService,
    identity: &IdentityService,
) -> anyhow::Result<usize> {
    let system = Actor::system("demo");
    let mut defined = 0;
    for (slug, code) in CASE_FILING {
        let Some(id) = catalogue.id_by_slug(slug).await? else {
            continue;
        };
        let view = catalogue.get(&system, id).await?;
        let Some(unit) = view.service.input.org_unit else {
            continue;
        };
        let t = cases::CaseTypeInput::standard(id, &view.service.input.title, unit, code, 20);
        cases
            .define_type(&system, t)
            .await
            .map_err(|e| anyhow::anyhow!("demo case type {slug}: {e}"))?;
        defined += 1;
    }
    // The heads of the Bürgeramt and the Bauamt sign their units' notices.
    let units = identity.org_units(&system).await?;
    for (email, code) in SIGNERS {
        let (Some(account), Some(unit)) = (
            identity.account_id_by_email(email).await?,
            units.iter().find(|u| u.code == code).map(|u| u.id),
        ) else {
            continue;
        };
        cases
            .grant_authority(
                &system,
                account,
                unit,
                cases::notices::domain::Capacity::Head,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo signing authority {email}: {e}"))?;
    }
    Ok(defined)
}

/// Who signs notices in the demo: (login, unit code).
const SIGNERS: [(&str, &str); 2] = [
    ("leitung.buergeramt@musterstadt.example", "33"),
    ("bauamt@musterstadt.example", "63"),
];

/// Seeds Musterstadt when there is no account yet; returns whether it did.
/// Also writes `<data_dir>/rathaus.toml` switching the staff second factor
/// off, so a newcomer can look around at once (delete the file or set
/// `RATHAUS_IDENTITY__STAFF_TOTP_REQUIRED=true` to turn it back on).
pub async fn seed(svc: &IdentityService, data_dir: &Path) -> anyhow::Result<bool> {
    if !svc.is_empty().await? {
        return Ok(false);
    }
    let system = Actor::system("demo");
    let root = svc
        .create_org_unit(&system, None, "0", "Stadtverwaltung Musterstadt")
        .await?;
    let mut ids: Vec<(&str, OrgUnitId)> = vec![("0", root.id)];
    for (code, parent, name) in UNITS {
        let parent_id = ids.iter().find(|(c, _)| *c == parent).map(|(_, id)| *id);
        let unit = svc.create_org_unit(&system, parent_id, code, name).await?;
        ids.push((code, unit.id));
    }
    for (email, name, unit, roles, _) in STAFF {
        let org_unit = ids.iter().find(|(c, _)| *c == unit).map(|(_, id)| *id);
        svc.create_account(
            &system,
            NewAccount {
                kind: Some(AccountKind::Staff),
                email: email.into(),
                display_name: name.into(),
                password: DEMO_PASSWORD.into(),
                org_unit,
                roles: roles.to_vec(),
            },
        )
        .await?;
    }
    for (email, name) in CITIZENS {
        let account = svc
            .create_account(
                &system,
                NewAccount {
                    kind: Some(AccountKind::Citizen),
                    email: email.into(),
                    display_name: name.into(),
                    password: DEMO_PASSWORD.into(),
                    org_unit: None,
                    roles: vec![],
                },
            )
            .await?;
        if email == CITIZENS[0].0 {
            // Erika has told the city about herself before: her profile
            // shows once-only prefill in the demo.
            svc.save_profile(
                &system,
                account.id,
                identity::profile::Profile {
                    given_name: "Erika".into(),
                    family_name: "Mustermann".into(),
                    birth_date: "1964-08-12".into(),
                    street: "Heidestraße".into(),
                    house_number: "17".into(),
                    postcode: "51147".into(),
                    city: "Musterstadt".into(),
                    phone: "0221 1234567".into(),
                },
            )
            .await?;
        }
    }
    let config = data_dir.join(DATA_DIR_CONFIG);
    if !config.exists() {
        std::fs::write(
            &config,
            "# Written by `rathaus serve --demo`: the demo city lets staff log in\n# without a second factor so newcomers can look around at once.\n[identity]\nstaff_totp_required = false\n\n# A test IBAN (not a real account) so fees show bank details and a GiroCode.\n[fees]\niban = \"DE02120300000000202051\"\n",
        )?;
    }
    Ok(true)
}

/// Mobile work in the demo: the service agreement with the fire brigade
/// partly eligible, a location whose desks the Meldewesen team shares,
/// its Monday consultation hours, skills, and devices in stock.
pub async fn seed_workplace(
    svc: &workplace::WorkplaceService,
    identity: &IdentityService,
) -> anyhow::Result<bool> {
    let system = Actor::system("demo");
    let units = identity.org_units(&system).await?;
    let unit = |code: &str| units.iter().find(|u| u.code == code).map(|u| u.id);
    let (Some(melde), Some(fire)) = (unit("33.1"), unit("37")) else {
        return Ok(false);
    };
    if svc.agreements(&system).await?.len() > 1 {
        return Ok(false);
    }
    let today = svc.today();
    svc.set_agreement(
        &system,
        workplace::service::AgreementInput {
            valid_from: today.with_day(1).unwrap_or(today),
            max_mobile_percent: 40,
            core_start: "09:00".into(),
            core_end: "15:00".into(),
            notice_days: 14,
            training_months: 24,
            exclusions: vec![workplace::service::Exclusion {
                unit: fire,
                eligibility: workplace::domain::Eligibility::Partial,
                tasks: "Dienstplanung, Dokumentation".into(),
            }],
            visibility: workplace::domain::Visibility::Manager,
            plan_retention_days: 365,
            min_group: 5,
        },
    )
    .await?;
    let location = svc
        .set_location(&system, None, "Rathaus, Marktplatz 1", 40)
        .await?;
    // The manager's own steps, done by the seeder holding the role.
    let manager = Actor {
        account: None,
        name: "demo".into(),
        kind: kernel::ActorKind::Staff,
        grants: vec![kernel::RoleGrant {
            role: Role::Manager,
            org_unit: melde,
            covers: vec![melde],
        }],
    };
    svc.set_team(&manager, melde, Some(location.id), false)
        .await?;
    svc.add_slot(
        &manager,
        melde,
        1,
        "Sprechzeit 8–12 Uhr",
        "Bürgerberatung",
        1,
    )
    .await?;
    svc.add_slot(
        &manager,
        melde,
        4,
        "Sprechzeit 14–18 Uhr",
        "Bürgerberatung",
        1,
    )
    .await?;
    for email in [
        "nora.neumann@musterstadt.example",
        "omar.oezdemir@musterstadt.example",
    ] {
        if let Some(id) = identity.account_id_by_email(email).await? {
            svc.set_skill(&manager, id, "Bürgerberatung", true).await?;
        }
    }
    let it = &system;
    let mut csv = String::from("Art;Modell;Seriennummer;Inventarnummer\n");
    for i in 1..=5 {
        csv.push_str(&format!(
            "Notebook;Lenovo ThinkPad T14;PF-4{i:04};NB-{i:04}\n"
        ));
    }
    for i in 1..=3 {
        csv.push_str(&format!(
            "Smartphone;Samsung Galaxy A55;R58-{i:04};HY-{i:04}\n"
        ));
    }
    svc.import_devices(it, csv.as_bytes()).await?;
    Ok(true)
}

/// The demo's intranet news (title, Markdown), published by the admin.
const INTRANET_NEWS: [(&str, &str); 4] = [
    (
        "Arbeitsschutz am häuslichen Arbeitsplatz",
        "Auch zu Hause gilt: ein Tisch in passender Höhe, ein Stuhl, der den Rücken stützt, Tageslicht von der Seite und alle 50 Minuten eine kurze Pause.\n\n- Bildschirm eine Armlänge entfernt, Oberkante auf Augenhöhe\n- Kabel so legen, dass niemand stolpert\n- Den **Selbstcheck** auf der Seite *Mobiles Arbeiten* ausfüllen\n\nFragen beantwortet die Fachkraft für Arbeitssicherheit.",
    ),
    (
        "Datenschutz im Homeoffice",
        "Personenbezogene Daten bleiben dienstlich – auch am Küchentisch.\n\n- Unterlagen nicht offen liegen lassen; Ausdrucke nur, wenn nötig, und im Amt vernichten\n- Telefonate mit Bürgerinnen und Bürgern so führen, dass niemand mithört\n- Keine privaten Geräte und keine privaten Cloud-Dienste für dienstliche Daten\n\nDie Datenschutzbeauftragte hilft bei Fragen.",
    ),
    (
        "Informationssicherheit: VPN und Bildschirmsperre",
        "Dienstliche Anwendungen nur über den **VPN-Zugang** nutzen. Wer den Platz verlässt, sperrt den Bildschirm (**Windows + L**).\n\nUpdates installieren, wenn das Gerät sie anbietet, und verdächtige E-Mails an die IT melden, statt Anhänge zu öffnen.",
    ),
    (
        "Führen auf Distanz",
        "Vertrauen, klare Ziele und feste Zeiten füreinander: Ein kurzer Austausch am Morgen, eine Teamrunde pro Woche per Video und erreichbare Führungskräfte halten das Team zusammen, auch wenn nur die Hälfte im Haus ist.\n\nIn der Community *Führen auf Distanz* tauschen sich Führungskräfte aus.",
    ),
];

/// Team rooms in the demo: the intranet with news on safety, data
/// protection, information security and leadership at a distance, the
/// communities "Mobiles Arbeiten – Tipps" and "Führen auf Distanz", and a
/// pinned wiki page in the Meldewesen team room.
pub async fn seed_rooms(
    svc: &rooms::RoomsService,
    identity: &IdentityService,
) -> anyhow::Result<bool> {
    let actor_of = |email: &'static str| async move {
        let Some(id) = identity.account_id_by_email(email).await? else {
            return anyhow::Ok(None);
        };
        let (account, _) = identity.account(&Actor::system("demo"), id).await?;
        anyhow::Ok(Some(identity.actor_for(&account).await?))
    };
    let (Some(admin), Some(martin)) = (
        actor_of("admin@musterstadt.example").await?,
        actor_of("leitung.meldewesen@musterstadt.example").await?,
    ) else {
        return Ok(false);
    };
    let intranet = svc.intranet(&admin).await?;
    if !svc.news(&admin, intranet.id, 1).await?.is_empty() {
        return Ok(false);
    }
    for (title, body) in INTRANET_NEWS {
        svc.publish_news(
            &admin,
            intranet.id,
            rooms::wiki::PostInput {
                title: title.into(),
                body: body.into(),
            },
        )
        .await?;
    }
    for (name, description) in [
        (
            "Mobiles Arbeiten – Tipps",
            "Erfahrungen, Tricks und Fragen rund ums mobile Arbeiten",
        ),
        (
            "Führen auf Distanz",
            "Austausch für Führungskräfte mit verteilten Teams",
        ),
    ] {
        svc.create_room(
            &admin,
            rooms::service::NewRoom {
                kind: "community".into(),
                name: name.into(),
                description: description.into(),
            },
        )
        .await?;
    }
    let (mine, _) = svc.my_rooms(&martin).await?;
    if let Some(team) = mine
        .iter()
        .find(|e| e.room.kind == "team" && e.role == Some(rooms::domain::RoomRole::Owner))
    {
        svc.create_page(
            &martin,
            team.room.id,
            rooms::wiki::PageInput {
                title: "Vertretung und Erreichbarkeit".into(),
                body: "## Sprechzeiten\n\nMontags und donnerstags sind mindestens zwei Kolleginnen oder Kollegen mit dem Skill *Bürgerberatung* im Haus – das stellt der Anwesenheitsplan sicher.\n\n## Erreichbarkeit mobil\n\n- Kernzeit 9–15 Uhr über Telefon und Chat\n- Abwesenheit im Kalender eintragen\n\nSiehe auch [[Ablage im Team]].".into(),
                pinned: true,
                base_revision: None,
            },
        )
        .await?;
    }
    Ok(true)
}
