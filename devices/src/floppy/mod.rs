//! An 82077AA-class floppy disk controller (AT mode) at 3F0h–3F5h and 3F7h, IRQ6, DMA
//! channel 2, with up to two drives over raw images.
//!
//! Commands execute at once when their last byte arrives (seeks too); data moves through the
//! DMA controller, or through the FIFO in non-DMA mode. A command that finds its DMA channel
//! masked waits until the channel is unmasked.

mod commands;
mod drive;
pub mod geometry;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::disk::backend::BlockBackend;
use crate::dma::Dma;
use cloister_shared::published::{Access, QUEUE_MAX};
use cloister_shared::{DeviceBus, Hold, Published};
pub use drive::Drive;
pub use geometry::Geometry;

pub const IRQ: u8 = 6;
pub const DMA_CHANNEL: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum FloppyError {
    #[error("a floppy image of {0} bytes matches no known format")]
    UnknownSize(u64),
    #[error("there is no floppy drive {0}")]
    NoDrive(usize),
}

// Main status register bits.
const MSR_RQM: u8 = 0x80;
const MSR_DIO: u8 = 0x40;
const MSR_NDMA: u8 = 0x20;
const MSR_CB: u8 = 0x10;
/// The data FIFO's port.
pub const FIFO_PORT: u16 = 0x3F5;
/// The DMA controllers' ports (both 8237s and the page registers): programming them does not
/// change what the controller shows, unless a command waits for its channel.
const DMA_PORTS: [(u16, u16); 2] = [(0x00, 0x0F), (0x81, 0xDF)];

/// A hold counted in `counting` accesses to the FIFO, ignoring DMA programming (see
/// [`Fdc::published_msr`]).
fn fifo_hold(counting: Access, accesses: usize, then: Option<u8>) -> Hold {
    Hold {
        port: FIFO_PORT,
        counting,
        accesses: accesses.min(u8::MAX as usize) as u8,
        then: then.map(u32::from),
        ignoring: DMA_PORTS,
    }
}
// DOR bits.
const DOR_NRESET: u8 = 0x04;
const DOR_DMA_IRQ: u8 = 0x08;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Held in reset by DOR bit 2.
    Reset,
    /// Waiting for a command's bytes.
    Command,
    /// A data command waits for its DMA channel to be unmasked.
    DmaWait,
    /// Non-DMA read: the host takes the data from the FIFO.
    PioRead,
    /// Non-DMA write or format: the host gives the data through the FIFO.
    PioWrite,
    /// The host reads the result bytes.
    Result,
}

#[derive(Serialize, Deserialize)]
pub struct Fdc {
    pub drives: [Drive; 2],
    dor: u8,
    tdr: u8,
    rate: u8,
    phase: Phase,
    command: Vec<u8>,
    result: VecDeque<u8>,
    /// Non-DMA data and, for reads, the result that follows it.
    pio: Vec<u8>,
    pio_pos: usize,
    pio_expected: usize,
    pio_result: Vec<u8>,
    /// Interrupt statuses for SENSE INTERRUPT STATUS: (ST0, PCN).
    sense: VecDeque<(u8, u8)>,
    /// The controller's interrupt request (before the DOR gate).
    irq: bool,
    srt_hut: u8,
    hlt_nd: u8,
    config: u8,
    pretrk: u8,
    locked: bool,
    perpendicular: u8,
    last_eot: u8,
}

impl Fdc {
    /// A controller with drives of the given presence (drive 0, drive 1).
    pub fn new(present: [bool; 2]) -> Self {
        Fdc {
            drives: [Drive::new(present[0]), Drive::new(present[1])],
            // A hardware reset clears the DOR: the controller stays in reset until the BIOS
            // sets bit 2.
            dor: 0,
            tdr: 0,
            rate: geometry::RATE_250K,
            phase: Phase::Reset,
            command: Vec::new(),
            result: VecDeque::new(),
            pio: Vec::new(),
            pio_pos: 0,
            pio_expected: 0,
            pio_result: Vec::new(),
            sense: VecDeque::new(),
            irq: false,
            srt_hut: 0,
            hlt_nd: 0,
            config: 0x20, // FIFO disabled, drive polling enabled
            pretrk: 0,
            locked: false,
            perpendicular: 0,
            last_eot: 0,
        }
    }

    /// Puts a disk in drive `n`; the disk change line is raised.
    pub fn insert(&mut self, n: usize, media: Box<dyn BlockBackend>) -> Result<(), FloppyError> {
        let geometry =
            Geometry::from_size(media.len()).ok_or(FloppyError::UnknownSize(media.len()))?;
        let drive = self
            .drives
            .get_mut(n)
            .filter(|d| d.present)
            .ok_or(FloppyError::NoDrive(n))?;
        drive.read_only = media.read_only();
        drive.media = Some(media);
        drive.geometry = Some(geometry);
        drive.changed = true;
        Ok(())
    }

    /// Takes the disk out of drive `n`, returning its image.
    pub fn eject(&mut self, n: usize) -> Option<Box<dyn BlockBackend>> {
        let drive = self.drives.get_mut(n)?;
        drive.geometry = None;
        drive.changed = true;
        drive.media.take()
    }

    /// Whether a restored state is coherent enough to run (command bytes match the phase).
    pub fn consistent(&self) -> bool {
        let full =
            self.command.first().and_then(|&c| commands::length(c)) == Some(self.command.len());
        let command_ok = match self.phase {
            Phase::DmaWait | Phase::PioWrite => full,
            _ => self.command.len() <= 9,
        };
        command_ok
            && self.pio_expected <= 1 << 20
            && self.result.len() <= 16
            && self.sense.len() <= 4
    }

    /// The IRQ6 level: the request, gated by DOR bit 3.
    pub fn irq_line(&self) -> bool {
        self.irq && self.dor & DOR_DMA_IRQ != 0
    }

    fn non_dma(&self) -> bool {
        self.hlt_nd & 1 != 0
    }

    fn implied_seek(&self) -> bool {
        self.config & 0x40 != 0
    }

    pub fn msr(&self) -> u8 {
        match self.phase {
            Phase::Reset => 0,
            Phase::Command if self.command.is_empty() => MSR_RQM,
            Phase::Command => MSR_RQM | MSR_CB,
            Phase::DmaWait => MSR_CB,
            Phase::PioRead => MSR_RQM | MSR_DIO | MSR_NDMA | MSR_CB,
            Phase::PioWrite => MSR_RQM | MSR_NDMA | MSR_CB,
            Phase::Result => MSR_RQM | MSR_DIO | MSR_CB,
        }
    }

    /// The MSR as published, and how long it holds while command or result bytes pass (so the
    /// CPU can answer a guest that polls it between bytes without waiting for us): through a
    /// command's bytes up to the last (which runs it), and through the result bytes, after the
    /// last of which it reads RQM. DMA programming never changes it, except for a command
    /// waiting for its channel.
    pub fn published_msr(&self) -> (u8, Option<Hold>) {
        let held = match self.phase {
            Phase::Reset => Some(fifo_hold(Access::Write, 0, None)),
            Phase::Command => {
                let remaining = self
                    .command
                    .first()
                    .and_then(|&c| commands::length(c))
                    .map_or(1, |len| len.saturating_sub(self.command.len()).max(1));
                Some(fifo_hold(Access::Write, remaining - 1, None))
            }
            Phase::Result => Some(fifo_hold(
                Access::NotifiedRead,
                self.result.len().saturating_sub(1),
                Some(MSR_RQM),
            )),
            Phase::DmaWait | Phase::PioRead | Phase::PioWrite => None,
        };
        (self.msr(), held)
    }

    /// The FIFO as published: in the result phase, the result bytes as a queue the CPU pops
    /// (each pop reaches us as a notice, [`Fdc::read`] of the FIFO); otherwise unpublished.
    pub fn published_fifo(&self) -> (Published, Option<Hold>) {
        if self.phase != Phase::Result || self.result.len() > QUEUE_MAX {
            return (Published::None, None);
        }
        let mut bytes = [0u8; QUEUE_MAX];
        for (b, r) in bytes.iter_mut().zip(&self.result) {
            *b = *r;
        }
        let len = self.result.len();
        let hold = fifo_hold(Access::NotifiedRead, len.saturating_sub(1), None);
        (
            Published::Queue {
                bytes,
                len: len as u8,
            },
            Some(hold),
        )
    }

    /// Resets the controller (DOR bit 2 pulse or DSR bit 7). With drive polling enabled, an
    /// interrupt follows with one status per drive for SENSE INTERRUPT STATUS.
    fn reset(&mut self) {
        self.phase = Phase::Command;
        self.command.clear();
        self.result.clear();
        self.pio.clear();
        self.sense.clear();
        self.irq = false;
        if !self.locked {
            self.config = 0x20;
            self.pretrk = 0;
        }
        self.perpendicular &= 0x3C;
        if self.config & 0x10 == 0 {
            for n in 0..4u8 {
                let pcn = self.drives.get(n as usize).map_or(0, |d| d.cylinder);
                self.sense.push_back((0xC0 | n, pcn));
            }
            self.irq = true;
        }
    }

    pub fn read(&mut self, port: u16) -> u8 {
        match port & 7 {
            0 => (self.irq_line() as u8) << 7, // SRA: interrupt pending
            1 => 0xC0 | (self.dor >> 4 & 3) | (self.dor & 1) << 5,
            2 => self.dor,
            3 => self.tdr,
            4 => self.msr(),
            5 => self.read_fifo(),
            7 => {
                // DIR: bit 7 is the selected drive's disk change line.
                let changed = self
                    .drives
                    .get((self.dor & 3) as usize)
                    .is_some_and(|d| d.changed);
                (changed as u8) << 7
            }
            _ => 0xFF,
        }
    }

    pub fn write(&mut self, port: u16, value: u8, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        match port & 7 {
            2 => {
                let was_reset = self.dor & DOR_NRESET == 0;
                self.dor = value;
                if value & DOR_NRESET == 0 {
                    self.phase = Phase::Reset;
                    self.irq = false;
                } else if was_reset {
                    self.reset();
                }
            }
            3 => self.tdr = value & 3,
            4 => {
                self.rate = value & 3;
                if value & 0x80 != 0 {
                    self.reset();
                }
            }
            5 => self.write_fifo(value, dma, bus),
            7 => self.rate = value & 3,
            _ => {}
        }
    }

    fn read_fifo(&mut self) -> u8 {
        match self.phase {
            Phase::Result => {
                self.irq = false;
                let v = self.result.pop_front().unwrap_or(0);
                if self.result.is_empty() {
                    self.phase = Phase::Command;
                }
                v
            }
            Phase::PioRead => {
                let v = self.pio.get(self.pio_pos).copied().unwrap_or(0);
                self.pio_pos += 1;
                if self.pio_pos >= self.pio.len() {
                    self.pio.clear();
                    let result = std::mem::take(&mut self.pio_result);
                    self.finish(&result);
                    self.irq = true;
                }
                v
            }
            _ => 0xFF,
        }
    }

    fn write_fifo(&mut self, value: u8, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        match self.phase {
            Phase::Command => {
                if self.command.is_empty() {
                    self.irq = false;
                }
                self.command.push(value);
                match commands::length(self.command[0]) {
                    None => {
                        self.command.clear();
                        self.finish(&[0x80]); // invalid command
                    }
                    Some(len) if self.command.len() >= len => self.execute(dma, bus),
                    Some(_) => {}
                }
            }
            Phase::PioWrite => {
                self.pio.push(value);
                if self.pio.len() >= self.pio_expected {
                    self.complete_pio_write(dma, bus);
                }
            }
            _ => {}
        }
    }

    /// The DMA registers changed: a command waiting for its channel may go on.
    pub fn dma_changed(&mut self, dma: &mut Dma, bus: &mut dyn DeviceBus) {
        if self.phase == Phase::DmaWait && dma.ready(DMA_CHANNEL) {
            self.execute(dma, bus);
        }
    }

    /// Enters the result phase with `bytes` (none: back to the command phase).
    fn finish(&mut self, bytes: &[u8]) {
        self.command.clear();
        self.result = bytes.iter().copied().collect();
        self.phase = if self.result.is_empty() {
            Phase::Command
        } else {
            Phase::Result
        };
    }
}
