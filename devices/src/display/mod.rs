//! The display device: it serves no ports; its region 0 is the VGA device's framebuffer region
//! (shared memory, a seqlock and row stamps), which is how the guest's picture reaches it.
//!
//! The `display` process shows the machine. With `--display window` or `--display term` its
//! front end (a minifb window or the terminal, in the `cloister` binary's `display` module,
//! which holds those libraries) runs on the process's main thread, follows the framebuffer
//! itself and sends keys to the supervisor over a channel of its own; this device then runs on
//! the process's ring thread as [`DisplayDevice::beside_front_end`], keeping the device protocol
//! (ring, control messages, quit) without reading the frame a second time. With
//! `--display none` it is [`DisplayDevice::headless`]: it follows the framebuffer at the
//! screen's refresh rate, copying only the rows that changed, and counts frames. See
//! docs/DISPLAY.md.

use cloister_shared::framebuffer::{FramebufferReader, FRAMEBUFFER_SIZE};
use cloister_shared::{DeviceBus, DeviceManifest, PortDevice, StateError};

/// How often the display looks for a new frame (70 Hz, the text modes' refresh rate).
const PERIOD_NS: u64 = 1_000_000_000 / 70;

pub struct DisplayDevice {
    /// Whether this device reads the framebuffer (headless) or a front end beside it does.
    follows: bool,
    reader: FramebufferReader,
    frames: u64,
    rows_copied: u64,
}

impl DisplayDevice {
    /// `--display none`: follows the framebuffer on a 70 Hz timer.
    pub fn headless() -> Self {
        DisplayDevice {
            follows: true,
            reader: FramebufferReader::new(),
            frames: 0,
            rows_copied: 0,
        }
    }

    /// `--display window|term`: the front end in the same process follows the framebuffer, so
    /// the device asks for no timer and reads nothing.
    pub fn beside_front_end() -> Self {
        DisplayDevice {
            follows: false,
            ..Self::headless()
        }
    }

    pub fn manifest() -> DeviceManifest {
        DeviceManifest {
            name: "display".into(),
            ports: vec![],
            irqs: vec![],
            mem_windows: vec![],
            guest_ram: false,
            regions: vec![FRAMEBUFFER_SIZE as u64],
        }
    }

    /// New frames seen and pixel rows copied so far.
    pub fn counters(&self) -> (u64, u64) {
        (self.frames, self.rows_copied)
    }

    fn follow(&mut self, bus: &mut dyn DeviceBus) {
        let Some(region) = bus.region(0) else { return };
        match self.reader.update(region) {
            Ok(Some(rows)) => {
                self.frames += 1;
                self.rows_copied += rows.len() as u64;
            }
            Ok(None) => {}
            // Not yet written (the VGA device starts after us), or a writer that died mid-frame.
            Err(e) => tracing::trace!("framebuffer not readable: {e}"),
        }
    }
}

impl PortDevice for DisplayDevice {
    fn io_read(
        &mut self,
        _port: u16,
        width: cloister_shared::IoWidth,
        _bus: &mut dyn DeviceBus,
    ) -> u32 {
        width.mask()
    }
    fn io_write(
        &mut self,
        _port: u16,
        _width: cloister_shared::IoWidth,
        _value: u32,
        _bus: &mut dyn DeviceBus,
    ) {
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        if self.follows {
            bus.request_timer(bus.now_ns() + PERIOD_NS);
        }
    }

    fn timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        if self.follows {
            self.follow(bus);
            bus.request_timer(now_ns + PERIOD_NS);
        }
    }

    fn save(&self) -> Vec<u8> {
        // The frame itself lives in shared memory; a new display process re-reads it.
        Vec::new()
    }

    fn restore(&mut self, _state: &[u8]) -> Result<(), StateError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestBus;

    #[test]
    fn only_the_headless_display_wakes_at_the_refresh_rate() {
        let mut bus = TestBus::new(0);
        let mut headless = DisplayDevice::headless();
        headless.start(&mut bus);
        assert_eq!(bus.timer_at, Some(PERIOD_NS));
        bus.run_until(&mut headless, 10 * PERIOD_NS);
        assert_eq!(bus.timer_at, Some(11 * PERIOD_NS), "it keeps following");

        // Beside a front end the device sleeps until the supervisor speaks.
        let mut bus = TestBus::new(0);
        let mut beside = DisplayDevice::beside_front_end();
        beside.start(&mut bus);
        assert_eq!(bus.timer_at, None);
        beside.timer(PERIOD_NS, &mut bus);
        assert_eq!(bus.timer_at, None);
    }
}
