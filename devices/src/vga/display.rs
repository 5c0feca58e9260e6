//! When to render and how a rendered picture reaches the framebuffer region: at most once per
//! frame, only after something changed (or a blink phase flipped while it matters), and only
//! the rows that differ from what the region already shows.

use cloister_shared::framebuffer::{FramebufferError, FramebufferWriter};
use cloister_shared::DeviceBus;

use super::memory::VRAM_SIZE;
use super::render::{render, Blink, Picture, Registers};
use super::timing::{BLINK_HALF_NS, CURSOR_HALF_NS};
use super::Vga;

/// Region indexes in the manifest.
pub const VRAM_REGION: usize = 0;
pub const FRAMEBUFFER_REGION: usize = 1;

/// Video memory, if the host gave a region of the size the manifest asked for (a smaller one
/// would make every access a bounds question; the device then acts as if it had none).
pub fn vram(bus: &mut dyn DeviceBus) -> Option<&mut [u8]> {
    bus.region(VRAM_REGION).filter(|r| r.len() >= VRAM_SIZE)
}

/// What the region shows, to find the rows that changed. Not saved: after a restart the first
/// frame rewrites everything.
#[derive(Default)]
pub struct Screen {
    pub next: Picture,
    pub shown: Option<Picture>,
    pub last_render_ns: u64,
    /// Armed timer deadline (`u64::MAX`: none).
    pub armed_at: u64,
    /// Something changed since the last render.
    pub dirty: bool,
    pub blink: Blink,
}

fn blink_at(now_ns: u64) -> Blink {
    Blink {
        cursor_on: (now_ns / CURSOR_HALF_NS) & 1 == 0,
        chars_on: (now_ns / BLINK_HALF_NS) & 1 == 0,
    }
}

impl Vga {
    /// Asks for a timer at `at_ns` unless one is due sooner.
    pub(super) fn arm(&mut self, at_ns: u64, bus: &mut dyn DeviceBus) {
        if at_ns < self.screen.armed_at {
            self.screen.armed_at = at_ns;
            bus.request_timer(at_ns);
        }
    }

    /// Video memory or a register that shapes the picture changed: render at the next frame.
    /// Cheap when already pending (every CPU write to video memory comes through here).
    #[inline]
    pub(super) fn display_changed(&mut self, bus: &mut dyn DeviceBus) {
        if !self.screen.dirty {
            self.screen.dirty = true;
            let at = self.screen.last_render_ns + self.frame_ns;
            self.arm(at, bus);
        }
    }

    pub(super) fn on_timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        self.screen.armed_at = u64::MAX;
        let blink = blink_at(now_ns);
        let blinks = self.screen.shown.as_ref().is_none_or(|p| p.blinks);
        if self.screen.dirty || (blinks && blink != self.screen.blink) {
            self.screen.dirty = false;
            self.screen.blink = blink;
            self.screen.last_render_ns = now_ns;
            self.frame_ns = self.timing().frame_ns.clamp(11_000_000, 20_000_000);
            if let Err(e) = self.render_and_publish(bus) {
                tracing::warn!("vga: cannot publish a frame: {e}");
            }
        }
        if self.screen.shown.as_ref().is_some_and(|p| p.blinks) {
            let next = |half: u64| (now_ns / half + 1) * half;
            let at = next(CURSOR_HALF_NS).min(next(BLINK_HALF_NS));
            self.arm(at, bus);
        }
    }

    fn render_and_publish(&mut self, bus: &mut dyn DeviceBus) -> Result<(), FramebufferError> {
        let regs = Registers {
            seq: &self.state.seq,
            crtc: &self.state.crtc,
            gc: &self.state.gc,
            attr: &self.state.attr,
            dac: &self.state.dac,
        };
        let Some(vram) = vram(bus) else {
            return Ok(());
        };
        let mut next = std::mem::take(&mut self.screen.next);
        render(&regs, vram, self.screen.blink, &mut next);
        let Some(region) = bus.region(FRAMEBUFFER_REGION) else {
            self.screen.next = next;
            return Ok(());
        };
        let shown = self.screen.shown.take();
        let result = publish(region, &next, shown.as_ref());
        self.screen.next = shown.unwrap_or_default();
        // If publishing failed, the region's content is unknown: rewrite it all next time.
        self.screen.shown = result.is_ok().then_some(next);
        result
    }
}

/// Writes `pic` into the region: only the rows that differ from `shown`, and no frame at all
/// if nothing differs.
fn publish(
    region: &mut [u8],
    pic: &Picture,
    shown: Option<&Picture>,
) -> Result<(), FramebufferError> {
    let width = pic.width as usize;
    let same_shape = shown.is_some_and(|s| (s.width, s.height) == (pic.width, pic.height));
    if shown == Some(pic) {
        return Ok(());
    }
    let mut writer = FramebufferWriter::new(region)?;
    let mut frame = writer.begin_frame();
    frame.set_geometry(pic.width, pic.height, pic.kind)?;
    for y in 0..pic.height as usize {
        let row = &pic.pixels[y * width..(y + 1) * width];
        let old = shown
            .filter(|_| same_shape)
            .map(|s| &s.pixels[y * width..(y + 1) * width]);
        if old != Some(row) {
            frame.write_row(y as u32, row)?;
        }
    }
    frame.set_text(pic.text_cols, pic.text_rows, &pic.cells)?;
    frame.set_cursor(pic.cursor);
    frame.set_border(pic.border);
    Ok(())
}
