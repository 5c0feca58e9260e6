//! The CPU's architectural state (IA-32) and its public API.

use crate::model::Quirks;
use crate::{Bus, CpuModel};

/// General-purpose register index, in the encoding's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reg {
    Eax = 0,
    Ecx = 1,
    Edx = 2,
    Ebx = 3,
    Esp = 4,
    Ebp = 5,
    Esi = 6,
    Edi = 7,
}

/// Segment register index, in the encoding's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SegReg {
    Es = 0,
    Cs = 1,
    Ss = 2,
    Ds = 3,
    Fs = 4,
    Gs = 5,
}

/// A segment register with its descriptor cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub selector: u16,
    pub base: u32,
    pub limit: u32,
    /// Descriptor attribute bits (type, S, DPL, P, AVL, D/B, G), as in bits 8–23 of the
    /// descriptor's high dword.
    pub attrs: u32,
}

/// GDTR or IDTR: base and limit of a descriptor table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableReg {
    pub base: u32,
    pub limit: u16,
}

/// Why [`Cpu::run`] or [`Cpu::step`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget ran out (for `step`: the instruction completed).
    Budget,
    /// The CPU executed HLT and waits for an interrupt.
    Halted,
    /// The CPU shut down (triple fault), or stopped at something the interpreter does not do
    /// yet: then [`Cpu::unimplemented`] says what.
    Shutdown,
}

/// Why an instruction did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A processor exception, delivered through the interrupt vector table.
    Exception(u8),
    /// See [`Cpu::unimplemented`] (which holds what). Kept payload-free so that `R<u32>` fits
    /// in registers.
    Unimplemented,
}

pub(crate) type R<T> = Result<T, Fault>;

/// Exception vectors the interpreter raises.
pub(crate) mod vector {
    pub const DE: u8 = 0;
    pub const DB: u8 = 1;
    pub const NMI: u8 = 2;
    pub const BP: u8 = 3;
    pub const OF: u8 = 4;
    pub const BR: u8 = 5;
    pub const UD: u8 = 6;
    pub const DF: u8 = 8;
    pub const SS: u8 = 12;
    pub const GP: u8 = 13;
}

/// Repeat prefix of the instruction being executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Rep {
    #[default]
    None,
    /// F3: REP / REPE.
    Repe,
    /// F2: REPNE.
    Repne,
}

/// Prefix state of the instruction being executed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Prefixes {
    /// Segment override.
    pub seg: Option<SegReg>,
    /// 32-bit operand size.
    pub op32: bool,
    /// 32-bit address size.
    pub addr32: bool,
    pub rep: Rep,
}

/// The CPU.
pub struct Cpu {
    pub model: CpuModel,
    /// EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI.
    pub gpr: [u32; 8],
    pub eip: u32,
    pub segs: [Segment; 6],
    pub cr0: u32,
    pub cr2: u32,
    pub cr3: u32,
    pub cr4: u32,
    pub dr: [u32; 8],
    pub gdtr: TableReg,
    pub idtr: TableReg,
    pub ldtr: Segment,
    pub tr: Segment,
    pub halted: bool,
    /// Time-stamp counter: counts executed instructions (RDTSC).
    pub tsc: u64,
    pub(crate) quirks: Quirks,
    /// EFLAGS, kept with the model's fixed bits applied. The six status bits are valid only
    /// while `lazy.op` is `LazyOp::None`; otherwise `lazy` holds the operation they come from
    /// (see `flags.rs`).
    pub(crate) fbits: u32,
    pub(crate) lazy: crate::flags::Lazy,
    /// Interrupts are held off until after the next instruction (STI, MOV SS, POP SS).
    /// The instruction being run delivered an interrupt (INT n, INT3, INTO): its handler starts
    /// with TF clear, and no single-step trap follows the INT itself.
    pub(crate) int_delivered: bool,
    pub(crate) irq_shadow: bool,
    /// An NMI taken from the bus while a REP string op was being interrupted, not yet delivered.
    pub(crate) nmi_latched: bool,
    /// Prefixes of the current instruction.
    pub(crate) pfx: Prefixes,
    /// EIP of the current instruction's first byte (its first prefix).
    pub(crate) start_eip: u32,
    /// Last effective address computed (the 8086 reuses it for LEA/LES with a register operand).
    pub(crate) last_ea: u32,
    pub(crate) cache: crate::cache::CodeCache,
    /// The bus's RAM window, taken afresh at the start of every run and step.
    pub(crate) ram: crate::bus::RamWindow,
    /// Set when the block running must stop after this instruction: a jump was taken, or a write
    /// made decoded code stale.
    pub(crate) leave_block: bool,
    pub(crate) unimplemented: Option<&'static str>,
}

/// Real-mode data segment attributes: present, writable, accessed.
const REAL_ATTRS: u32 = 0x93;

impl Cpu {
    pub fn new(model: CpuModel) -> Self {
        let mut cpu = Cpu {
            model,
            gpr: [0; 8],
            eip: 0,
            segs: [Segment::default(); 6],
            cr0: 0,
            cr2: 0,
            cr3: 0,
            cr4: 0,
            dr: [0; 8],
            gdtr: TableReg::default(),
            idtr: TableReg::default(),
            ldtr: Segment::default(),
            tr: Segment::default(),
            halted: false,
            tsc: 0,
            quirks: model.quirks(),
            fbits: 2,
            lazy: crate::flags::Lazy::default(),
            irq_shadow: false,
            int_delivered: false,
            nmi_latched: false,
            pfx: Prefixes::default(),
            start_eip: 0,
            last_ea: 0,
            cache: crate::cache::CodeCache::new(),
            ram: crate::bus::RamWindow::NONE,
            leave_block: false,
            unimplemented: None,
        };
        cpu.reset();
        cpu
    }

    /// The state after RESET: CS:IP = F000:FFF0 with CS base FFFF0000.
    pub fn reset(&mut self) {
        self.quirks = self.model.quirks();
        self.gpr = [0; 8];
        self.fbits = self.quirks.flags_fixed_ones;
        self.lazy.op = crate::flags::LazyOp::None;
        self.eip = 0xFFF0;
        for s in SegReg::ALL {
            self.load_segment_real(s, 0);
            self.segs[s as usize].limit = 0xFFFF;
            self.segs[s as usize].attrs = REAL_ATTRS;
        }
        self.segs[SegReg::Cs as usize] = Segment {
            selector: 0xF000,
            base: 0xFFFF_0000,
            limit: 0xFFFF,
            attrs: REAL_ATTRS,
        };
        // CD and NW set, ET set (a 387-class coprocessor interface).
        self.cr0 = if self.quirks.has_386_ops {
            0x6000_0010
        } else {
            0
        };
        self.cr2 = 0;
        self.cr3 = 0;
        self.cr4 = 0;
        self.dr = [0; 8];
        self.dr[6] = 0xFFFF_0FF0;
        self.dr[7] = 0x400;
        self.gdtr = TableReg {
            base: 0,
            limit: 0xFFFF,
        };
        self.idtr = TableReg {
            base: 0,
            limit: 0x3FF,
        };
        self.ldtr = Segment {
            selector: 0,
            base: 0,
            limit: 0xFFFF,
            attrs: 0x82,
        };
        self.tr = Segment {
            selector: 0,
            base: 0,
            limit: 0xFFFF,
            attrs: 0x8B,
        };
        self.halted = false;
        self.irq_shadow = false;
        self.nmi_latched = false;
        self.unimplemented = None;
        self.cache.clear();
    }

    /// EFLAGS as software reads it (PUSHF).
    #[inline]
    pub fn eflags(&self) -> u32 {
        if self.lazy.op == crate::flags::LazyOp::None {
            self.fbits
        } else {
            (self.fbits & !crate::flags::STATUS) | self.lazy_status()
        }
    }

    /// Sets EFLAGS; bits the model does not let software change keep their fixed value.
    #[inline]
    pub fn set_eflags(&mut self, value: u32) {
        self.fbits = (value & self.quirks.flags_writable) | self.quirks.flags_fixed_ones;
        self.lazy.op = crate::flags::LazyOp::None;
    }

    /// Loads a segment register as real mode does: base = selector × 16.
    pub fn load_segment_real(&mut self, seg: SegReg, selector: u16) {
        let s = &mut self.segs[seg as usize];
        s.selector = selector;
        s.base = (selector as u32) << 4;
    }

    /// Drops decoded code overlapping physical `[addr, addr + len)`: memory changed behind the
    /// CPU's back (DMA, a device writing guest RAM).
    pub fn invalidate_code(&mut self, addr: u32, len: u32) {
        self.cache.invalidate(addr, len);
    }

    /// Runs up to `budget` instructions (a REP string op counts as one). Returns early on HLT,
    /// or shutdown.
    pub fn run<B: Bus>(&mut self, bus: &mut B, budget: u64) -> Exit {
        crate::exec::run(self, bus, budget)
    }

    /// Executes one instruction: first delivers a pending NMI or interrupt (if the CPU takes one
    /// at this boundary), then runs the instruction at CS:EIP to its end. A REP string op runs
    /// all its iterations unless an interrupt becomes pending in between; it then stops with EIP
    /// on its first prefix and CX counting what is left, and the next `step` takes the interrupt.
    /// Returns [`Exit::Budget`] when the instruction completed, [`Exit::Halted`] after HLT or
    /// while halted with nothing to wake the CPU.
    pub fn step<B: Bus>(&mut self, bus: &mut B) -> Exit {
        crate::exec::step(self, bus)
    }

    /// When the last [`Exit::Shutdown`] was not a triple fault but an instruction needing what
    /// the interpreter does not do yet (an interrupt or exception in protected mode, paging, a
    /// privilege change...), what that is. The instruction did not execute: CS:EIP still points at it.
    pub fn unimplemented(&self) -> Option<&'static str> {
        self.unimplemented
    }

    /// The fault for a feature not done yet, noting what it is for [`Cpu::unimplemented`].
    pub(crate) fn unimplemented_fault(&mut self, what: &'static str) -> Fault {
        self.unimplemented = Some(what);
        Fault::Unimplemented
    }

    /// Whether CR0.PE is set (protected mode).
    pub fn protected_mode(&self) -> bool {
        self.cr0 & 1 != 0
    }
}

impl SegReg {
    pub const ALL: [SegReg; 6] = [
        SegReg::Es,
        SegReg::Cs,
        SegReg::Ss,
        SegReg::Ds,
        SegReg::Fs,
        SegReg::Gs,
    ];

    #[inline]
    pub(crate) fn from_index(i: u8) -> SegReg {
        SegReg::ALL[(i & 7) as usize % 6]
    }
}
