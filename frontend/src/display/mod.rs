//! The machine's front ends: a window (minifb), the terminal (crossterm), or none.
//!
//! # Where the front end runs
//!
//! In the `display` device process, in both isolation modes. The supervisor picks the front end
//! ([`choose`]) and starts the display process with it as the device's implementation
//! (`window`, `term`, or `headless` for none) and one end of a [`link`] channel; the process
//! runs the front end on its main thread ([`process`]) and the device's ring on a second one.
//! The front end reads only changed rows of the VGA framebuffer (shared memory, checked by its
//! reader), turns host keys into PS/2 scan codes and sends them, and the user's shortcuts, to
//! the supervisor as [`UiEvent`]s; the supervisor checks each one and routes it as it routes
//! `--keys` (to the keyboard process, or to the CPU process in inline mode). The supervisor
//! tells it when the machine pauses or resumes ([`ToDisplay`]), for the title and status line.
//!
//! With `--display term` the display process owns the terminal (raw mode, alternate screen)
//! and puts it back on every way out it controls; the supervisor saved the terminal first and
//! puts back whatever a display process that was killed left ([`SavedTerminal`]).
//!
//! In inline mode the display is still a process of its own: it serves no ports, so it adds
//! nothing to the isolation tax inline mode measures, and the CPU process's only thread runs
//! the guest. See docs/DISPLAY.md.

pub mod link;
pub mod process;
mod saved_terminal;
pub mod scale;
mod screenshot;
mod stderr;
mod term;
mod term_keys;
mod window;
mod window_keys;

pub use link::{ToDisplay, UiEvent};
pub use saved_terminal::SavedTerminal;
pub use screenshot::{encode_png, ScreenshotError};
pub use stderr::StderrAside;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use cloister_shared::sys::memfd::SharedRegion;

use crate::cli::Display;
use link::DisplayEnd;

/// How often a front end looks for a new frame and for input (the text modes' 70 Hz).
pub const PERIOD: Duration = Duration::from_nanos(1_000_000_000 / 70);

/// The display device's implementation name for a front end (`ctl status` shows it).
pub fn implementation(which: Display) -> &'static str {
    match which {
        Display::None => "headless",
        Display::Window => "window",
        Display::Term => "term",
    }
}

/// The front end a display implementation name stands for; `None` for `headless`.
pub fn front_end(implementation: &str) -> Option<Display> {
    match implementation {
        "window" => Some(Display::Window),
        "term" => Some(Display::Term),
        _ => None,
    }
}

/// What a front end works with, in the display process.
pub struct FrontendContext {
    pub framebuffer: Arc<SharedRegion>,
    link: DisplayEnd,
    /// Whether the machine is paused, as the supervisor last said.
    paused: bool,
    /// Set when the device's ring thread ends (the supervisor said quit) or the supervisor is
    /// gone.
    stop: Arc<AtomicBool>,
}

impl FrontendContext {
    pub fn new(framebuffer: Arc<SharedRegion>, link: DisplayEnd, stop: Arc<AtomicBool>) -> Self {
        FrontendContext {
            framebuffer,
            link,
            paused: false,
            stop,
        }
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Sends an event to the supervisor.
    pub fn send(&mut self, ev: UiEvent) {
        if let Err(e) = self.link.send(&ev) {
            tracing::warn!("display channel: {e}");
            self.stop.store(true, Ordering::Release);
        }
    }

    /// Takes in what the supervisor said since the last look.
    pub fn poll(&mut self) {
        loop {
            match self.link.try_recv() {
                Ok(Some(ToDisplay::Paused(p))) => self.paused = p,
                Ok(None) => break,
                Err(e) => {
                    // The supervisor closed its end: the machine is over.
                    tracing::debug!("display channel: {e}");
                    self.stop.store(true, Ordering::Release);
                    break;
                }
            }
        }
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
