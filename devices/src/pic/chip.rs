//! One 8259A: request, in-service and mask registers, the priority resolver and the
//! initialisation/operation command words.

use serde::{Deserialize, Serialize};

/// Where the chip is in its ICW1–ICW4 initialisation sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InitStep {
    Ready,
    Icw2,
    Icw3,
    Icw4,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Chip {
    pub irr: u8,
    pub isr: u8,
    pub imr: u8,
    /// Current level of each IR input.
    pub lines: u8,
    /// Edge/level control (ELCR): a set bit makes the input level-sensitive.
    pub elcr: u8,
    /// Bits of ELCR that exist on this chip.
    pub elcr_mask: u8,
    /// The master chip (its ICW3 lists slave inputs; a slave's is its identity).
    pub master: bool,
    pub vector_base: u8,
    /// The IR with the lowest priority; the one after it has the highest.
    pub lowest_priority: u8,
    pub init: InitStep,
    pub needs_icw4: bool,
    pub single: bool,
    /// ICW3: slave lines (master) or slave identity (slave).
    pub icw3: u8,
    pub auto_eoi: bool,
    pub rotate_on_aeoi: bool,
    pub special_mask: bool,
    pub special_fully_nested: bool,
    pub read_isr: bool,
    pub poll: bool,
}

impl Chip {
    pub fn new(elcr_mask: u8, master: bool) -> Self {
        Chip {
            irr: 0,
            isr: 0,
            imr: 0xFF,
            lines: 0,
            elcr: 0,
            elcr_mask,
            master,
            vector_base: 0,
            lowest_priority: 7,
            init: InitStep::Ready,
            needs_icw4: false,
            single: false,
            icw3: 0,
            auto_eoi: false,
            rotate_on_aeoi: false,
            special_mask: false,
            special_fully_nested: false,
            read_isr: false,
            poll: false,
        }
    }

    /// Drives IR input `irq` to `level`. Edge-sensitive inputs latch a rising edge in IRR;
    /// level-sensitive inputs make IRR follow the line.
    pub fn set_line(&mut self, irq: u8, level: bool) {
        let bit = 1u8 << (irq & 7);
        let was = self.lines & bit != 0;
        if level {
            self.lines |= bit;
        } else {
            self.lines &= !bit;
        }
        if self.elcr & bit != 0 {
            if level {
                self.irr |= bit;
            } else {
                self.irr &= !bit;
            }
        } else if level && !was {
            self.irr |= bit;
        }
    }

    /// IR numbers from highest to lowest current priority.
    fn priority_order(&self) -> impl Iterator<Item = u8> {
        let first = self.lowest_priority.wrapping_add(1) & 7;
        (0..8u8).map(move |i| (first + i) & 7)
    }

    /// The request the chip would signal on INT, honouring masks, in-service levels, special
    /// mask mode and special fully nested mode.
    pub fn pending(&self) -> Option<u8> {
        let requests = self.irr & !self.imr;
        if requests == 0 {
            return None;
        }
        for irq in self.priority_order() {
            let bit = 1u8 << irq;
            // A request comes before the in-service check only where SFNM lets a slave
            // interrupt its own in-service cascade level.
            let nested =
                self.special_fully_nested && self.master && !self.single && self.icw3 & bit != 0;
            if nested && requests & bit != 0 {
                return Some(irq);
            }
            // In special mask mode a masked in-service level does not hold off others.
            let blocks = self.isr & bit != 0 && !(self.special_mask && self.imr & bit != 0);
            if blocks {
                return None;
            }
            if requests & bit != 0 {
                return Some(irq);
            }
        }
        None
    }

    /// INTA for `irq` (a value `pending` returned): moves it from IRR to ISR.
    pub fn acknowledge(&mut self, irq: u8) {
        let bit = 1u8 << (irq & 7);
        // A level input stays requested while the line is high; an edge is consumed.
        if self.elcr & bit == 0 {
            self.irr &= !bit;
        }
        if self.auto_eoi {
            if self.rotate_on_aeoi {
                self.lowest_priority = irq & 7;
            }
        } else {
            self.isr |= bit;
        }
    }

    /// The in-service level with the highest priority, which a non-specific EOI ends.
    fn highest_in_service(&self) -> Option<u8> {
        self.priority_order()
            .find(|&irq| self.isr & (1 << irq) != 0)
    }

    /// A write to the even port: ICW1, OCW2 or OCW3.
    pub fn write_command(&mut self, value: u8) {
        if value & 0x10 != 0 {
            self.icw1(value);
        } else if value & 0x08 != 0 {
            self.ocw3(value);
        } else {
            self.ocw2(value);
        }
    }

    /// A write to the odd port: ICW2–ICW4 during initialisation, otherwise OCW1 (the mask).
    pub fn write_data(&mut self, value: u8) {
        match self.init {
            InitStep::Ready => self.imr = value,
            InitStep::Icw2 => {
                self.vector_base = value & 0xF8;
                self.init = if !self.single {
                    InitStep::Icw3
                } else if self.needs_icw4 {
                    InitStep::Icw4
                } else {
                    InitStep::Ready
                };
            }
            InitStep::Icw3 => {
                self.icw3 = value;
                self.init = if self.needs_icw4 {
                    InitStep::Icw4
                } else {
                    InitStep::Ready
                };
            }
            InitStep::Icw4 => {
                self.auto_eoi = value & 0x02 != 0;
                self.special_fully_nested = value & 0x10 != 0;
                self.init = InitStep::Ready;
            }
        }
    }

    fn icw1(&mut self, value: u8) {
        // ICW1 resets the edge latches, the mask, priorities, special mask and the read
        // register selection; ICW4 settings not sent are taken as zero.
        self.needs_icw4 = value & 0x01 != 0;
        self.single = value & 0x02 != 0;
        self.irr = self.lines & self.elcr;
        self.isr = 0;
        self.imr = 0;
        self.lowest_priority = 7;
        self.special_mask = false;
        self.read_isr = false;
        self.poll = false;
        self.auto_eoi = false;
        self.rotate_on_aeoi = false;
        self.special_fully_nested = false;
        self.init = InitStep::Icw2;
    }

    fn ocw2(&mut self, value: u8) {
        let level = value & 7;
        match value >> 5 {
            0b001 => {
                if let Some(irq) = self.highest_in_service() {
                    self.isr &= !(1 << irq);
                }
            }
            0b011 => self.isr &= !(1 << level),
            0b101 => {
                if let Some(irq) = self.highest_in_service() {
                    self.isr &= !(1 << irq);
                    self.lowest_priority = irq;
                }
            }
            0b100 => self.rotate_on_aeoi = true,
            0b000 => self.rotate_on_aeoi = false,
            0b111 => {
                self.isr &= !(1 << level);
                self.lowest_priority = level;
            }
            0b110 => self.lowest_priority = level,
            _ => {}
        }
    }

    fn ocw3(&mut self, value: u8) {
        match (value >> 5) & 3 {
            0b11 => self.special_mask = true,
            0b10 => self.special_mask = false,
            _ => {}
        }
        self.poll = value & 0x04 != 0;
        match value & 3 {
            0b10 => self.read_isr = false,
            0b11 => self.read_isr = true,
            _ => {}
        }
    }

    /// A read of the even port outside poll mode: IRR or ISR as OCW3 selected.
    pub fn read_status(&self) -> u8 {
        if self.read_isr {
            self.isr
        } else {
            self.irr
        }
    }

    /// Whether the chip's INT output is asserted.
    pub fn output(&self) -> bool {
        self.init == InitStep::Ready && self.pending().is_some()
    }
}
