//! The disk group, one process: the 8237 DMA pair, the floppy controller (which uses DMA
//! channel 2) and the primary ATA channel.

pub mod backend;
#[cfg(test)]
mod ring_tests;
mod state;
#[cfg(test)]
mod tests;

use cloister_shared::{
    DeviceBus, DeviceManifest, Hold, IoWidth, PortDevice, PortRange, Published, StateError,
};

use crate::ata::{self, Ata};
use crate::dma::Dma;
use crate::floppy::{self, Fdc, FloppyError};
pub use backend::{BackendError, BlockBackend, FileBackend, MemBackend};

/// Published ports: FDC SRA, SRB, DOR, TDR, MSR and DIR, ATA error to device/head and the
/// alternate status, whose reads have no side effect; 1F7h with notify (its read clears the
/// interrupt); the FDC's FIFO in the result phase, as a queue the CPU pops. The MSR and the
/// result queue carry holds (see [`Fdc::published_msr`]).
const PUBLISHED_PORTS: [u16; 15] = [
    0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F4, 0x3F5, 0x3F7, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6,
    0x1F7, 0x3F6,
];

/// What is published for one port: value, notify, hold.
type PublishedPort = (Published, bool, Option<Hold>);

pub struct Disk {
    dma: Dma,
    fdc: Fdc,
    ata: Ata,
    irq_levels: [bool; 2],
    published: [Option<PublishedPort>; PUBLISHED_PORTS.len()],
}

impl Disk {
    /// A disk group with floppy drives 0 and 1 installed as given (images are inserted with
    /// [`Disk::insert_floppy`]) and an optional hard disk as ATA device 0.
    pub fn new(floppy_drives: [bool; 2], hard_disk: Option<Box<dyn BlockBackend>>) -> Self {
        Disk {
            dma: Dma::new(),
            fdc: Fdc::new(floppy_drives),
            ata: Ata::new(hard_disk),
            irq_levels: [false; 2],
            published: [None; PUBLISHED_PORTS.len()],
        }
    }

    pub fn manifest(&self) -> DeviceManifest {
        DeviceManifest {
            name: "disk".into(),
            ports: vec![
                PortRange::new(0x00, 0x10),
                PortRange::new(0x81, 0x0F),
                PortRange::new(0xC0, 0x20),
                PortRange::new(0x1F0, 8),
                PortRange::new(0x3F0, 8),
            ],
            irqs: vec![floppy::IRQ, ata::IRQ],
            mem_windows: vec![],
            guest_ram: true,
            regions: vec![],
        }
    }

    /// Puts a floppy image in drive 0 or 1 (its format is recognised by size).
    pub fn insert_floppy(
        &mut self,
        drive: usize,
        image: Box<dyn BlockBackend>,
    ) -> Result<(), FloppyError> {
        self.fdc.insert(drive, image)
    }

    /// Takes the floppy out of drive 0 or 1.
    pub fn eject_floppy(&mut self, drive: usize) -> Option<Box<dyn BlockBackend>> {
        self.fdc.eject(drive)
    }

    /// Brings the IRQ lines and the published registers up to date.
    fn settle(&mut self, bus: &mut dyn DeviceBus) {
        let levels = [self.fdc.irq_line(), self.ata.irq_line()];
        for (i, line) in [floppy::IRQ, ata::IRQ].into_iter().enumerate() {
            if levels[i] != self.irq_levels[i] {
                self.irq_levels[i] = levels[i];
                bus.set_irq(line, levels[i]);
            }
        }
        for (i, &port) in PUBLISHED_PORTS.iter().enumerate() {
            let stat = |v: u8| Published::Static(v as u32);
            let p: PublishedPort = match port {
                0x3F4 => {
                    let (msr, hold) = self.fdc.published_msr();
                    (stat(msr), false, hold)
                }
                floppy::FIFO_PORT => {
                    let (queue, hold) = self.fdc.published_fifo();
                    (queue, hold.is_some(), hold)
                }
                0x3F0..=0x3F7 if port != 0x3F6 => (stat(self.fdc.read(port)), false, None),
                0x1F7 | 0x3F6 => (stat(self.ata.status()), port == 0x1F7, None),
                _ => (stat(self.ata.read(port)), false, None),
            };
            if self.published[i] != Some(p) {
                self.published[i] = Some(p);
                bus.publish_held(port, p.0, p.1, p.2);
            }
        }
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            p if Dma::serves(p) => self.dma.read(p),
            0x1F0..=0x1F7 | 0x3F6 => self.ata.read(port),
            0x3F0..=0x3F7 => self.fdc.read(port),
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8, bus: &mut dyn DeviceBus) {
        match port {
            p if Dma::serves(p) => {
                self.dma.write(p, value);
                self.fdc.dma_changed(&mut self.dma, bus);
            }
            0x1F0..=0x1F7 | 0x3F6 => self.ata.write(port, value),
            0x3F0..=0x3F7 => self.fdc.write(port, value, &mut self.dma, bus),
            _ => {}
        }
    }
}

impl PortDevice for Disk {
    fn io_read(&mut self, port: u16, width: IoWidth, bus: &mut dyn DeviceBus) -> u32 {
        let value = if port == 0x1F0 {
            // The data port moves 2 or 4 bytes per access.
            u32::from_le_bytes(self.ata.read_data(width.bytes() as usize))
        } else {
            (0..width.bytes()).fold(0, |v, i| {
                v | (self.read_byte(port.wrapping_add(i as u16)) as u32) << (8 * i)
            })
        };
        self.settle(bus);
        value & width.mask()
    }

    fn io_write(&mut self, port: u16, width: IoWidth, value: u32, bus: &mut dyn DeviceBus) {
        if port == 0x1F0 {
            self.ata
                .write_data(&value.to_le_bytes()[..width.bytes() as usize]);
        } else {
            for i in 0..width.bytes() {
                self.write_byte(port.wrapping_add(i as u16), (value >> (8 * i)) as u8, bus);
            }
        }
        self.settle(bus);
    }

    fn io_read_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u64,
        count: u32,
        backward: bool,
        bus: &mut dyn DeviceBus,
    ) -> u32 {
        if port != 0x1F0 || backward {
            return cloister_shared::io::read_block_per_item(
                self, port, width, addr, count, backward, bus,
            );
        }
        // Whole blocks at a time straight into guest RAM.
        let unit = width.bytes() as usize;
        let mut moved = 0usize;
        let total = count as usize * unit;
        while moved < total {
            let pending = self.ata.pending_in();
            let n = pending.len().min(total - moved) / unit * unit;
            if n == 0 {
                break;
            }
            if !bus.write_ram(addr + moved as u64, &pending[..n]) {
                self.settle(bus);
                return (moved / unit) as u32;
            }
            self.ata.consume_in(n);
            moved += n;
        }
        // Past the data the device offers, the bus floats.
        if moved < total && !bus.write_ram(addr + moved as u64, &vec![0xFF; total - moved]) {
            self.settle(bus);
            return (moved / unit) as u32;
        }
        self.settle(bus);
        count
    }

    fn io_write_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u64,
        count: u32,
        backward: bool,
        bus: &mut dyn DeviceBus,
    ) -> u32 {
        if port != 0x1F0 || backward {
            return cloister_shared::io::write_block_per_item(
                self, port, width, addr, count, backward, bus,
            );
        }
        let unit = width.bytes() as usize;
        let total = count as usize * unit;
        let mut moved = 0usize;
        let mut chunk = Vec::new();
        while moved < total {
            let n = self.ata.pending_out().min(total - moved) / unit * unit;
            if n == 0 {
                break;
            }
            chunk.resize(n, 0);
            if !bus.read_ram(addr + moved as u64, &mut chunk) {
                self.settle(bus);
                return (moved / unit) as u32;
            }
            self.ata.write_data(&chunk);
            moved += n;
        }
        self.settle(bus);
        // Writes past what the device takes go nowhere, as on the bus.
        count
    }

    fn read_notify(&mut self, port: u16, _width: IoWidth, bus: &mut dyn DeviceBus) {
        match port {
            0x1F7 => self.ata.status_read(),
            // The CPU popped a result byte from the published queue: pop ours.
            floppy::FIFO_PORT => {
                self.fdc.read(port);
            }
            _ => return,
        }
        self.settle(bus);
    }

    fn start(&mut self, bus: &mut dyn DeviceBus) {
        self.published = [None; PUBLISHED_PORTS.len()];
        self.irq_levels = [!self.fdc.irq_line(), !self.ata.irq_line()];
        self.settle(bus);
    }

    fn save(&self) -> Vec<u8> {
        state::save(self)
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        state::restore(self, bytes)
    }
}
