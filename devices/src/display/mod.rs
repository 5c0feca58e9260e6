//! The display device: it serves no ports; it follows the VGA framebuffer in shared memory (its
//! region 0 is the VGA device's framebuffer region), copying only the rows that changed, at the
//! screen's refresh rate, and counts frames. It is the headless display in every mode.
//!
//! The window and terminal front ends (`--display window|term`) are host user interface, not a
//! device model: they run on a thread of the supervisor (`frontend/src/display`), which owns the
//! controlling terminal, outlives every other process (so it can always put the terminal back),
//! forwards keys to the keyboard device as `--keys` does, and has a thread to spare in inline
//! mode, where this device runs inside the CPU process. They use the same reader over the same
//! region. See docs/DISPLAY.md.

use cloister_shared::framebuffer::{FramebufferReader, FRAMEBUFFER_SIZE};
use cloister_shared::{DeviceBus, DeviceManifest, PortDevice, StateError};

/// How often the display looks for a new frame (70 Hz, the text modes' refresh rate).
const PERIOD_NS: u64 = 1_000_000_000 / 70;

pub struct HeadlessDisplay {
    reader: FramebufferReader,
    frames: u64,
    rows_copied: u64,
}

impl Default for HeadlessDisplay {
    fn default() -> Self {
        Self::new()
    }
}

impl HeadlessDisplay {
    pub fn new() -> Self {
        HeadlessDisplay {
            reader: FramebufferReader::new(),
            frames: 0,
            rows_copied: 0,
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

impl PortDevice for HeadlessDisplay {
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
        bus.request_timer(bus.now_ns() + PERIOD_NS);
    }

    fn timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        self.follow(bus);
        bus.request_timer(now_ns + PERIOD_NS);
    }

    fn save(&self) -> Vec<u8> {
        // The frame itself lives in shared memory; a new display process re-reads it.
        Vec::new()
    }

    fn restore(&mut self, _state: &[u8]) -> Result<(), StateError> {
        Ok(())
    }
}
