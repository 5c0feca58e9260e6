//! What the display process's front end asks of the machine: keys, pause, quit.

use crate::display::link::LinkError;
use crate::display::UiEvent;

/// The most events taken from the display at one wake-up, so that a display that floods the
/// channel cannot keep the supervisor from everything else.
const EVENTS_PER_WAKE: usize = 64;

impl super::Machine {
    /// Acts on what the window or terminal asked; an exit status if the user quit, or if the
    /// display sent what no front end sends (the machine then ends, naming the device).
    pub(super) fn on_display(&mut self) -> Option<i32> {
        for _ in 0..EVENTS_PER_WAKE {
            let link = self.display_link.as_ref()?;
            match link.try_recv() {
                Ok(None) => return None,
                Ok(Some(UiEvent::Key(key, pressed))) => self.live_keys.key(key, pressed),
                Ok(Some(UiEvent::Chord(keys))) => self.live_keys.chord(&keys),
                Ok(Some(UiEvent::TogglePause)) => {
                    if let Err(e) = self.set_paused(!self.paused) {
                        tracing::warn!("pause or resume: {e:#}");
                    }
                }
                Ok(Some(UiEvent::Quit)) => return Some(0),
                Err(LinkError::Closed) => {
                    // The display process is ending; SIGCHLD tells how. Stop polling the
                    // closed channel (it would be readable forever).
                    self.display_link = None;
                    return None;
                }
                Err(e) => {
                    eprintln!("cloister: device `display`: {e}; stopping the machine");
                    return Some(1);
                }
            }
        }
        None
    }
}
