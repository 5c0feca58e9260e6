//! The CPU's architectural state (IA-32) and its public API.
//! (Skeleton: the interpreter fills this in.)

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

/// Why [`Cpu::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget ran out.
    Budget,
    /// The CPU executed HLT and waits for an interrupt.
    Halted,
    /// The CPU shut down (triple fault).
    Shutdown,
}

/// The CPU.
pub struct Cpu {
    pub model: CpuModel,
    /// EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI.
    pub gpr: [u32; 8],
    pub eip: u32,
    pub segs: [Segment; 6],
    pub cr0: u32,
    pub halted: bool,
    eflags: u32,
}

impl Cpu {
    pub fn new(model: CpuModel) -> Self {
        let mut cpu = Cpu { model, gpr: [0; 8], eip: 0, segs: [Segment::default(); 6], cr0: 0, halted: false, eflags: 2 };
        cpu.reset();
        cpu
    }

    /// The state after RESET: CS:IP = F000:FFF0 with CS base FFFF0000.
    pub fn reset(&mut self) {
        self.gpr = [0; 8];
        self.eflags = 2;
        self.eip = 0xFFF0;
        for s in SegReg::ALL {
            self.load_segment_real(s, 0);
        }
        self.segs[SegReg::Cs as usize] = Segment { selector: 0xF000, base: 0xFFFF_0000, limit: 0xFFFF, attrs: 0x93 };
        self.halted = false;
    }

    pub fn eflags(&self) -> u32 {
        self.eflags
    }
    pub fn set_eflags(&mut self, value: u32) {
        self.eflags = value;
    }

    /// Loads a segment register as real mode does: base = selector × 16.
    pub fn load_segment_real(&mut self, seg: SegReg, selector: u16) {
        let s = &mut self.segs[seg as usize];
        s.selector = selector;
        s.base = (selector as u32) << 4;
    }

    /// Drops decoded code overlapping physical `[addr, addr + len)`: memory changed behind the
    /// CPU's back (DMA, a device writing guest RAM).
    pub fn invalidate_code(&mut self, _addr: u32, _len: u32) {}

    /// Runs up to `budget` instructions.
    pub fn run<B: Bus>(&mut self, _bus: &mut B, _budget: u64) -> Exit {
        unimplemented!("interpreter")
    }
}

impl SegReg {
    pub const ALL: [SegReg; 6] = [SegReg::Es, SegReg::Cs, SegReg::Ss, SegReg::Ds, SegReg::Fs, SegReg::Gs];
}
