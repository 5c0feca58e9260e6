//! The supervisor's fallback for the terminal. The display process owns the terminal while it
//! shows the machine (raw mode, alternate screen) and puts it back on every way out it
//! controls; killed, it cannot. So the supervisor saves the terminal's settings before it
//! starts the display, and when the machine ends puts back whatever the display left.

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};

use anyhow::Context;
use nix::sys::termios::{tcgetattr, tcsetattr, SetArg, Termios};

/// Leaves the alternate screen, resets the colours, shows the cursor.
const MAIN_SCREEN: &[u8] = b"\x1b[?1049l\x1b[0m\x1b[?25h";

/// The terminal as it was; dropping it puts the terminal back if it is still raw.
pub struct SavedTerminal {
    tty: OwnedFd,
    out: std::fs::File,
    saved: Termios,
}

impl SavedTerminal {
    /// Saves the settings of the terminal on stdin (the one `--display term` draws on).
    pub fn save() -> anyhow::Result<SavedTerminal> {
        let tty = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .context("duplicating the terminal")?;
        let saved = tcgetattr(&tty).context("reading the terminal's settings")?;
        let out = nix::unistd::dup(std::io::stdout()).context("duplicating stdout")?;
        Ok(SavedTerminal {
            tty,
            out: out.into(),
            saved,
        })
    }

    /// Puts the terminal back if the display left it changed: a display that ended well
    /// restored the settings itself (after leaving the alternate screen), and then nothing is
    /// written, so the shell's screen is left alone. True if it had to.
    pub fn restore(&mut self) -> bool {
        match tcgetattr(&self.tty) {
            Ok(now) if now == self.saved => false,
            _ => {
                let _ = self.out.write_all(MAIN_SCREEN);
                let _ = self.out.flush();
                let _ = tcsetattr(&self.tty, SetArg::TCSADRAIN, &self.saved);
                true
            }
        }
    }
}

impl Drop for SavedTerminal {
    fn drop(&mut self) {
        if self.restore() {
            eprintln!("cloister: the display left the terminal changed; it was put back");
        }
    }
}
