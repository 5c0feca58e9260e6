//! Tests drive the device through its ports and memory window, as a guest would, with a bus
//! that holds the two shared regions.

mod memory;
mod ports;
mod render;
mod text;

use std::collections::HashMap;

use cloister_shared::framebuffer::{Frame, FramebufferReader, FRAMEBUFFER_SIZE};
use cloister_shared::{DeviceBus, IoWidth, PortDevice, Published};

use super::memory::VRAM_SIZE;
use super::Vga;

pub struct Bus {
    pub now: u64,
    pub vram: Vec<u8>,
    /// Framebuffer storage as words, for the alignment the framebuffer view needs.
    pub fb: Vec<u32>,
    pub published: HashMap<u16, (Published, bool)>,
    pub timer_at: Option<u64>,
}

impl Bus {
    pub fn new() -> Self {
        Bus {
            now: 1_000_000_000,
            vram: vec![0; VRAM_SIZE],
            fb: vec![0; FRAMEBUFFER_SIZE / 4],
            published: HashMap::new(),
            timer_at: None,
        }
    }

    pub fn fb_bytes(&mut self) -> &mut [u8] {
        let len = self.fb.len() * 4;
        let ptr = self.fb.as_mut_ptr() as *mut u8;
        // SAFETY: the bytes are exactly the u32 vector's memory, borrowed mutably for the
        // slice's lifetime; u8 has no alignment requirement and any bit pattern is valid.
        unsafe { std::slice::from_raw_parts_mut(ptr, len) }
    }

    /// The value a CPU read of a published port gets now.
    pub fn published_value(&self, port: u16) -> Option<u32> {
        self.published
            .get(&port)
            .and_then(|(p, _)| p.evaluate(self.now))
    }
}

impl DeviceBus for Bus {
    fn set_irq(&mut self, _line: u8, _level: bool) {}
    fn pulse_irq(&mut self, _line: u8) {}
    fn now_ns(&self) -> u64 {
        self.now
    }
    fn read_ram(&mut self, _addr: u64, _buf: &mut [u8]) -> bool {
        false
    }
    fn write_ram(&mut self, _addr: u64, _buf: &[u8]) -> bool {
        false
    }
    fn publish(&mut self, port: u16, value: Published, notify: bool) {
        self.published.insert(port, (value, notify));
    }
    fn request_timer(&mut self, at_ns: u64) {
        self.timer_at = (at_ns != u64::MAX).then_some(at_ns);
    }
    fn region(&mut self, index: usize) -> Option<&mut [u8]> {
        match index {
            0 => Some(&mut self.vram),
            1 => Some(self.fb_bytes()),
            _ => None,
        }
    }
}

/// A VGA wired to a bus, with guest-like helpers.
pub struct Rig {
    pub vga: Vga,
    pub bus: Bus,
}

impl Rig {
    pub fn new() -> Self {
        let mut rig = Rig {
            vga: Vga::new(),
            bus: Bus::new(),
        };
        rig.vga.start(&mut rig.bus);
        rig
    }

    pub fn outb(&mut self, port: u16, value: u8) {
        self.vga
            .io_write(port, IoWidth::Byte, value as u32, &mut self.bus);
    }

    pub fn inb(&mut self, port: u16) -> u8 {
        self.vga.io_read(port, IoWidth::Byte, &mut self.bus) as u8
    }

    pub fn set(&mut self, index_port: u16, index: u8, value: u8) {
        self.outb(index_port, index);
        self.outb(index_port + 1, value);
    }

    pub fn poke(&mut self, addr: u32, value: u8) {
        self.vga
            .mem_write(addr, IoWidth::Byte, value as u32, &mut self.bus);
    }

    pub fn peek(&mut self, addr: u32) -> u8 {
        self.vga.mem_read(addr, IoWidth::Byte, &mut self.bus) as u8
    }

    /// Plane byte as stored in video memory.
    pub fn plane(&self, plane: usize, offset: usize) -> u8 {
        self.bus.vram[offset * 4 + plane]
    }

    /// Programs a mode from its register table, the way a BIOS does.
    pub fn set_mode(&mut self, mode: &Mode) {
        self.outb(0x3C2, mode.misc);
        for (i, &v) in mode.seq.iter().enumerate() {
            self.set(0x3C4, i as u8, v);
        }
        let crtc = if mode.misc & 1 != 0 { 0x3D4 } else { 0x3B4 };
        // Unlock CR0-7 before loading them; the table's CR11 locks them again.
        self.set(crtc, 0x11, 0);
        for (i, &v) in mode.crtc.iter().enumerate() {
            self.set(crtc, i as u8, v);
        }
        for (i, &v) in mode.gc.iter().enumerate() {
            self.set(0x3CE, i as u8, v);
        }
        self.inb(crtc + 6);
        for (i, &v) in mode.attr.iter().enumerate() {
            self.outb(0x3C0, i as u8);
            self.outb(0x3C0, v);
        }
        self.outb(0x3C0, 0x20);
    }

    pub fn set_dac(&mut self, index: u8, rgb: [u8; 3]) {
        self.outb(0x3C8, index);
        for c in rgb {
            self.outb(0x3C9, c);
        }
    }

    /// Lets the device's timers run until `ns` later.
    pub fn advance(&mut self, ns: u64) {
        let end = self.bus.now + ns;
        for _ in 0..10_000 {
            match self.bus.timer_at {
                Some(t) if t <= end => {
                    self.bus.now = self.bus.now.max(t);
                    self.bus.timer_at = None;
                    let now = self.bus.now;
                    self.vga.timer(now, &mut self.bus);
                }
                _ => break,
            }
        }
        self.bus.now = end;
    }

    /// Renders whatever is pending and reads the framebuffer back.
    pub fn frame(&mut self) -> Frame {
        self.advance(50_000_000);
        FramebufferReader::snapshot(self.bus.fb_bytes()).expect("a frame")
    }
}

/// A mode's register table.
pub struct Mode {
    pub misc: u8,
    pub seq: [u8; 5],
    pub crtc: [u8; 25],
    pub gc: [u8; 9],
    pub attr: [u8; 21],
}

/// 80x25 text, 9x16 characters, 720x400.
pub const MODE_03: Mode = Mode {
    misc: 0x67,
    seq: [0x03, 0x00, 0x03, 0x00, 0x02],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF],
    attr: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E,
        0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
    ],
};

/// 320x200, 4 colours, CGA layout at B8000h.
pub const MODE_04: Mode = Mode {
    misc: 0x63,
    seq: [0x03, 0x09, 0x03, 0x00, 0x02],
    crtc: [
        0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF],
    attr: [
        0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17, 0x01, 0x00, 0x03, 0x00, 0x00,
    ],
};

/// 640x200, 2 colours, CGA layout at B8000h.
pub const MODE_06: Mode = Mode {
    misc: 0x63,
    seq: [0x03, 0x01, 0x01, 0x00, 0x06],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x00, 0x96, 0xB9, 0xC2, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x00, 0xFF],
    attr: [
        0x00, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,
        0x17, 0x01, 0x00, 0x01, 0x00, 0x00,
    ],
};

/// 80x25 monochrome text at B0000h, 9x14 characters, 720x350, CRTC at 3B4h.
pub const MODE_07: Mode = Mode {
    misc: 0xA6,
    seq: [0x03, 0x00, 0x03, 0x00, 0x02],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4D, 0x0B, 0x0C, 0x00, 0x00, 0x00,
        0x00, 0x83, 0x85, 0x5D, 0x28, 0x0D, 0x63, 0xBA, 0xA3, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0A, 0x00, 0xFF],
    attr: [
        0x00, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x10, 0x18, 0x18, 0x18, 0x18, 0x18, 0x18,
        0x18, 0x0E, 0x00, 0x0F, 0x08, 0x00,
    ],
};

/// 320x200, 16 colours, planar.
pub const MODE_0D: Mode = Mode {
    misc: 0x63,
    seq: [0x03, 0x09, 0x0F, 0x00, 0x06],
    crtc: [
        0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xE3, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF],
    attr: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17, 0x01, 0x00, 0x0F, 0x00, 0x00,
    ],
};

/// 640x480, 16 colours, planar.
pub const MODE_12: Mode = Mode {
    misc: 0xE3,
    seq: [0x03, 0x01, 0x0F, 0x00, 0x06],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF],
    attr: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E,
        0x3F, 0x01, 0x00, 0x0F, 0x00, 0x00,
    ],
};

/// 320x200, 256 colours, chain 4.
pub const MODE_13: Mode = Mode {
    misc: 0x63,
    seq: [0x03, 0x01, 0x0F, 0x00, 0x0E],
    crtc: [
        0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF,
    ],
    gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF],
    attr: [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
        0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00,
    ],
};

/// `0x00RRGGBB` of a 6-bit DAC colour.
pub fn rgb(c: [u8; 3]) -> u32 {
    let w = |v: u8| ((v << 2) | (v >> 4)) as u32;
    w(c[0]) << 16 | w(c[1]) << 8 | w(c[2])
}
