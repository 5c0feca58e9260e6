//! An ATA (ATA-6 subset) controller: the primary channel's command block at 1F0h–1F7h and
//! device control / alternate status at 3F6h, IRQ14, with one hard disk as device 0. PIO only:
//! commands complete at once, data moves through the 16-bit data port, and REP INSW/OUTSW
//! move whole blocks through guest RAM.

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
        self.pos <= self.buf.len() && self.buf.len() <= 256 * SECTOR
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
        match port {
            0x1F0 => self.write_data(&[value]),
            0x1F1 => self.features = value,
            0x1F2 => self.count = value,
            0x1F3 => self.sector = value,
            0x1F4 => self.cyl_lo = value,
            0x1F5 => self.cyl_hi = value,
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

    fn finish_ok(&mut self) {
        self.op = Op::None;
        self.status = DRDY | DSC;
        self.irq = true;
    }

    fn abort(&mut self, error: u8) {
        self.op = Op::None;
        self.error = error;
        self.status = DRDY | DSC | ERR;
        self.irq = true;
    }

    /// The task file's start address and count (0 means 256) for a sector command, if valid.
    fn start(&self) -> Option<(u64, u32)> {
        let d = self.drive.as_ref()?;
        let count = if self.count == 0 {
            256
        } else {
            self.count as u32
        };
        let lba = if self.select & LBA != 0 {
            (self.select as u64 & 0x0F) << 24
                | (self.cyl_hi as u64) << 16
                | (self.cyl_lo as u64) << 8
                | self.sector as u64
        } else {
            d.chs_to_lba(
                (self.cyl_hi as u16) << 8 | self.cyl_lo as u16,
                self.select & 0x0F,
                self.sector,
            )?
        };
        (lba + count as u64 <= d.lba28_sectors() as u64).then_some((lba, count))
    }

    /// Leaves the address of `lba` in the task file, as after a transfer of that sector.
    fn set_address(&mut self, lba: u64) {
        if self.select & LBA != 0 {
            self.sector = lba as u8;
            self.cyl_lo = (lba >> 8) as u8;
            self.cyl_hi = (lba >> 16) as u8;
            self.select = (self.select & 0xF0) | (lba >> 24) as u8 & 0x0F;
        } else if let Some(d) = &self.drive {
            let (c, h, s) = d.lba_to_chs(lba);
            self.cyl_lo = c as u8;
            self.cyl_hi = (c >> 8) as u8;
            self.select = (self.select & 0xF0) | (h & 0x0F);
            self.sector = s;
        }
    }

    fn command(&mut self, cmd: u8) {
        if self.drive.is_none() || self.control & SRST != 0 {
            return;
        }
        // Device 1 is absent: only EXECUTE DEVICE DIAGNOSTIC reaches device 0 through it.
        if self.device1() && cmd != 0x90 {
            return;
        }
        self.irq = false;
        self.error = 0;
        let multiple = self.drive.as_ref().map_or(0, |d| d.multiple) as u32;
        match cmd {
            0x20 | 0x21 => self.begin_read(1),
            0x30 | 0x31 => self.begin_write(1),
            0xC4 if multiple > 0 => self.begin_read(multiple),
            0xC5 if multiple > 0 => self.begin_write(multiple),
            0x40 | 0x41 => match self.start() {
                Some((lba, count)) => {
                    self.set_address(lba + count as u64 - 1);
                    self.count = 0;
                    self.finish_ok();
                }
                None => self.abort(IDNF),
            },
            0x91 => {
                let (heads, spt) = ((self.select & 0x0F) + 1, self.count);
                match self.drive.as_mut().map(|d| d.set_geometry(heads, spt)) {
                    Some(true) => self.finish_ok(),
                    _ => self.abort(ABRT),
                }
            }
            0xC6 => {
                let n = self.count;
                let ok = n == 0 || (n <= identify::MAX_MULTIPLE && n.is_power_of_two());
                match self.drive.as_mut() {
                    Some(d) if ok => {
                        d.multiple = n;
                        self.finish_ok();
                    }
                    _ => self.abort(ABRT),
                }
            }
            0xEF => self.set_features(),
            0x70..=0x7F => match self.start() {
                Some(_) => self.finish_ok(),
                None => self.abort(IDNF),
            },
            0x10..=0x1F => {
                self.cyl_lo = 0;
                self.cyl_hi = 0;
                self.finish_ok();
            }
            0x90 => {
                self.signature();
                self.irq = true;
            }
            0xE7 => {
                let flushed = self
                    .drive
                    .as_mut()
                    .and_then(|d| d.backend.as_mut())
                    .map(|b| b.flush());
                match flushed {
                    Some(Ok(())) => self.finish_ok(),
                    _ => self.abort(ABRT),
                }
            }
            0xEC => {
                let data = self
                    .drive
                    .as_ref()
                    .map(identify::identify)
                    .unwrap_or_default();
                self.buf = data;
                self.pos = 0;
                self.op = Op::Identify;
                self.status = DRDY | DSC | DRQ;
                self.irq = true;
            }
            // Standby and idle are accepted; CHECK POWER MODE reports "active".
            0xE0..=0xE3 => self.finish_ok(),
            0xE5 => {
                self.count = 0xFF;
                self.finish_ok();
            }
            _ => self.abort(ABRT),
        }
    }

    fn set_features(&mut self) {
        let Some(d) = self.drive.as_mut() else { return };
        match self.features {
            0x02 => d.write_cache = true,
            0x82 => d.write_cache = false,
            // Transfer mode: PIO default/modes 0–4 only.
            0x03 if self.count >> 3 <= 1 && (self.count & 7) <= 4 => {}
            0x55 | 0xAA | 0x66 | 0xCC => {}
            _ => return self.abort(ABRT),
        }
        self.finish_ok();
    }

    fn begin_read(&mut self, block: u32) {
        match self.start() {
            Some((lba, count)) => {
                self.op = Op::Read {
                    next: lba,
                    left: count,
                    block,
                };
                self.load_block();
            }
            None => self.abort(IDNF),
        }
    }

    fn begin_write(&mut self, block: u32) {
        let Some((lba, count)) = self.start() else {
            return self.abort(IDNF);
        };
        if self.drive.as_ref().is_some_and(|d| d.read_only) {
            return self.abort(ABRT);
        }
        let n = block.min(count);
        self.op = Op::Write {
            lba,
            left: count,
            block,
        };
        self.buf = vec![0; n as usize * SECTOR];
        self.pos = 0;
        // The first block is asked for without an interrupt.
        self.status = DRDY | DSC | DRQ;
    }

    /// Reads the next block of a read command from the image and offers it.
    fn load_block(&mut self) {
        let Op::Read { next, left, block } = self.op else {
            return;
        };
        let n = block.min(left);
        self.buf.resize(n as usize * SECTOR, 0);
        let result = match self.drive.as_mut().and_then(|d| d.backend.as_mut()) {
            Some(b) => b.read(next * SECTOR as u64, &mut self.buf).is_ok(),
            None => false,
        };
        if !result {
            self.set_address(next);
            return self.abort(UNC);
        }
        self.set_address(next + n as u64 - 1);
        self.count = self.count.wrapping_sub(n as u8);
        self.op = Op::Read {
            next: next + n as u64,
            left: left - n,
            block,
        };
        self.pos = 0;
        self.status = DRDY | DSC | DRQ;
        self.irq = true;
    }

    fn block_read(&mut self) {
        match self.op {
            Op::Read { left, .. } if left > 0 => self.load_block(),
            _ => {
                self.op = Op::None;
                self.status = DRDY | DSC;
            }
        }
    }

    fn block_written(&mut self) {
        let Op::Write { lba, left, block } = self.op else {
            return;
        };
        let n = (self.buf.len() / SECTOR) as u32;
        let ok = match self.drive.as_mut().and_then(|d| d.backend.as_mut()) {
            Some(b) => b.write(lba * SECTOR as u64, &self.buf).is_ok(),
            None => false,
        };
        if !ok {
            self.set_address(lba);
            return self.abort(ABRT);
        }
        self.set_address(lba + n as u64 - 1);
        self.count = self.count.wrapping_sub(n as u8);
        let left = left.saturating_sub(n);
        if left == 0 {
            return self.finish_ok();
        }
        let next = block.min(left);
        self.op = Op::Write {
            lba: lba + n as u64,
            left,
            block,
        };
        self.buf = vec![0; next as usize * SECTOR];
        self.pos = 0;
        self.status = DRDY | DSC | DRQ;
        self.irq = true;
    }
}
