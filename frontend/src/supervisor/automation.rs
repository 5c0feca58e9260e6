//! Driving a machine from a script: `--keys`, `--until`, `--screen-text-on-exit`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cloister_shared::framebuffer::{FramebufferReader, TextScreen};
use cloister_shared::sys::memfd::SharedRegion;

use super::keys::{Key, Step};

/// Time between key events: slow enough for a BIOS's 16-key buffer and a DOS that echoes.
const KEY_GAP: Duration = Duration::from_millis(15);
/// How much serial output is kept to look for `--until` text across reads.
const SERIAL_TAIL: usize = 4096;

pub struct Automation {
    steps: VecDeque<Step>,
    /// Keys pressed by the current chord, to release in reverse.
    to_release: Vec<Key>,
    next_at: Instant,
    until: Option<String>,
    serial_tail: Vec<u8>,
    reader: FramebufferReader,
    screen: Option<TextScreen>,
}

impl Automation {
    pub fn new(steps: Vec<Step>, until: Option<String>) -> Self {
        Automation {
            steps: steps.into(),
            to_release: Vec::new(),
            next_at: Instant::now(),
            until,
            serial_tail: Vec::new(),
            reader: FramebufferReader::new(),
            screen: None,
        }
    }

    /// Adds steps after those still to do (`ctl sendkeys`, keys typed in the terminal).
    pub fn push(&mut self, steps: Vec<Step>) {
        if self.steps.is_empty() && self.to_release.is_empty() {
            self.next_at = self.next_at.max(Instant::now());
        }
        self.steps.extend(steps);
    }

    /// Whether anything needs the supervisor to look in often.
    pub fn active(&self) -> bool {
        !self.steps.is_empty() || !self.to_release.is_empty() || self.until.is_some()
    }

    /// Brings the screen text up to date from the VGA framebuffer.
    pub fn refresh_screen(&mut self, framebuffer: Option<&SharedRegion>) {
        if let Some(fb) = framebuffer {
            if let Ok(Some(_)) = self.reader.update(fb.bytes_mut()) {
                self.screen = Some(self.reader.frame().text.clone());
            }
        }
    }

    /// The text screen as UTF-8, if the machine showed one.
    pub fn screen_text(&mut self, framebuffer: Option<&SharedRegion>) -> Option<String> {
        self.refresh_screen(framebuffer);
        self.screen.as_ref().map(|s| s.to_utf8())
    }

    /// Feeds serial output; true if the `--until` text appeared in it.
    pub fn serial(&mut self, bytes: &[u8]) -> bool {
        self.serial_tail.extend_from_slice(bytes);
        let found = self.until.as_ref().is_some_and(|u| {
            self.serial_tail
                .windows(u.len().max(1))
                .any(|w| w == u.as_bytes())
        });
        if self.serial_tail.len() > SERIAL_TAIL {
            self.serial_tail
                .drain(..self.serial_tail.len() - SERIAL_TAIL);
        }
        found
    }

    fn on_screen(&self, text: &str) -> bool {
        self.screen.as_ref().is_some_and(|s| s.contains(text))
    }

    /// Advances the script; `send` delivers one key event (key, pressed). True when the
    /// `--until` text is on the screen.
    pub fn tick(
        &mut self,
        framebuffer: Option<&SharedRegion>,
        mut send: impl FnMut(Key, bool),
    ) -> bool {
        self.refresh_screen(framebuffer);
        if self.until.as_ref().is_some_and(|u| self.on_screen(u)) {
            return true;
        }
        while Instant::now() >= self.next_at {
            if let Some(key) = self.to_release.pop() {
                send(key, false);
                self.next_at = Instant::now() + KEY_GAP;
                continue;
            }
            match self.steps.front().cloned() {
                None => break,
                Some(Step::WaitText(t)) => {
                    if !self.on_screen(&t) {
                        break;
                    }
                    self.steps.pop_front();
                }
                Some(Step::SleepMs(ms)) => {
                    self.steps.pop_front();
                    self.next_at = Instant::now() + Duration::from_millis(ms);
                }
                Some(Step::Chord(keys)) => {
                    self.steps.pop_front();
                    for &k in &keys {
                        send(k, true);
                    }
                    self.to_release = keys;
                    self.next_at = Instant::now() + KEY_GAP;
                }
            }
        }
        false
    }
}

/// Key events typed live (window, terminal), sent in order at least [`KEY_GAP`] apart: scan
/// codes arriving back to back get lost between the keyboard and the guest's BIOS, and a window
/// system often reports a press and its release in the same tick. Separate from the script so
/// that a script waiting for text never holds up the user.
///
/// The queue is bounded ([`LIVE_KEYS_QUEUED`], a minute of typing), as what a display process
/// sends is not to be trusted with our memory; what does not fit is dropped, whole chords at a
/// time.
#[derive(Default)]
pub struct LiveKeys {
    queue: VecDeque<(Key, bool)>,
    next_at: Option<Instant>,
    dropped: u64,
}

/// The most key events waiting to be sent.
pub const LIVE_KEYS_QUEUED: usize = 4096;

impl LiveKeys {
    pub fn key(&mut self, key: Key, pressed: bool) {
        if self.room(1) {
            self.queue.push_back((key, pressed));
        }
    }

    /// Presses `keys` in order and releases them in reverse.
    pub fn chord(&mut self, keys: &[Key]) {
        if self.room(2 * keys.len()) {
            self.queue.extend(keys.iter().map(|&k| (k, true)));
            self.queue.extend(keys.iter().rev().map(|&k| (k, false)));
        }
    }

    /// Whether `n` more events fit; counts and reports what does not.
    fn room(&mut self, n: usize) -> bool {
        if self.queue.len() + n <= LIVE_KEYS_QUEUED {
            return true;
        }
        if self.dropped == 0 {
            tracing::warn!("typed keys arrive faster than the guest takes them; dropping some");
        }
        self.dropped += n as u64;
        false
    }

    pub fn active(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Sends the events that are due.
    pub fn tick(&mut self, mut send: impl FnMut(Key, bool)) {
        let now = Instant::now();
        if self.next_at.is_some_and(|t| now < t) {
            return;
        }
        if let Some((key, pressed)) = self.queue.pop_front() {
            send(key, pressed);
            self.next_at = Some(now + KEY_GAP);
        }
    }
}

/// Writes the screen text to `path` (code page 437 shown as UTF-8).
pub fn write_screen_text(path: &PathBuf, text: Option<String>) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, text.unwrap_or_default())
        .with_context(|| format!("writing the screen text to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::keys::{k, SHIFT};

    #[test]
    fn live_keys_go_in_order_paced_and_bounded_dropping_whole_chords() {
        let a = k(0x1E);
        let mut keys = LiveKeys::default();
        for _ in 0..LIVE_KEYS_QUEUED - 1 {
            keys.key(a, true);
        }
        keys.chord(&[a]); // needs two places, one is left
        assert_eq!(keys.queue.len(), LIVE_KEYS_QUEUED - 1);
        keys.key(a, false);
        assert_eq!(keys.queue.len(), LIVE_KEYS_QUEUED);
        keys.key(a, false);
        assert_eq!(keys.queue.len(), LIVE_KEYS_QUEUED);
        assert_eq!(keys.dropped, 3);

        let mut keys = LiveKeys::default();
        keys.chord(&[SHIFT, a]);
        let mut sent = Vec::new();
        keys.tick(|key, pressed| sent.push((key, pressed)));
        keys.tick(|key, pressed| sent.push((key, pressed)));
        assert_eq!(sent, [(SHIFT, true)], "one event per gap");
        std::thread::sleep(KEY_GAP);
        keys.tick(|key, pressed| sent.push((key, pressed)));
        assert_eq!(sent[1], (a, true));
    }
}
