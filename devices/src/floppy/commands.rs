//! The 82077AA command set: what each command byte needs, and its execution and result bytes.

use cloister_shared::DeviceBus;

use super::{Fdc, Phase, DMA_CHANNEL};
use crate::disk::backend::BlockBackend;
use crate::dma::{Dma, Transfer};

// ST0 bits.
const ST0_ABNORMAL: u8 = 0x40;
const ST0_SEEK_END: u8 = 0x20;
const ST0_EQUIP_CHECK: u8 = 0x10;
// ST1 bits.
const ST1_END_OF_CYL: u8 = 0x80;
const ST1_DATA_ERROR: u8 = 0x20;
const ST1_OVERRUN: u8 = 0x10;
const ST1_NO_DATA: u8 = 0x04;
const ST1_NOT_WRITABLE: u8 = 0x02;
const ST1_MISSING_AM: u8 = 0x01;
// ST2 bits.
const ST2_WRONG_CYL: u8 = 0x10;
const ST2_BAD_CYL: u8 = 0x02;

const SECTOR: usize = 512;

/// Bytes in the command that starts with `first`, or `None` if it is not one we accept.
pub fn length(first: u8) -> Option<usize> {
    Some(match first {
        0x03 => 3,                      // SPECIFY
        0x04 => 2,                      // SENSE DRIVE STATUS
        0x07 => 2,                      // RECALIBRATE
        0x08 => 1,                      // SENSE INTERRUPT STATUS
        0x0E => 1,                      // DUMPREG
        0x0F => 3,                      // SEEK
        0x10 => 1,                      // VERSION
        0x12 => 2,                      // PERPENDICULAR MODE
        0x13 => 4,                      // CONFIGURE
        0x14 | 0x94 => 1,               // UNLOCK / LOCK
        _ if first & 0x1F == 0x06 => 9, // READ DATA (MT, MFM, SK)
        _ if first & 0x3F == 0x05 => 9, // WRITE DATA (MT, MFM)
        _ if first & 0xBF == 0x0A => 2, // READ ID (MFM)
        _ if first & 0xBF == 0x0D => 6, // FORMAT TRACK (MFM)
        _ => return None,
    })
}

/// The ID of the sector after the final one transferred (the datasheet's result table).
fn next_id(c: u8, h: u8, r: u8, eot: u8, mt: bool, head: u8) -> (u8, u8, u8) {
    if r != eot {
        (c, h, r.wrapping_add(1))
    } else if !mt {
        (c.wrapping_add(1), h, 1)
    } else if head == 0 {
        (c, h ^ 1, 1)
    } else {
        (c.wrapping_add(1), h ^ 1, 1)
    }
}

/// How one sector's data moves: gets the medium and the sector's byte offset.
type SectorStep<'a> = dyn FnMut(&mut dyn BlockBackend, u64) -> Result<Transfer, ()> + 'a;

impl Fdc {
    pub(super) fn execute(&mut self, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        let cmd = self.command.clone();
        match cmd[0] {
            0x03 => {
                self.srt_hut = cmd[1];
                self.hlt_nd = cmd[2];
                self.finish(&[]);
            }
            0x04 => {
                let st3 = self.drive_status(cmd[1]);
                self.finish(&[st3]);
            }
            0x07 => self.seek(cmd[1] & 3, 0, 0, true),
            0x08 => match self.sense.pop_front() {
                Some((st0, pcn)) => {
                    self.irq = !self.sense.is_empty();
                    self.finish(&[st0, pcn]);
                }
                None => self.finish(&[0x80]),
            },
            0x0E => {
                let d = &self.drives;
                let lock_perp = (self.locked as u8) << 7 | (self.perpendicular & 0x3F);
                let regs = [
                    d[0].cylinder,
                    d[1].cylinder,
                    0,
                    0,
                    self.srt_hut,
                    self.hlt_nd,
                    self.last_eot,
                    lock_perp,
                    self.config,
                    self.pretrk,
                ];
                self.finish(&regs);
            }
            0x0F => self.seek(cmd[1] & 3, cmd[1] >> 2 & 1, cmd[2], false),
            0x10 => self.finish(&[0x90]),
            0x12 => {
                self.perpendicular = if cmd[1] & 0x80 != 0 {
                    cmd[1] & 0x3F
                } else {
                    (self.perpendicular & 0x3C) | (cmd[1] & 3)
                };
                self.finish(&[]);
            }
            0x13 => {
                self.config = cmd[2];
                self.pretrk = cmd[3];
                self.finish(&[]);
            }
            0x14 | 0x94 => {
                self.locked = cmd[0] & 0x80 != 0;
                self.finish(&[(self.locked as u8) << 4]);
            }
            op if op & 0x1F == 0x06 => self.transfer(false, dma, bus),
            op if op & 0x3F == 0x05 => self.transfer(true, dma, bus),
            op if op & 0xBF == 0x0A => self.read_id(),
            _ => self.format(dma, bus),
        }
    }

    fn drive_status(&self, sel: u8) -> u8 {
        let (ds, head) = (sel & 3, sel >> 2 & 1);
        let mut st3 = 0x20 | 0x08 | head << 2 | ds; // ready, two-sided
        if let Some(d) = self.drives.get(ds as usize).filter(|d| d.present) {
            if d.cylinder == 0 {
                st3 |= 0x10;
            }
            if d.media.is_none() || d.read_only {
                st3 |= 0x40;
            }
        }
        st3
    }

    /// SEEK and RECALIBRATE: the head moves at once; the interrupt reports the seek end.
    fn seek(&mut self, ds: u8, head: u8, cylinder: u8, recalibrate: bool) {
        let st0 = match self.drives.get_mut(ds as usize).filter(|d| d.present) {
            Some(d) => {
                d.seek(cylinder);
                ST0_SEEK_END | head << 2 | ds
            }
            // No drive: recalibrate never sees track 0.
            None if recalibrate => ST0_ABNORMAL | ST0_SEEK_END | ST0_EQUIP_CHECK | ds,
            None => ST0_SEEK_END | head << 2 | ds,
        };
        if self.sense.len() >= 4 {
            self.sense.pop_front();
        }
        self.sense.push_back((st0, cylinder));
        self.irq = true;
        self.finish(&[]);
    }

    /// Ends a command with a result and the completion interrupt.
    fn complete(&mut self, result: &[u8]) {
        self.finish(result);
        self.irq = true;
    }

    /// Whether drive `ds` has a disk it can read at the current rate with this command.
    fn can_read(&self, ds: u8, head: u8, mfm: bool) -> bool {
        let Some(d) = self.drives.get(ds as usize).filter(|d| d.present) else {
            return false;
        };
        let Some(g) = d.loaded() else { return false };
        mfm && g.accepts_rate(self.rate) && head < g.heads
    }

    fn read_id(&mut self) {
        let (ds, head) = (self.command[1] & 3, self.command[1] >> 2 & 1);
        let mfm = self.command[0] & 0x40 != 0;
        if !self.can_read(ds, head, mfm) {
            self.complete(&[ST0_ABNORMAL | head << 2 | ds, ST1_MISSING_AM, 0, 0, 0, 0, 0]);
            return;
        }
        let d = &mut self.drives[ds as usize];
        let spt = d.geometry.map_or(1, |g| g.sectors);
        let r = d.next_sector.clamp(1, spt);
        d.next_sector = r % spt + 1;
        let c = d.cylinder;
        self.complete(&[head << 2 | ds, 0, 0, c, head, r, 2]);
    }

    /// READ DATA and WRITE DATA.
    fn transfer(&mut self, write: bool, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        let cmd = self.command.clone();
        let (ds, head) = (cmd[1] & 3, cmd[1] >> 2 & 1);
        let (c, h, r, n, eot) = (cmd[2], cmd[3], cmd[4], cmd[5], cmd[6]);
        self.last_eot = eot;
        if !self.non_dma() && !dma.ready(DMA_CHANNEL) {
            self.phase = Phase::DmaWait;
            return;
        }
        let fail = |st1: u8, st2: u8| [ST0_ABNORMAL | head << 2 | ds, st1, st2, c, h, r, n];
        if !self.can_read(ds, head, cmd[0] & 0x40 != 0) {
            return self.complete(&fail(ST1_MISSING_AM, 0));
        }
        let implied = self.implied_seek();
        let d = &mut self.drives[ds as usize];
        if implied {
            d.seek(c);
        }
        if d.cylinder != c {
            let st2 = if c == 0xFF {
                ST2_BAD_CYL
            } else {
                ST2_WRONG_CYL
            };
            return self.complete(&fail(ST1_NO_DATA, st2));
        }
        if n != 2 || h != head {
            return self.complete(&fail(ST1_NO_DATA, 0));
        }
        if write && d.read_only {
            return self.complete(&fail(ST1_NOT_WRITABLE, 0));
        }
        if self.non_dma() {
            return self.start_pio(write);
        }
        let mut buf = [0u8; SECTOR];
        let result = if write {
            self.run_sectors(&mut |media, off| {
                buf.fill(0);
                let t = dma.read_from_memory(DMA_CHANNEL, &mut buf, bus);
                if t.bytes > 0 {
                    media.write(off, &buf).map_err(|_| ())?;
                }
                Ok(t)
            })
        } else {
            self.run_sectors(&mut |media, off| {
                media.read(off, &mut buf).map_err(|_| ())?;
                Ok(dma.write_to_memory(DMA_CHANNEL, &buf, bus))
            })
        };
        self.complete(&result);
    }

    /// Non-DMA transfers: a read fills the FIFO buffer now; a write waits for its data.
    fn start_pio(&mut self, write: bool) {
        if write {
            let sectors = self.sectors_until_end();
            self.pio.clear();
            self.pio_expected = sectors * SECTOR;
            self.phase = Phase::PioWrite;
            return;
        }
        let mut data = Vec::new();
        let result = self.run_sectors(&mut |media, off| {
            let mut buf = [0u8; SECTOR];
            media.read(off, &mut buf).map_err(|_| ())?;
            data.extend_from_slice(&buf);
            Ok(Transfer {
                bytes: SECTOR,
                tc: false,
            })
        });
        if data.is_empty() {
            return self.complete(&result);
        }
        self.pio = data;
        self.pio_pos = 0;
        self.pio_result = result;
        self.phase = Phase::PioRead;
    }

    /// Sectors a transfer covers from its start sector to EOT (through side 1 with MT).
    fn sectors_until_end(&self) -> usize {
        let cmd = &self.command;
        let (head, r, eot, mt) = (cmd[1] >> 2 & 1, cmd[4], cmd[6], cmd[0] & 0x80 != 0);
        let mut n = (eot as usize + 1).saturating_sub(r as usize).max(1);
        if mt && head == 0 {
            n += eot as usize;
        }
        // No track has more than 36 sectors: a transfer ends (in error) by then.
        n.min(2 * 36)
    }

    pub(super) fn complete_pio_write(&mut self, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        let _ = (dma, bus);
        if self.command.first().is_some_and(|&op| op & 0xBF == 0x0D) {
            let ids = std::mem::take(&mut self.pio);
            return self.format_with(&ids);
        }
        let data = std::mem::take(&mut self.pio);
        let mut at = 0usize;
        let result = self.run_sectors(&mut |media, off| {
            let Some(chunk) = data.get(at..at + SECTOR) else {
                return Ok(Transfer {
                    bytes: 0,
                    tc: false,
                });
            };
            at += SECTOR;
            media.write(off, chunk).map_err(|_| ())?;
            Ok(Transfer {
                bytes: SECTOR,
                tc: false,
            })
        });
        self.complete(&result);
    }

    /// Steps through sectors from the command's R to EOT (and side 1 with MT) until terminal
    /// count, calling `step` for each; returns the seven result bytes.
    fn run_sectors(&mut self, step: &mut SectorStep) -> Vec<u8> {
        let cmd = self.command.clone();
        let (ds, mut head) = (cmd[1] & 3, cmd[1] >> 2 & 1);
        let (c, mut h, mut r, n, eot) = (cmd[2], cmd[3], cmd[4], cmd[5], cmd[6]);
        let mt = cmd[0] & 0x80 != 0;
        let drive = self.drives.get_mut(ds as usize);
        let Some((g, media)) = drive.and_then(|d| Some((d.geometry?, d.media.as_mut()?))) else {
            return vec![ST0_ABNORMAL | ds, ST1_MISSING_AM, 0, c, h, r, n];
        };
        loop {
            let st0 = head << 2 | ds;
            if r == 0 || r > g.sectors || c >= g.cylinders {
                return vec![ST0_ABNORMAL | st0, ST1_NO_DATA, 0, c, h, r, n];
            }
            let t = match step(media.as_mut(), g.offset(c, head, r)) {
                Ok(t) => t,
                Err(()) => return vec![ST0_ABNORMAL | st0, ST1_DATA_ERROR, 0x20, c, h, r, n],
            };
            if t.tc {
                let (c, h, r) = next_id(c, h, r, eot, mt, head);
                return vec![st0, 0, 0, c, h, r, n];
            }
            if t.bytes < SECTOR {
                // The channel stopped without terminal count: the FIFO overran.
                return vec![ST0_ABNORMAL | st0, ST1_OVERRUN, 0, c, h, r, n];
            }
            if r == eot {
                if mt && head == 0 && g.heads == 2 {
                    head = 1;
                    h ^= 1;
                    r = 1;
                    continue;
                }
                let (c, h, r) = next_id(c, h, r, eot, mt, head);
                return vec![ST0_ABNORMAL | st0, ST1_END_OF_CYL, 0, c, h, r, n];
            }
            r = r.wrapping_add(1);
        }
    }

    /// FORMAT TRACK: takes C, H, R, N for each sector (DMA or FIFO) and fills the sectors.
    fn format(&mut self, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        let cmd = self.command.clone();
        let (ds, head, sc) = (cmd[1] & 3, cmd[1] >> 2 & 1, cmd[3]);
        if !self.non_dma() && !dma.ready(DMA_CHANNEL) {
            self.phase = Phase::DmaWait;
            return;
        }
        if !self.can_read(ds, head, cmd[0] & 0x40 != 0) {
            return self.complete(&[
                ST0_ABNORMAL | head << 2 | ds,
                ST1_MISSING_AM,
                0,
                0,
                0,
                0,
                cmd[2],
            ]);
        }
        if self.drives[ds as usize].read_only {
            return self.complete(&[
                ST0_ABNORMAL | head << 2 | ds,
                ST1_NOT_WRITABLE,
                0,
                0,
                0,
                0,
                cmd[2],
            ]);
        }
        let mut ids = vec![0u8; sc as usize * 4];
        if self.non_dma() {
            self.pio.clear();
            self.pio_expected = ids.len();
            self.phase = Phase::PioWrite;
            return;
        }
        let t = dma.read_from_memory(DMA_CHANNEL, &mut ids, bus);
        ids.truncate(t.bytes - t.bytes % 4);
        self.format_with(&ids);
    }

    fn format_with(&mut self, ids: &[u8]) {
        let cmd = self.command.clone();
        let (ds, head, filler) = (cmd[1] & 3, cmd[1] >> 2 & 1, cmd[5]);
        let drive = self.drives.get_mut(ds as usize);
        let Some((cylinder, g, media)) =
            drive.and_then(|d| Some((d.cylinder, d.geometry?, d.media.as_mut()?)))
        else {
            // The disk left while the host was giving the IDs.
            return self.complete(&[
                ST0_ABNORMAL | head << 2 | ds,
                ST1_MISSING_AM,
                0,
                0,
                0,
                0,
                cmd[2],
            ]);
        };
        let fill = [filler; SECTOR];
        let mut last = [cylinder, head, 0, cmd[2]];
        let mut st1 = 0;
        for id in ids.chunks_exact(4) {
            last.copy_from_slice(id);
            // The image holds only its own format: sectors of other sizes or numbers are lost.
            let (r, n) = (id[2], id[3]);
            let fits =
                n == 2 && (1..=g.sectors).contains(&r) && cylinder < g.cylinders && head < g.heads;
            if fits && media.write(g.offset(cylinder, head, r), &fill).is_err() {
                st1 = ST1_DATA_ERROR;
            }
        }
        let st0 = if st1 != 0 { ST0_ABNORMAL } else { 0 } | head << 2 | ds;
        self.complete(&[st0, st1, 0, last[0], last[1], last[2], last[3]]);
    }
}
