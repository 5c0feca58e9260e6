//! The machine's control socket, for `cloister ctl`.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use cloister_shared::control::{self, PortCounters};
use serde::{Deserialize, Serialize};

/// What `cloister ctl` asks.
#[derive(Debug, Serialize, Deserialize)]
pub enum CtlRequest {
    Status,
    Quit,
    /// The screen as a PNG.
    Screenshot,
    /// The text screen as UTF-8.
    ScreenText,
    /// Type a key script (the `--keys` syntax).
    SendKeys(String),
    Pause,
    Resume,
}

/// One process of the machine in a status report.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProcessStatus {
    pub name: String,
    pub pid: i32,
    pub implementation: String,
    /// Port traffic the CPU sent it (none for the CPU itself).
    pub counters: Option<PortCounters>,
}

/// What the supervisor answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum CtlReply {
    Ok,
    /// The request could not be done; why.
    Error(String),
    Png(Vec<u8>),
    Text(String),
    Status {
        processes: Vec<ProcessStatus>,
        /// Devices running inline in the CPU process, with their counters.
        inline: Vec<(String, PortCounters)>,
        instructions: u64,
        unmapped_reads: u64,
        unmapped_writes: u64,
    },
}

/// The directory holding the default control sockets.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("cloister"),
        _ => PathBuf::from(format!("/tmp/cloister-{}", nix::unistd::getuid())),
    }
}

pub struct ControlSocket {
    pub listener: UnixListener,
    path: PathBuf,
}

impl ControlSocket {
    pub fn bind(path: Option<PathBuf>) -> anyhow::Result<Self> {
        let path = match path {
            Some(p) => p,
            None => {
                let dir = default_dir();
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
                dir.join(format!("{}.sock", std::process::id()))
            }
        };
        if path.exists() && UnixStream::connect(&path).is_err() {
            // A socket left by a machine that is gone.
            let _ = std::fs::remove_file(&path);
        }
        let listener = UnixListener::bind(&path)
            .with_context(|| format!("binding the control socket {}", path.display()))?;
        listener.set_nonblocking(true)?;
        Ok(ControlSocket { listener, path })
    }

    /// Takes one client's request, if a client is there and sends a well-formed one in time.
    pub fn accept(&self) -> Option<(UnixStream, CtlRequest)> {
        let (mut client, _) = self.listener.accept().ok()?;
        client.set_nonblocking(false).ok()?;
        client.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        match control::recv(&mut client) {
            Ok(req) => Some((client, req)),
            Err(e) => {
                tracing::debug!("control client: {e}");
                None
            }
        }
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
