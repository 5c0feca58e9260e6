//! An ATA (ATA-6 subset) controller: the primary channel's command block at 1F0h–1F7h and
//! device control / alternate status at 3F6h, IRQ14, with one hard disk as device 0. PIO only:
//! commands complete at once, data moves through the 16-bit data port, and REP INSW/OUTSW
//! move whole blocks through guest RAM.

mod commands;
mod drive;
mod identify;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::disk::backend::BlockBackend;
pub use drive::AtaDrive;

pub const IRQ: u8 = 14;
const SECTOR: usize = 512;

// Status bits.
const BSY: u8 = 0x80;
const DRDY: u8 = 0x40;
const DSC: u8 = 0x10;
const DRQ: u8 = 0x08;
const ERR: u8 = 0x01;
// Error bits.
const ABRT: u8 = 0x04;
const IDNF: u8 = 0x10;
const UNC: u8 = 0x40;
// Device control bits.
const NIEN: u8 = 0x02;
const SRST: u8 = 0x04;
const HOB: u8 = 0x80;
// Device/head bits.
const DEV: u8 = 0x10;
const LBA: u8 = 0x40;

/// The data transfer in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Op {
    None,
    /// Data in: `next` is the next sector to load, `left` sectors not loaded yet.
    Read {
        next: u64,
        left: u32,
        block: u32,
    },
    /// Data out: `lba` is where the buffer goes, `left` sectors including those in the buffer.
    Write {
        lba: u64,
        left: u32,
        block: u32,
    },
    /// IDENTIFY data in the buffer.
    Identify,
}

#[derive(Serialize, Deserialize)]
pub struct Ata {
    pub drive: Option<AtaDrive>,
    features: u8,
    count: u8,
    sector: u8,
    cyl_lo: u8,
    cyl_hi: u8,
    /// The previous values of features, count and LBA low/mid/high: the high-order bytes of
    /// a 48-bit command, read back with the HOB bit of device control.
    hob: [u8; 5],
    /// The command in progress uses 48-bit addressing.
    ext: bool,
    select: u8,
    status: u8,
    error: u8,
    control: u8,
    buf: Vec<u8>,
    pos: usize,
    op: Op,
    irq: bool,
}

impl Ata {
    pub fn new(disk: Option<Box<dyn BlockBackend>>) -> Self {
        let mut ata = Ata {
            drive: disk.map(AtaDrive::new),
            features: 0,
            count: 0,
            sector: 0,
            cyl_lo: 0,
            cyl_hi: 0,
            hob: [0; 5],
            ext: false,
            select: 0,
            status: 0,
            error: 0,
            control: 0,
            buf: Vec::new(),
            pos: 0,
            op: Op::None,
            irq: false,
        };
        ata.signature();
        ata
    }

    /// Device 0's registers after power-on, reset or diagnostics.
    fn signature(&mut self) {
        self.count = 1;
        self.sector = 1;
        self.cyl_lo = 0;
        self.cyl_hi = 0;
        self.select = 0;
        self.error = 0x01; // device 0 passed, no device 1
        self.status = DRDY | DSC;
        self.op = Op::None;
        self.buf.clear();
        self.pos = 0;
    }

    fn device1(&self) -> bool {
        self.select & DEV != 0
    }

    /// The status as the selected device shows it: no device 1, and nothing at all without
    /// a disk (a floating bus).
    pub fn status(&self) -> u8 {
        match self.drive {
            None => 0xFF,
            Some(_) if self.device1() => 0x00,
            Some(_) => self.status,
        }
    }

    /// INTRQ: a pending interrupt, enabled by nIEN, from the selected device.
    pub fn irq_line(&self) -> bool {
        self.irq && self.control & NIEN == 0 && !self.device1()
    }

    /// Whether the saved transfer state is coherent (checked on restore).
    pub fn consistent(&self) -> bool {
        let block_ok = match self.op {
            Op::Read { block, .. } | Op::Write { block, .. } => (1..=256).contains(&block),
            _ => true,
        };
        block_ok && self.pos <= self.buf.len() && self.buf.len() <= 256 * SECTOR
    }

    fn data_in(&self) -> bool {
        self.status & DRQ != 0 && matches!(self.op, Op::Read { .. } | Op::Identify)
    }

    fn data_out(&self) -> bool {
        self.status & DRQ != 0 && matches!(self.op, Op::Write { .. })
    }

    pub fn read(&mut self, port: u16) -> u8 {
        if self.drive.is_none() {
            return 0xFF;
        }
        match port {
            0x1F0 => self.read_data(1)[0],
            0x1F1 => self.error,
            0x1F2..=0x1F5 if self.control & HOB != 0 => self.hob[(port - 0x1F1) as usize],
            0x1F2 => self.count,
            0x1F3 => self.sector,
            0x1F4 => self.cyl_lo,
            0x1F5 => self.cyl_hi,
            0x1F6 => self.select,
            0x1F7 => {
                self.irq = false;
                self.status()
            }
            0x3F6 => self.status(),
            _ => 0xFF,
        }
    }

    /// A read of 1F7h answered from the published value: its side effect.
    pub fn status_read(&mut self) {
        self.irq = false;
    }

    pub fn write(&mut self, port: u16, value: u8) {
        if (0x1F1..=0x1F7).contains(&port) {
            // A write to the command block ends reading back the high-order bytes.
            self.control &= !HOB;
        }
        // Each of these registers is a two-byte FIFO: the byte written before moves back.
        let push = |hob: &mut u8, reg: &mut u8| {
            *hob = *reg;
            *reg = value;
        };
        match port {
            0x1F0 => self.write_data(&[value]),
            0x1F1 => push(&mut self.hob[0], &mut self.features),
            0x1F2 => push(&mut self.hob[1], &mut self.count),
            0x1F3 => push(&mut self.hob[2], &mut self.sector),
            0x1F4 => push(&mut self.hob[3], &mut self.cyl_lo),
            0x1F5 => push(&mut self.hob[4], &mut self.cyl_hi),
            0x1F6 => self.select = value,
            0x1F7 => self.command(value),
            0x3F6 => self.device_control(value),
            _ => {}
        }
    }

    fn device_control(&mut self, value: u8) {
        let was_reset = self.control & SRST != 0;
        self.control = value;
        if value & SRST != 0 {
            self.op = Op::None;
            self.status = BSY;
            self.irq = false;
        } else if was_reset {
            // The end of a soft reset: the signature, and no interrupt.
            self.signature();
        }
    }

    /// Reads up to `n` bytes of the data port (a byte, word or dword access).
    pub fn read_data(&mut self, n: usize) -> [u8; 4] {
        let mut out = [0xFF; 4];
        if self.data_in() {
            let avail = (self.buf.len() - self.pos).min(n);
            out[..avail].copy_from_slice(&self.buf[self.pos..self.pos + avail]);
            self.pos += avail;
            if self.pos >= self.buf.len() {
                self.block_read();
            }
        }
        out
    }

    /// Takes `data` for the data port.
    pub fn write_data(&mut self, data: &[u8]) {
        if !self.data_out() {
            return;
        }
        let n = (self.buf.len() - self.pos).min(data.len());
        self.buf[self.pos..self.pos + n].copy_from_slice(&data[..n]);
        self.pos += n;
        if self.pos >= self.buf.len() {
            self.block_written();
        }
    }

    /// The current data-in block still unread, for a block move to guest RAM.
    pub fn pending_in(&self) -> &[u8] {
        if self.data_in() {
            &self.buf[self.pos..]
        } else {
            &[]
        }
    }

    /// Room left in the current data-out block.
    pub fn pending_out(&self) -> usize {
        if self.data_out() {
            self.buf.len() - self.pos
        } else {
            0
        }
    }

    /// Consumes `n` bytes of [`Ata::pending_in`].
    pub fn consume_in(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
        if self.pos >= self.buf.len() {
            self.block_read();
        }
    }
}
