//! The machine's front ends: a window (minifb), the terminal (crossterm), or none.
//!
//! # Where the front end runs
//!
//! The front end is host user interface, not a device model: it reads the VGA framebuffer
//! (shared memory the supervisor already maps) and turns host keys into PS/2 scan codes. It runs
//! on a thread of the supervisor, in both isolation modes, because
//! - the supervisor already owns the controlling terminal and the user's session, and it is the
//!   process that outlives every other one, so it can always put the terminal back;
//! - keys reach the keyboard device the same way `--keys` scripts do (the supervisor forwards
//!   them to the keyboard process, or to the CPU process in inline mode), with no extra hop;
//! - in inline mode the CPU process has no thread to spare for a window's event loop.
//!
//! The guest never talks to this code except through the framebuffer, whose reader checks every
//! size it copies. The `display` device process keeps following the framebuffer headless.
//!
//! The thread sends [`UiEvent`]s over a channel and writes a byte to a pipe the supervisor polls.

pub mod scale;
mod screenshot;
mod stderr;
mod term;
mod term_keys;
mod window;
mod window_keys;

pub use screenshot::{encode_png, ScreenshotError};
pub use stderr::StderrAside;

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{bail, Context};
use cloister_shared::sys::memfd::SharedRegion;

use crate::cli::Display;
use crate::supervisor::keys::Key;

/// How often a front end looks for a new frame and for input (the text modes' 70 Hz).
pub const PERIOD: Duration = Duration::from_nanos(1_000_000_000 / 70);

/// What a front end asks of the supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiEvent {
    /// A key went down or up (the window has real make and break).
    Key(Key, bool),
    /// Press these keys in order and release them in reverse, paced like `--keys` (a terminal
    /// only reports whole key strokes).
    Chord(Vec<Key>),
    /// Pause the machine if it runs, resume it if it is paused.
    TogglePause,
    /// The user closed the window or asked to quit.
    Quit,
}

/// What the supervisor tells a front end (for the window title and the status line).
#[derive(Debug, Default)]
pub struct MachineState {
    pub paused: AtomicBool,
    stop: AtomicBool,
}

/// Where a front end sends its events.
pub struct EventSender {
    tx: mpsc::Sender<UiEvent>,
    wake: std::fs::File,
}

impl EventSender {
    /// Sends an event and wakes the supervisor.
    pub fn send(&mut self, ev: UiEvent) {
        if self.tx.send(ev).is_ok() {
            let _ = self.wake.write(&[1]);
        }
    }
}

/// What every front end is given.
pub struct FrontendContext {
    pub framebuffer: Arc<SharedRegion>,
    pub state: Arc<MachineState>,
    pub events: EventSender,
}

impl FrontendContext {
    pub fn stopping(&self) -> bool {
        self.state.stop.load(Ordering::Acquire)
    }
}

/// The running front end, as the supervisor holds it. Dropping it stops the front end and waits
/// for it (which puts the terminal back).
pub struct Frontend {
    pub state: Arc<MachineState>,
    events: mpsc::Receiver<UiEvent>,
    wake: std::fs::File,
    thread: Option<JoinHandle<()>>,
}

impl Frontend {
    /// The pipe the supervisor polls; readable when events wait.
    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake.as_fd()
    }

    /// The events waiting.
    pub fn drain(&mut self) -> Vec<UiEvent> {
        use std::io::Read;
        let mut buf = [0u8; 256];
        while matches!(self.wake.read(&mut buf), Ok(n) if n > 0) {}
        self.events.try_iter().collect()
    }

    /// Stops the front end and waits for its thread.
    pub fn stop(&mut self) {
        self.state.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                eprintln!("cloister: the display front end panicked");
            }
        }
    }
}

impl Drop for Frontend {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Picks the front end: the one asked for, or by default a window when a display server takes
/// connections, else the terminal when stdout is one, else none. A front end asked for that
/// cannot work is an error.
pub fn choose(asked: Option<Display>) -> anyhow::Result<Display> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    match asked {
        Some(Display::Window) => match display_server() {
            Ok(_) => Ok(Display::Window),
            Err(why) => bail!("--display window needs a display server: {why} (try --display term or --display none)"),
        },
        Some(Display::Term) if !tty => {
            bail!("--display term needs a terminal on stdin and stdout (try --display none)")
        }
        Some(d) => Ok(d),
        None if display_server().is_ok() => Ok(Display::Window),
        None if tty => Ok(Display::Term),
        None => Ok(Display::None),
    }
}

/// The display server a window would open on, if one takes connections.
pub fn display_server() -> Result<String, String> {
    let mut tried = Vec::new();
    if let Some(w) = std::env::var_os("WAYLAND_DISPLAY").filter(|w| !w.is_empty()) {
        let path = std::path::Path::new(&w);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::var_os("XDG_RUNTIME_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_default()
                .join(path)
        };
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Ok(format!("Wayland {}", path.display()));
        }
        tried.push(format!(
            "WAYLAND_DISPLAY={} does not answer",
            w.to_string_lossy()
        ));
    }
    match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => {
            if x_display_reachable(&d) {
                return Ok(format!("X {d}"));
            }
            tried.push(format!("DISPLAY={d} does not answer"));
        }
        _ => tried.push("neither DISPLAY nor WAYLAND_DISPLAY is set".into()),
    }
    Err(tried.join("; "))
}

/// Whether the X display `[host]:N[.S]` accepts a connection (local socket or TCP 6000+N).
fn x_display_reachable(display: &str) -> bool {
    let Some((host, rest)) = display.rsplit_once(':') else {
        return false;
    };
    let Ok(n) = rest.split('.').next().unwrap_or("").parse::<u16>() else {
        return false;
    };
    let host = host.strip_prefix("unix/").unwrap_or(host);
    if host.is_empty() || host == "unix" {
        let path = format!("/tmp/.X11-unix/X{n}");
        return std::os::unix::net::UnixStream::connect(path).is_ok();
    }
    use std::net::ToSocketAddrs;
    (host, 6000 + n)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| {
            std::net::TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok()
        })
}

/// Starts the front end `which` over the framebuffer; `None` for `--display none`. Returns once
/// the window is open or the terminal is set up, or with why it could not be.
pub fn start(
    which: Display,
    framebuffer: Option<Arc<SharedRegion>>,
) -> anyhow::Result<Option<Frontend>> {
    if which == Display::None {
        return Ok(None);
    }
    let framebuffer = framebuffer.context("the machine has no framebuffer to show")?;
    let (rd, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)
        .context("creating the display's wake pipe")?;
    let (tx, rx) = mpsc::channel();
    let state = Arc::new(MachineState::default());
    let ctx = FrontendContext {
        framebuffer,
        state: state.clone(),
        events: EventSender {
            tx,
            wake: std::fs::File::from(wr),
        },
    };
    let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), String>>(1);
    let name = match which {
        Display::Window => "cloister-window",
        _ => "cloister-term",
    };
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || match which {
            Display::Window => window::run(ctx, ready_tx),
            _ => term::run(ctx, ready_tx),
        })
        .context("starting the display thread")?;
    let mut frontend = Frontend {
        state,
        events: rx,
        wake: std::fs::File::from(rd),
        thread: Some(thread),
    };
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Some(frontend)),
        Ok(Err(why)) => {
            frontend.stop();
            bail!("{why}")
        }
        Err(_) => {
            frontend.stop();
            bail!("the display front end failed to start")
        }
    }
}

/// The host shortcuts, the same in both front ends (after the window's Right Ctrl or the
/// terminal's Ctrl-]): `d` Ctrl-Alt-Del, `1`…`9` `0` `-` `=` F1…F12, `p` pause/resume,
/// `q` quit. Documented in `cloister run --help`.
pub fn shortcut(c: char) -> Option<UiEvent> {
    use crate::supervisor::keys::{named_key, ALT, CTRL};
    let fkey = |n: u8| named_key(&format!("F{n}")).map(|k| UiEvent::Chord(vec![k]));
    match c.to_ascii_lowercase() {
        'd' => Some(UiEvent::Chord(vec![CTRL, ALT, named_key("del")?])),
        c @ '1'..='9' => fkey(c as u8 - b'0'),
        '0' => fkey(10),
        '-' => fkey(11),
        '=' => fkey(12),
        'p' => Some(UiEvent::TogglePause),
        'q' => Some(UiEvent::Quit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::keys::{k, x, ALT, CTRL};

    #[test]
    fn shortcuts_send_what_a_host_keeps_for_itself() {
        assert_eq!(
            shortcut('d'),
            Some(UiEvent::Chord(vec![CTRL, ALT, x(0x53)]))
        );
        assert_eq!(shortcut('1'), Some(UiEvent::Chord(vec![k(0x3B)])));
        assert_eq!(shortcut('0'), Some(UiEvent::Chord(vec![k(0x44)])));
        assert_eq!(shortcut('='), Some(UiEvent::Chord(vec![k(0x58)])));
        assert_eq!(shortcut('Q'), Some(UiEvent::Quit));
        assert_eq!(shortcut('z'), None);
    }
}
