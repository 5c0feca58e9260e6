//! The VGA: sequencer, CRT controller, graphics controller, attribute controller and DAC, 256 KiB
//! of planar video memory behind the A0000h-BFFFFh window, and a renderer that turns them into
//! the framebuffer region the display process shows.
//!
//! - [`sequencer`], [`crtc`], [`graphics`], [`attribute`], [`dac`]: the register files.
//! - [`memory`]: CPU reads and writes (latches, read and write modes, chain 4, odd/even).
//! - [`render`]: scan-out of text and graphics into pixels and the text snapshot.
//! - [`display`]: when to render and publishing to the framebuffer region.
//! - [`ports`]: port decoding and the registers published to the CPU.
//! - [`timing`]: line and frame rates (input status 1), blink rates.
//! - [`state`]: save and restore.
//!
//! Regions: 0 is video memory (256 KiB, the plane layout is in [`memory`]); 1 is the framebuffer
//! ([`cloister_shared::framebuffer`]).
//!
//! The picture is rendered at the monitor's resolution (dots and scan lines as the CRTC and
//! sequencer time them): 720x400 for 9-dot 80- and 40-column text, 640x400 for modes 13h, 0Dh
//! and the CGA modes (pixels doubled), 640x480 for 12h. Choices where references or emulators
//! differ: in 8-bit colour the pixel byte goes straight to the DAC (the 16 palette registers are
//! bypassed); palette registers 0-Fh ignore writes while the palette address source bit is set;
//! the split screen starts on the scan line after the line compare value.

pub mod attribute;
pub mod crtc;
pub mod dac;
mod display;
pub mod graphics;
pub mod memory;
mod ports;
pub mod render;
pub mod sequencer;
pub mod state;
pub mod timing;

#[cfg(test)]
mod tests;

use cloister_shared::framebuffer::FRAMEBUFFER_SIZE;
use cloister_shared::{
    DeviceBus, DeviceManifest, IoWidth, MemWindow, PortDevice, PortRange, Published, StateError,
};

use display::Screen;
use memory::{Access, VRAM_SIZE};
use ports::{FIRST_PORT, PORT_COUNT};
use state::VgaState;

/// What the VGA serves: its ports, the legacy video window, video memory and the framebuffer.
/// 3BCh-3BFh are left out: they are the monochrome adapter's parallel port, not the VGA's.
pub fn manifest() -> DeviceManifest {
    DeviceManifest {
        name: "vga".into(),
        ports: vec![
            PortRange::new(FIRST_PORT, 0x0C),
            PortRange::new(0x3C0, 0x20),
        ],
        irqs: vec![],
        mem_windows: vec![MemWindow {
            start: 0xA0000,
            len: 0x20000,
        }],
        guest_ram: false,
        regions: vec![VRAM_SIZE as u64, FRAMEBUFFER_SIZE as u64],
    }
}

/// The VGA device.
pub struct Vga {
    state: VgaState,
    screen: Screen,
    /// Render period, from the CRTC's frame rate.
    frame_ns: u64,
    /// What each port last published, to publish only changes.
    publish_cache: [Option<(Published, bool)>; PORT_COUNT as usize],
}

impl Default for Vga {
    fn default() -> Self {
        Self::new()
    }
}

impl Vga {
    /// A VGA in its power-on state: registers zero, video memory access disabled until the
    /// BIOS programs the misc output, DAC black, pel mask FFh.
    pub fn new() -> Self {
        Vga {
            state: VgaState::default(),
            screen: Screen {
                armed_at: u64::MAX,
                ..Screen::default()
            },
            frame_ns: 14_285_714,
            publish_cache: [None; PORT_COUNT as usize],
        }
    }

    /// Same as [`manifest`].
    pub fn manifest() -> DeviceManifest {
        manifest()
    }

    fn access(&self) -> Access<'_> {
        Access {
            seq: &self.state.seq,
            gc: &self.state.gc,
        }
    }

    fn read_byte(&mut self, addr: u32, bus: &mut dyn DeviceBus) -> u8 {
        if !self.state.ram_enabled() {
            return 0xFF;
        }
        let Some(offset) = self.access().window_offset(addr) else {
            return 0xFF;
        };
        let Some(vram) = display::vram(bus) else {
            return 0xFF;
        };
        let mut latches = self.state.latches;
        let value = Access {
            seq: &self.state.seq,
            gc: &self.state.gc,
        }
        .read(vram, &mut latches, offset);
        self.state.latches = latches;
        value
    }

    fn write_byte(&mut self, addr: u32, value: u8, bus: &mut dyn DeviceBus) {
        if !self.state.ram_enabled() {
            return;
        }
        let Some(offset) = self.access().window_offset(addr) else {
            return;
        };
        let Some(vram) = display::vram(bus) else {
            return;
        };
        self.access().write(vram, self.state.latches, offset, value);
        self.display_changed(bus);
    }
}

impl PortDevice for Vga {
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
        (0..width.bytes()).fold(0, |v, i| {
            v | (self.read_port(port.wrapping_add(i as u16), bus) as u32) << (8 * i)
        })
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        // A word write is index then data (OUT DX, AX to 3C4h), and so on.
        for i in 0..width.bytes() {
            self.write_port(port.wrapping_add(i as u16), (value >> (8 * i)) as u8, bus);
        }
    }

    fn mem_read(&mut self, addr: u32, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
        (0..width.bytes()).fold(0, |v, i| {
            v | (self.read_byte(addr.wrapping_add(i), bus) as u32) << (8 * i)
        })
    }

    fn mem_write(&mut self, addr: u32, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        for i in 0..width.bytes() {
            self.write_byte(addr.wrapping_add(i), (value >> (8 * i)) as u8, bus);
        }
    }

    fn read_notify(&mut self, port: u16, _width: IoWidth, _bus: &mut dyn DeviceBus) {
        self.status_read(port);
    }

    fn timer(&mut self, now_ns: u64, bus: &mut dyn DeviceBus) {
        self.on_timer(now_ns, bus);
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        let now = bus.now_ns();
        if self.state.epoch_ns == 0 {
            self.state.epoch_ns = now;
        }
        self.republish(bus, true);
        // Draw the first frame now: the region may hold a previous process's picture.
        self.screen.dirty = true;
        self.arm(now, bus);
    }

    fn save(&self) -> Vec<u8> {
        self.state.encode()
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), StateError> {
        self.state = VgaState::decode(state)?;
        self.screen = Screen {
            armed_at: u64::MAX,
            ..Screen::default()
        };
        self.publish_cache = [None; PORT_COUNT as usize];
        Ok(())
    }
}
