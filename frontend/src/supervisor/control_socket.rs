//! The machine's control socket, for `cloister ctl`.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use cloister_shared::control::{self, PortCounters, ToCpu};
use cloister_shared::framebuffer::FramebufferReader;
use serde::{Deserialize, Serialize};

use super::{keys, Machine};

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
        /// Whether the CPU is paused (`ctl pause`).
        paused: bool,
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

/// What the supervisor does for a ctl client.
impl Machine {
    pub(super) fn on_ctl(&mut self) -> anyhow::Result<Option<i32>> {
        let Some((mut client, request)) = self.control.accept() else {
            return Ok(None);
        };
        match request {
            CtlRequest::Status => {
                control::send(&mut self.children[0].control, &ToCpu::Status)?;
                self.ring_cpu();
                self.waiting_status.push(client);
                Ok(None)
            }
            CtlRequest::Quit => {
                let _ = control::send(&mut client, &CtlReply::Ok);
                Ok(Some(0))
            }
            CtlRequest::Screenshot => {
                let reply = match self.screenshot() {
                    Ok(png) => CtlReply::Png(png),
                    Err(e) => CtlReply::Error(e),
                };
                let _ = control::send(&mut client, &reply);
                Ok(None)
            }
            CtlRequest::ScreenText => {
                let reply = match self.automation.screen_text(self.framebuffer.as_deref()) {
                    Some(text) => CtlReply::Text(text),
                    None => CtlReply::Error("the screen shows no text".into()),
                };
                let _ = control::send(&mut client, &reply);
                Ok(None)
            }
            CtlRequest::SendKeys(script) => {
                let reply = match keys::parse(&script) {
                    Ok(steps) => {
                        self.automation.push(steps);
                        CtlReply::Ok
                    }
                    Err(e) => CtlReply::Error(format!("{e:#}")),
                };
                let _ = control::send(&mut client, &reply);
                Ok(None)
            }
            r @ (CtlRequest::Pause | CtlRequest::Resume) => {
                let reply = match self.set_paused(matches!(r, CtlRequest::Pause)) {
                    Ok(()) => CtlReply::Ok,
                    Err(e) => CtlReply::Error(format!("{e:#}")),
                };
                let _ = control::send(&mut client, &reply);
                Ok(None)
            }
        }
    }

    /// Pauses or resumes the CPU.
    pub(super) fn set_paused(&mut self, paused: bool) -> anyhow::Result<()> {
        let msg = if paused { ToCpu::Pause } else { ToCpu::Resume };
        control::send(&mut self.children[0].control, &msg).context("telling the CPU")?;
        self.ring_cpu();
        self.paused = paused;
        if let Some(link) = &self.display_link {
            link.tell(crate::display::ToDisplay::Paused(paused));
        }
        Ok(())
    }

    /// The screen as a PNG.
    pub(super) fn screenshot(&self) -> Result<Vec<u8>, String> {
        let fb = self
            .framebuffer
            .as_deref()
            .ok_or("the machine has no VGA")?;
        let frame = FramebufferReader::snapshot(fb.bytes_mut()).map_err(|e| e.to_string())?;
        crate::display::encode_png(&frame).map_err(|e| e.to_string())
    }
}
