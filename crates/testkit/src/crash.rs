//! The crash-test harness: runs the real `rathaus` binary as a child
//! process on its own data directory (and database, on PostgreSQL), so a
//! test can send writes, kill it with SIGKILL while they are in flight,
//! start it again and check that everything acknowledged survived.

use crate::pg::TestDatabase;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// One rathaus instance under test.
pub struct Instance {
    bin: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    database_url: Option<String>,
    child: Option<std::process::Child>,
    /// `http://127.0.0.1:<port>` of the running process.
    pub address: String,
    _dir: tempfile::TempDir,
    _pg: Option<TestDatabase>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Instance {
    /// An instance of the binary at `bin` with a fresh data directory (and
    /// a fresh PostgreSQL database when `RATHAUS_TEST_POSTGRES_URL` is set).
    pub async fn new(bin: &Path) -> Result<Instance> {
        let dir = tempfile::tempdir()?;
        let pg = match std::env::var("RATHAUS_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => Some(TestDatabase::create(&url).await?),
            _ => None,
        };
        Ok(Instance {
            bin: bin.to_path_buf(),
            data_dir: dir.path().join("data"),
            database_url: pg.as_ref().map(|p| p.url.clone()),
            child: None,
            address: String::new(),
            _dir: dir,
            _pg: pg,
        })
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--data-dir").arg(&self.data_dir);
        if let Some(url) = &self.database_url {
            c.arg("--database-url").arg(url);
        }
        c.env_remove("RATHAUS_LISTEN")
            .env_remove("RATHAUS_DATABASE_URL")
            .env_remove("RATHAUS_DATA_DIR");
        c
    }

    /// The database URL the instance uses.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("rathaus.db").display()))
    }

    /// Runs a CLI command against this instance's data (e.g. `user list`).
    pub fn cli(&self, args: &[&str]) -> Result<Output> {
        Ok(self.command().args(args).output()?)
    }

    /// Runs a CLI command with extra environment variables.
    pub fn cli_env(&self, args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
        let mut c = self.command();
        for (k, v) in env {
            c.env(k, v);
        }
        Ok(c.args(args).output()?)
    }

    /// Starts `rathaus serve` and waits until `/readyz` answers.
    pub async fn start(&mut self, extra_env: &[(&str, &str)]) -> Result<()> {
        let port = free_port()?;
        self.address = format!("http://127.0.0.1:{port}");
        let mut cmd = self.command();
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("RATHAUS_PUBLIC_URL", &self.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().context("cannot start rathaus")?);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.address)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("rathaus exited during start-up: {status}");
            }
            if Instant::now() > deadline {
                bail!("rathaus did not become ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the process with SIGKILL (no shutdown code runs) and reaps it.
    pub fn kill9(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id())?);
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL)?;
            child.wait()?;
        }
        Ok(())
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.kill9();
    }
}
