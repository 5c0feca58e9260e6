//! The channel between the display process and the supervisor: what the user does in the
//! window or terminal ([`UiEvent`]) goes up, what the title and status line show
//! ([`ToDisplay`]) comes down.
//!
//! It is a `SOCK_SEQPACKET` socketpair, one postcard message a packet: the kernel keeps the
//! boundaries, so the supervisor never holds half a message from a display that stalls, and
//! every packet is read into a fixed buffer, so none can make it allocate. The supervisor only
//! ever reads and writes without waiting. Everything arriving there is checked
//! ([`UiEvent::check`]); a malformed packet is an error, never a panic.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{self, AddressFamily, MsgFlags, SockFlag, SockType};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::supervisor::keys::Key;

/// The largest packet either side accepts (a chord of [`MAX_CHORD`] keys is 17 bytes).
pub const MAX_PACKET: usize = 128;
/// The most keys a chord may hold (Ctrl+Alt+Del is three).
pub const MAX_CHORD: usize = 8;

/// What the user asked for in the window or terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl UiEvent {
    /// Whether the event is one a front end can send: set-1 make codes (the pressed flag says
    /// make or break), chords of 1 to [`MAX_CHORD`] keys.
    pub fn check(&self) -> Result<(), LinkError> {
        let key_ok = |k: &Key| (1..0x80).contains(&k.code);
        match self {
            UiEvent::Key(k, _) if !key_ok(k) => Err(LinkError::Invalid(format!(
                "scan code {:#04x} is no set-1 make code",
                k.code
            ))),
            UiEvent::Chord(keys) if keys.is_empty() || keys.len() > MAX_CHORD => Err(
                LinkError::Invalid(format!("a chord of {} keys", keys.len())),
            ),
            UiEvent::Chord(keys) => match keys.iter().find(|k| !key_ok(k)) {
                Some(k) => Err(LinkError::Invalid(format!(
                    "scan code {:#04x} in a chord is no set-1 make code",
                    k.code
                ))),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// What the supervisor tells the display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToDisplay {
    /// The CPU was paused (true) or resumed (false).
    Paused(bool),
}

/// The display channel failed, or a peer sent what it must not.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the peer closed the display channel")]
    Closed,
    #[error("I/O on the display channel failed: {0}")]
    Io(#[from] Errno),
    #[error("sent a packet of more than {MAX_PACKET} bytes")]
    TooLarge,
    #[error("sent a malformed message: {0}")]
    Malformed(#[from] postcard::Error),
    #[error("sent a message with {0} bytes after its end")]
    Trailing(usize),
    #[error("sent an invalid event: {0}")]
    Invalid(String),
}

/// Creates the channel: the supervisor's end, and the display process's end (handed over at
/// exec, so it is created close-on-exec like every fd of ours).
pub fn pair() -> Result<(SupervisorEnd, OwnedFd), LinkError> {
    let (ours, theirs) = socket::socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )?;
    Ok((SupervisorEnd { fd: ours }, theirs))
}

/// Receives one packet if one waits.
fn try_recv<T: DeserializeOwned>(fd: BorrowedFd) -> Result<Option<T>, LinkError> {
    use std::os::fd::AsRawFd;
    // One byte more than the limit: a packet that fills it was longer (the rest is discarded).
    let mut buf = [0u8; MAX_PACKET + 1];
    let n = loop {
        match socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::MSG_DONTWAIT) {
            Ok(n) => break n,
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    };
    match n {
        0 => Err(LinkError::Closed),
        n if n > MAX_PACKET => Err(LinkError::TooLarge),
        n => {
            let (msg, rest) = postcard::take_from_bytes(&buf[..n])?;
            match rest.len() {
                0 => Ok(Some(msg)),
                extra => Err(LinkError::Trailing(extra)),
            }
        }
    }
}

fn send<T: Serialize>(fd: BorrowedFd, msg: &T, flags: MsgFlags) -> Result<(), LinkError> {
    use std::os::fd::AsRawFd;
    let mut buf = [0u8; MAX_PACKET];
    let body = postcard::to_slice(msg, &mut buf)?;
    loop {
        // No SIGPIPE if the peer is gone: that is an error to report, not a reason to die.
        match socket::send(fd.as_raw_fd(), body, flags | MsgFlags::MSG_NOSIGNAL) {
            Ok(_) => return Ok(()),
            Err(Errno::EINTR) => continue,
            Err(Errno::EPIPE | Errno::ECONNRESET) => return Err(LinkError::Closed),
            Err(e) => return Err(e.into()),
        }
    }
}

/// The supervisor's end: never waits on the display.
pub struct SupervisorEnd {
    fd: OwnedFd,
}

impl SupervisorEnd {
    /// Readable when an event waits (or the display went away).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The next event, checked; `None` when none waits.
    pub fn try_recv(&self) -> Result<Option<UiEvent>, LinkError> {
        let ev: Option<UiEvent> = try_recv(self.fd.as_fd())?;
        if let Some(ev) = &ev {
            ev.check()?;
        }
        Ok(ev)
    }

    /// Tells the display without waiting; a display that does not read loses the message.
    pub fn tell(&self, msg: ToDisplay) {
        if let Err(e) = send(self.fd.as_fd(), &msg, MsgFlags::MSG_DONTWAIT) {
            tracing::debug!("display channel: {e}");
        }
    }
}

/// The display process's end.
pub struct DisplayEnd {
    fd: OwnedFd,
}

impl DisplayEnd {
    pub fn new(fd: OwnedFd) -> Self {
        DisplayEnd { fd }
    }

    /// Sends an event; waits if the supervisor's queue is full (it reads at every wake-up).
    pub fn send(&self, ev: &UiEvent) -> Result<(), LinkError> {
        send(self.fd.as_fd(), ev, MsgFlags::empty())
    }

    /// What the supervisor said, if it said anything.
    pub fn try_recv(&self) -> Result<Option<ToDisplay>, LinkError> {
        try_recv(self.fd.as_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::keys::{k, x, ALT, CTRL};

    fn raw_send(fd: &OwnedFd, bytes: &[u8]) {
        use std::os::fd::AsRawFd;
        socket::send(fd.as_raw_fd(), bytes, MsgFlags::empty()).unwrap();
    }

    #[test]
    fn events_and_state_cross_in_order() {
        let (sup, theirs) = pair().unwrap();
        let display = DisplayEnd::new(theirs);
        assert!(sup.try_recv().unwrap().is_none(), "nothing sent yet");
        let sent = [
            UiEvent::Key(x(0x48), true),
            UiEvent::Key(x(0x48), false),
            UiEvent::Chord(vec![CTRL, ALT, x(0x53)]),
            UiEvent::TogglePause,
            UiEvent::Quit,
        ];
        for ev in &sent {
            display.send(ev).unwrap();
        }
        for ev in &sent {
            assert_eq!(sup.try_recv().unwrap().as_ref(), Some(ev));
        }
        assert!(sup.try_recv().unwrap().is_none());
        sup.tell(ToDisplay::Paused(true));
        sup.tell(ToDisplay::Paused(false));
        assert_eq!(display.try_recv().unwrap(), Some(ToDisplay::Paused(true)));
        assert_eq!(display.try_recv().unwrap(), Some(ToDisplay::Paused(false)));
        assert_eq!(display.try_recv().unwrap(), None);
    }

    #[test]
    fn the_supervisor_refuses_what_a_display_must_not_send() {
        let (sup, theirs) = pair().unwrap();
        // An unknown variant, a truncated message, trailing bytes, an oversized packet.
        raw_send(&theirs, &[9]);
        assert!(matches!(sup.try_recv(), Err(LinkError::Malformed(_))));
        raw_send(&theirs, &[0]);
        assert!(matches!(sup.try_recv(), Err(LinkError::Malformed(_))));
        raw_send(&theirs, &[3, 0]);
        assert!(matches!(sup.try_recv(), Err(LinkError::Trailing(1))));
        raw_send(&theirs, &[2; 4096]);
        assert!(matches!(sup.try_recv(), Err(LinkError::TooLarge)));
        // Well-formed but meaningless: a break code as a key, chords empty or too long.
        let display = DisplayEnd::new(theirs);
        display.send(&UiEvent::Key(k(0x9C), true)).unwrap();
        assert!(matches!(sup.try_recv(), Err(LinkError::Invalid(_))));
        display.send(&UiEvent::Chord(vec![])).unwrap();
        assert!(matches!(sup.try_recv(), Err(LinkError::Invalid(_))));
        display
            .send(&UiEvent::Chord(vec![k(0x1E); MAX_CHORD + 1]))
            .unwrap();
        assert!(matches!(sup.try_recv(), Err(LinkError::Invalid(_))));
        // And the channel still works after each refusal.
        display.send(&UiEvent::Chord(vec![k(0x1E)])).unwrap();
        assert_eq!(sup.try_recv().unwrap(), Some(UiEvent::Chord(vec![k(0x1E)])));
        drop(display);
        assert!(matches!(sup.try_recv(), Err(LinkError::Closed)));
    }

    #[test]
    fn the_supervisor_never_waits_on_a_display_that_does_not_read() {
        let (sup, _theirs) = pair().unwrap();
        // Far more than a socket buffer holds; each tell returns at once.
        let start = std::time::Instant::now();
        for i in 0..100_000 {
            sup.tell(ToDisplay::Paused(i % 2 == 0));
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
