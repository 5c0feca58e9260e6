//! The `display` device process with a front end: the window or terminal on the main thread,
//! the device's ring (control messages, quit) on a second thread.
//!
//! The front end ends when the ring thread does (the supervisor said quit, or is gone), or when
//! the user closes the window (it asks the supervisor to quit, which then tells the ring).
//! The terminal is put back by the front end itself on every way out of it, a panic included;
//! if the process is killed, the supervisor's [`super::SavedTerminal`] does it.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use cloister_shared::sys::memfd::SharedRegion;

use super::link::DisplayEnd;
use super::{term, window, FrontendContext};
use crate::cli::Display;

/// Sets the flag when dropped: the ring thread's end, however it ends, stops the front end.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Shows the machine with `which` until told to stop; `ring` serves the device's ring.
pub fn run(
    which: Display,
    framebuffer: Arc<SharedRegion>,
    link: OwnedFd,
    ring: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut ctx = FrontendContext::new(framebuffer, DisplayEnd::new(link), stop.clone());
    let ring = std::thread::Builder::new()
        .name("display-ring".into())
        .spawn(move || {
            let _stop = StopOnDrop(stop);
            ring()
        })
        .context("starting the display's ring thread")?;
    // A front end that cannot start (no window, no terminal) ends the process with why; the
    // supervisor reports the device's end.
    match which {
        Display::Window => window::run(&mut ctx)?,
        Display::Term => term::run(&mut ctx)?,
        Display::None => bail!("the headless display has no front end"),
    }
    match ring.join() {
        Ok(result) => result,
        Err(_) => bail!("the display's ring thread panicked"),
    }
}
