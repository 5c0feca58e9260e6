//! The commands of the ATA command set this disk accepts, and the block-by-block progress of
//! PIO data transfers.

use super::{identify, Ata, Op, ABRT, DRDY, DRQ, DSC, ERR, IDNF, LBA, SECTOR, SRST, UNC};

impl Ata {
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

    /// The task file's start address and count (0 means 256, or 65536 for a 48-bit command)
    /// for a sector command, if the sectors are on the disk.
    pub(super) fn start(&self) -> Option<(u64, u32)> {
        let d = self.drive.as_ref()?;
        if self.ext {
            let h = &self.hob;
            let lba = (h[4] as u64) << 40
                | (h[3] as u64) << 32
                | (h[2] as u64) << 24
                | (self.cyl_hi as u64) << 16
                | (self.cyl_lo as u64) << 8
                | self.sector as u64;
            let count = match (h[1] as u32) << 8 | self.count as u32 {
                0 => 65_536,
                n => n,
            };
            return (lba + count as u64 <= d.sectors).then_some((lba, count));
        }
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
    pub(super) fn set_address(&mut self, lba: u64) {
        if self.ext {
            self.sector = lba as u8;
            self.cyl_lo = (lba >> 8) as u8;
            self.cyl_hi = (lba >> 16) as u8;
            self.hob[2] = (lba >> 24) as u8;
            self.hob[3] = (lba >> 32) as u8;
            self.hob[4] = (lba >> 40) as u8;
        } else if self.select & LBA != 0 {
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

    pub(super) fn command(&mut self, cmd: u8) {
        if self.drive.is_none() || self.control & SRST != 0 {
            return;
        }
        // Device 1 is absent: only EXECUTE DEVICE DIAGNOSTIC reaches device 0 through it.
        if self.device1() && cmd != 0x90 {
            return;
        }
        self.irq = false;
        self.error = 0;
        self.ext = matches!(cmd, 0x24 | 0x27 | 0x29 | 0x34 | 0x39 | 0x42);
        let multiple = self.drive.as_ref().map_or(0, |d| d.multiple) as u32;
        match cmd {
            0x20 | 0x21 | 0x24 => self.begin_read(1),
            0x30 | 0x31 | 0x34 => self.begin_write(1),
            0xC4 | 0x29 if multiple > 0 => self.begin_read(multiple),
            0xC5 | 0x39 if multiple > 0 => self.begin_write(multiple),
            // READ NATIVE MAX ADDRESS (EXT): the last sector's address.
            0xF8 | 0x27 => {
                let last = self.drive.as_ref().map_or(0, |d| {
                    if self.ext {
                        d.sectors
                    } else {
                        d.lba28_sectors() as u64
                    }
                });
                self.set_address(last.saturating_sub(1));
                self.finish_ok();
            }
            0x40..=0x42 => match self.start() {
                Some((lba, count)) => {
                    self.set_address((lba + count as u64).saturating_sub(1));
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
            0xE7 | 0xEA => {
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
        self.set_address((next + n as u64).saturating_sub(1));
        if !self.ext {
            self.count = self.count.wrapping_sub(n as u8);
        }
        self.op = Op::Read {
            next: next + n as u64,
            left: left - n,
            block,
        };
        self.pos = 0;
        self.status = DRDY | DSC | DRQ;
        self.irq = true;
    }

    pub(super) fn block_read(&mut self) {
        match self.op {
            Op::Read { left, .. } if left > 0 => self.load_block(),
            _ => {
                self.op = Op::None;
                self.status = DRDY | DSC;
            }
        }
    }

    pub(super) fn block_written(&mut self) {
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
        self.set_address((lba + n as u64).saturating_sub(1));
        if !self.ext {
            self.count = self.count.wrapping_sub(n as u8);
        }
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
