//! The `rathaus` command line: serve (with the demo city), migrate, print
//! the default configuration, manage users, verify the access log.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use identity::domain::AccountKind;
use identity::service::NewAccount;
use kernel::{Actor, Role, SystemClock};
use rathaus::app::Application;
use rathaus::config::{DEFAULTS_TOML, Overrides, Settings};
use rathaus::demo;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// rathaus – the open-source digital city hall.
#[derive(Parser)]
#[command(name = "rathaus", version, about)]
struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [env: RATHAUS_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Data directory [env: RATHAUS_DATA_DIR] [default: ./rathaus-data].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…) [env: RATHAUS_DATABASE_URL].
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum DocumentsCommand {
    /// Rebuilds the document index from the kept texts (no file is parsed
    /// again).
    Reindex,
}

#[derive(Subcommand)]
enum WorkplaceCommand {
    /// Generates and publishes a presence plan for every generated team
    /// (benchmark W9), then checks each again; fails when one breaks a
    /// hard rule.
    PlanAll {
        /// First day (a Monday).
        #[arg(long)]
        start: chrono::NaiveDate,
        /// Weeks.
        #[arg(long, default_value_t = 4)]
        weeks: u32,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP.
    Serve {
        /// Fill an empty data directory with the demo city Musterstadt first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The access log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Form definitions.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// The service catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Creates the demo city Musterstadt in the data directory and exits
    /// (what `serve --demo` does before it serves).
    Demo {
        /// Also generate this many cases with a document of about 2 KB of
        /// German text each (benchmarks: 1000000); the document index is
        /// rebuilt afterwards.
        #[arg(long, default_value_t = 0)]
        cases: usize,
        /// Also generate this many staff in teams of ten for mobile work
        /// (benchmark W9: 15000, i.e. 1 500 teams), enrolled, equipped,
        /// with consultation hours and rotation cohorts.
        #[arg(long, default_value_t = 0)]
        mobile_staff: usize,
        /// Seed of the generator (the same seed makes the same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Mobile work.
    Workplace {
        #[command(subcommand)]
        command: WorkplaceCommand,
    },
    /// The full-text index of the E-Akte's documents.
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
    /// API tokens for integrations.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Payments of fees.
    Payments {
        #[command(subcommand)]
        command: PaymentsCommand,
    },
}

#[derive(Subcommand)]
enum PaymentsCommand {
    /// Read a camt.053 bank statement (001.02 or 001.08) and match its
    /// credits with the fee claims by Kassenzeichen and amount; what does
    /// not match is listed for the treasury staff (/arbeit/kasse). The
    /// same file a second time books nothing.
    Import {
        /// The statement (XML).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates a token and prints it once (only its hash is stored).
    Create {
        /// Name of the integration, e.g. "Antragsportal des Landes".
        #[arg(long)]
        name: String,
        /// A scope, repeatable: accounts:read, accounts:write, org:read,
        /// org:write, catalogue:write, submissions:write, submissions:read,
        /// cases:read, cases:write, payments:read, payments:write,
        /// records:disposal (an archive system posting its xdomea answers,
        /// with `--for` a records-office account), rooms:read, rooms:write
        /// (team rooms as the `--for` account), surveys:read, surveys:write
        /// (staff surveys as the `--for` account).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The staff account whose roles the token acts with (e.g. a clerk
        /// for a Fachverfahren working cases); none: no roles.
        #[arg(long = "for")]
        account: Option<String>,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Read a FIM XDatenfelder 2 or 3 file and print the form definition
    /// (JSON); what does not map is reported on stderr.
    ImportFim {
        /// The XDatenfelder XML file.
        file: PathBuf,
        /// Write the definition here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Store it as the draft form version of this catalogue service
        /// (its short name), replacing a draft there is.
        #[arg(long, value_name = "SLUG")]
        service: Option<String>,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Import a catalogue file (rathaus-catalogue/1): all or nothing.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
    /// Print the catalogue as JSON.
    Export,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the documented default configuration.
    Defaults,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain and its signed checkpoints.
    Verify,
    /// Delete entries of closed segments older than the retention period;
    /// the rest of the chain still verifies.
    Prune {
        /// Keep entries of the last DAYS days [default: audit.retention_days].
        #[arg(long)]
        older_than_days: Option<i64>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints a generated password unless one is given.
    Create(CreateUser),
    /// List accounts.
    List,
    /// Set a new password; prints a generated one unless given.
    ResetPassword {
        /// E-mail address of the account.
        #[arg(long)]
        email: String,
        /// New password (at least 10 characters) [env: RATHAUS_NEW_PASSWORD].
        #[arg(long, env = "RATHAUS_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable {
        /// E-mail address of the account.
        #[arg(long)]
        email: String,
    },
}

#[derive(Args)]
struct CreateUser {
    /// E-mail address (login name).
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// `staff` or `citizen`.
    #[arg(long, default_value = "staff")]
    kind: String,
    /// Code of the home org unit (staff), e.g. 33.
    #[arg(long)]
    org_unit: Option<String>,
    /// Roles in the home unit (repeatable): clerk, manager, records_office,
    /// hr, staff_council, data_protection_officer, admin.
    #[arg(long = "role")]
    roles: Vec<String>,
    /// Password (at least 10 characters) [env: RATHAUS_NEW_PASSWORD].
    #[arg(long, env = "RATHAUS_NEW_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..20)
        .map(|_| {
            let i = usize::from(rand::random::<u8>()) % ALPHABET.len();
            char::from(ALPHABET.get(i).copied().unwrap_or(b'x'))
        })
        .collect()
}

/// `rathaus forms import-fim`: needs no database, only the file.
fn import_fim(file: &std::path::Path, out: Option<&std::path::Path>) -> ExitCode {
    let xml = match std::fs::read_to_string(file) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("rathaus: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let imported = match forms::fim::import(&xml) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("rathaus: {} refused: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    for line in &imported.report {
        eprintln!("not mapped: {line}");
    }
    let problems = forms::check_definition(&imported.definition);
    for p in &problems.0 {
        eprintln!("to fix before publishing: {} ({})", p.field, p.code);
    }
    let json = serde_json::to_string_pretty(&imported.definition).unwrap_or_default();
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, json + "\n") {
                eprintln!("rathaus: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("Form definition written to {}", path.display());
        }
        None => println!("{json}"),
    }
    ExitCode::SUCCESS
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RATHAUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Forms {
        command:
            FormsCommand::ImportFim {
                file,
                out,
                service: None,
            },
    } = &cli.command
    {
        return import_fim(file, out.as_deref());
    }
    if let Command::Config {
        command: ConfigCommand::Defaults,
    } = cli.command
    {
        print!("{DEFAULTS_TOML}");
        return ExitCode::SUCCESS;
    }
    let overrides = Overrides {
        listen: cli.listen.clone(),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
    };
    let settings = match Settings::load(cli.config.as_deref(), &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rathaus: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rathaus: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, settings, overrides)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rathaus: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, settings: Settings, overrides: Overrides) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config { .. } => Ok(ExitCode::SUCCESS),
        Command::Forms {
            command: FormsCommand::ImportFim { file, service, .. },
        } => {
            let slug = service.unwrap_or_default();
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let imported = match forms::fim::import(&xml) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("rathaus: {} refused: {e}", file.display());
                    return Ok(ExitCode::from(2));
                }
            };
            for line in &imported.report {
                eprintln!("not mapped: {line}");
            }
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let system = Actor::system("cli");
            let Some(service) = app.catalogue.id_by_slug(&slug).await? else {
                eprintln!("rathaus: there is no catalogue service {slug:?}");
                return Ok(ExitCode::from(2));
            };
            let versions = app.forms.versions(&system, service).await?;
            let stored = match versions
                .iter()
                .find(|v| v.status == forms::store::VersionStatus::Draft)
            {
                Some(d) => {
                    app.forms
                        .update_draft(&system, d.id, imported.definition)
                        .await?
                }
                None => {
                    app.forms
                        .create_draft(&system, service, imported.definition)
                        .await?
                }
            };
            app.log.flush().await?;
            println!(
                "Stored as draft version {} of {slug}; review and publish it at /arbeit/admin/leistungen/{service}/formular",
                stored.number
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let db = storage::Db::connect(&settings.database_url()).await?;
            db.migrate().await?;
            println!("Migrations applied ({:?}).", db.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            cases,
            mobile_staff,
            seed,
        } => {
            seed_demo(&settings).await?;
            if mobile_staff > 0 {
                let app = Application::build(settings.clone(), Arc::new(SystemClock)).await?;
                let started = std::time::Instant::now();
                let (made, teams) = rathaus::bulk_staff::generate(&app, mobile_staff, seed).await?;
                println!(
                    "Generated {made} staff in {teams} teams in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            if cases > 0 {
                let app = Application::build(settings.clone(), Arc::new(SystemClock)).await?;
                let started = std::time::Instant::now();
                let made = rathaus::bulk::generate(&app, cases, seed).await?;
                let generated = started.elapsed();
                let indexed = app.records.reindex_documents().await?;
                println!(
                    "Generated {made} cases in {:.1} s; indexed {indexed} documents in {:.1} s.",
                    generated.as_secs_f64(),
                    (started.elapsed() - generated).as_secs_f64()
                );
            }
            println!(
                "Demo city {} is ready in {}.",
                settings.city_name,
                settings.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Workplace {
            command: WorkplaceCommand::PlanAll { start, weeks },
        } => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let started = std::time::Instant::now();
            let (teams, people, broken) = rathaus::bulk_staff::plan_all(&app, start, weeks).await?;
            let elapsed = started.elapsed().as_secs_f64();
            println!(
                "Planned and published {weeks} weeks for {people} people in {teams} teams in {elapsed:.2} s; plans breaking a hard rule: {broken}."
            );
            app.log.flush().await?;
            Ok(if broken == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Documents {
            command: DocumentsCommand::Reindex,
        } => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let started = std::time::Instant::now();
            let n = app.records.reindex_documents().await?;
            println!(
                "Indexed {n} documents in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    name,
                    scopes,
                    account,
                },
        } => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let mut cli = Actor::system("cli");
            if let Some(email) = account {
                // The operator binds the token to an account: it acts with
                // that account's roles.
                let Some(id) = app.identity.account_id_by_email(&email).await? else {
                    eprintln!("No account with the e-mail address {email}.");
                    return Ok(ExitCode::from(2));
                };
                cli.account = Some(id);
            }
            let created = app.identity.create_api_token(&cli, &name, &scopes).await;
            app.log.flush().await?;
            match created {
                Ok((_, token)) => {
                    println!("{token}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(identity::IdentityError::Invalid(errors)) => {
                    eprintln!(
                        "Cannot create the token: {}. Name it and give known scopes.",
                        errors
                            .0
                            .iter()
                            .map(|e| format!("{} ({})", e.field, e.code))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Serve { demo: with_demo } => {
            let mut settings = settings;
            if with_demo {
                seed_demo(&settings).await?;
                // The demo writes its own config file into the data dir.
                settings = Settings::load(cli.config.as_deref(), &overrides)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let app = Application::build(settings.clone(), Arc::new(SystemClock)).await?;
            let listener = tokio::net::TcpListener::bind(&settings.listen)
                .await
                .with_context(|| format!("cannot listen on {}", settings.listen))?;
            let addr = listener.local_addr()?;
            println!(
                "rathaus {} serves {} on http://{addr}",
                env!("CARGO_PKG_VERSION"),
                settings.city_name
            );
            println!("  citizen portal: http://{addr}/   staff workplace: http://{addr}/arbeit");
            if with_demo {
                println!("Demo logins (password for all: {}):", demo::DEMO_PASSWORD);
                for l in demo::logins() {
                    println!("  {:<42} {:<8} {}", l.email, l.area, l.what);
                }
                if !settings.identity.staff_totp_required {
                    println!(
                        "  Staff log in without a second factor in the demo (see {}/rathaus.toml).",
                        settings.data_dir.display()
                    );
                }
                println!(
                    "  E-mails are written to {}/mail/",
                    settings.data_dir.display()
                );
            }
            if settings.signing.seal == "test" {
                println!(
                    "Notices are sealed with a TEST seal from a test CA in {}/keys: it is NOT qualified (set [signing] seal = \"p12\" with the authority's seal certificate).",
                    settings.data_dir.display()
                );
            }
            app.serve(listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Payments {
            command: PaymentsCommand::Import { file },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let code = match app
                .cases
                .import_statement(&Actor::system("cli"), &bytes)
                .await
            {
                Ok(r) => {
                    print_import(&r);
                    ExitCode::SUCCESS
                }
                Err(cases::CasesError::Camt(e)) => {
                    eprintln!("rathaus: {} refused, nothing booked: {e}", file.display());
                    ExitCode::from(2)
                }
                Err(e) => return Err(e.into()),
            };
            app.log.flush().await?;
            Ok(code)
        }
        Command::Catalogue { command } => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let system = Actor::system("cli");
            let code = match command {
                CatalogueCommand::Export => {
                    let file = app.catalogue.export(&system).await?;
                    println!("{}", serde_json::to_string_pretty(&file)?);
                    ExitCode::SUCCESS
                }
                CatalogueCommand::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let parsed: catalogue::CatalogueFile = match serde_json::from_str(&text) {
                        Ok(f) => f,
                        Err(e) => {
                            eprintln!("{}: not a catalogue file: {e}", file.display());
                            return Ok(ExitCode::from(2));
                        }
                    };
                    match app.catalogue.import(&system, parsed).await {
                        Ok(r) => {
                            println!(
                                "Imported: {} services created, {} updated, {} life situations, {} contacts. The search index is rebuilt by the running server.",
                                r.created, r.updated, r.life_situations, r.contacts
                            );
                            ExitCode::SUCCESS
                        }
                        Err(catalogue::CatalogueError::Invalid(errors)) => {
                            for e in errors.0 {
                                eprintln!("invalid {}: {}", e.field, e.code);
                            }
                            ExitCode::from(2)
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            app.log.flush().await?;
            Ok(code)
        }
        Command::User { command } => {
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let code = user_command(&app, command).await;
            app.log.flush().await?;
            code
        }
        Command::Audit {
            command: AuditCommand::Prune { older_than_days },
        } => {
            let days = older_than_days.unwrap_or(settings.audit.retention_days);
            if days < 0 {
                anyhow::bail!("--older-than-days must not be negative");
            }
            let app = Application::build(settings, Arc::new(SystemClock)).await?;
            let before = chrono::Utc::now() - chrono::Duration::days(days);
            let deleted = app.log.prune(before).await?;
            println!(
                "Deleted {deleted} access log entries older than {days} days (whole segments only)."
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let db = storage::Db::connect(&settings.database_url()).await?;
            let key = storage::audit::AuditKey::load_or_create(
                &settings.data_dir.join("keys").join("audit-checkpoint.key"),
            )?;
            let report = storage::audit::verify_with_key(&db, &key).await?;
            match report.broken {
                None => {
                    println!(
                        "OK: {} entries and {} signed checkpoints verified ({} not yet chained).",
                        report.entries, report.checkpoints, report.pending
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "BROKEN: first broken entry is chain position {}{}: {}",
                        b.seq,
                        b.row_id
                            .map(|r| format!(" (row id {r})"))
                            .unwrap_or_default(),
                        b.reason
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

async fn user_command(app: &Application, command: UserCommand) -> anyhow::Result<ExitCode> {
    let system = Actor::system("cli");
    let svc = &app.identity;
    match command {
        UserCommand::Create(c) => {
            let kind = AccountKind::parse(&c.kind).context("--kind must be staff or citizen")?;
            let mut units = svc.org_units(&system).await?;
            if units.is_empty() && kind == AccountKind::Staff {
                // The first staff account of a new installation: it needs
                // the root of the org tree to hold its roles.
                let root = svc
                    .create_org_unit(
                        &system,
                        None,
                        "0",
                        &format!("Stadtverwaltung {}", app.settings.city_name),
                    )
                    .await?;
                println!("Created the root org unit {} ({})", root.name, root.code);
                units.push(root);
            }
            let org_unit = match &c.org_unit {
                Some(code) => Some(
                    units
                        .iter()
                        .find(|u| &u.code == code)
                        .map(|u| u.id)
                        .with_context(|| format!("no org unit with code {code}"))?,
                ),
                None if kind == AccountKind::Staff => {
                    units.iter().find(|u| u.parent.is_none()).map(|u| u.id)
                }
                None => None,
            };
            let roles = c
                .roles
                .iter()
                .map(|r| Role::parse(r).with_context(|| format!("unknown role {r}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (password, generated) = match c.password {
                Some(p) => (p, false),
                None => (generated_password(), true),
            };
            match svc
                .create_account(
                    &system,
                    NewAccount {
                        kind: Some(kind),
                        email: c.email,
                        display_name: c.name,
                        password: password.clone(),
                        org_unit,
                        roles,
                    },
                )
                .await
            {
                Ok(a) => {
                    println!("Created {} {} ({})", a.kind.as_str(), a.email, a.id);
                    if generated {
                        println!("Password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(identity::IdentityError::Invalid(errors)) => {
                    for e in errors.0 {
                        eprintln!("invalid {}: {}", e.field, e.code);
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        UserCommand::List => {
            for a in svc.list_accounts(&system, None, 500, 0).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.kind.as_str(),
                    a.status.as_str(),
                    a.email,
                    a.display_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::ResetPassword { email, password } => {
            let id = svc
                .account_id_by_email(&email)
                .await?
                .with_context(|| format!("no account {email}"))?;
            let (password, generated) = match password {
                Some(p) => (p, false),
                None => (generated_password(), true),
            };
            match svc.set_password(&system, id, &password).await {
                Ok(()) => {
                    println!("Password of {email} set; its sessions were ended.");
                    if generated {
                        println!("Password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(identity::IdentityError::Invalid(_)) => {
                    eprintln!("the password must have at least 10 characters");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        UserCommand::Disable { email } => {
            let id = svc
                .account_id_by_email(&email)
                .await?
                .with_context(|| format!("no account {email}"))?;
            svc.disable_account(&system, id).await?;
            println!("{email} disabled; its sessions were ended.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Seeds the demo city (accounts, catalogue, forms) when it is not there.
async fn seed_demo(settings: &Settings) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let app = Application::build(settings.clone(), Arc::new(SystemClock)).await?;
    if demo::seed(&app.identity, &settings.data_dir).await? {
        tracing::info!("demo city Musterstadt created");
    }
    if demo::seed_catalogue(&app.catalogue).await? {
        tracing::info!("demo service catalogue imported");
    }
    let forms = demo::seed_forms(&app.forms, &app.catalogue).await?;
    if forms > 0 {
        tracing::info!(forms, "demo forms published");
    }
    if demo::seed_workplace(&app.workplace, &app.identity).await? {
        tracing::info!("demo mobile work set up");
    }
    if demo::seed_rooms(&app.rooms, &app.identity).await? {
        tracing::info!("demo team rooms set up");
    }
    if demo::seed_records(&app.records).await? {
        tracing::info!("demo file plan imported");
        let types = demo::seed_case_types(&app.cases, &app.catalogue, &app.identity).await?;
        tracing::info!(types, "demo case types defined");
    }
    app.log.flush().await?;
    Ok(())
}

/// Prints what a statement import did.
fn print_import(r: &cases::fees::service::ImportReport) {
    if let Some(at) = r.duplicate_of {
        println!(
            "This file was imported on {} UTC; nothing was booked again.",
            at.format("%Y-%m-%d %H:%M")
        );
        return;
    }
    if let Some(s) = &r.statement {
        println!("{} {} ({})", s.version, s.statements, s.accounts);
    }
    println!(
        "{} credits: {} booked, {} listed for the treasury staff; {} other entries skipped.",
        r.payments.len(),
        r.booked,
        r.listed,
        r.skipped
    );
    for p in r.payments.iter().filter(|p| p.outcome != "booked") {
        println!(
            "  {} {} {}.{:02} {} {}",
            p.outcome,
            p.booked_on,
            p.amount_cents / 100,
            p.amount_cents % 100,
            p.currency,
            p.reference.as_deref().unwrap_or("-")
        );
    }
}
