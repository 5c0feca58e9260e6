//! Running one test on a fresh CPU and comparing its final state with the recording.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Chip, TestCase, FLAGS, IP, REG_NAMES};
use crate::{Bus, Cpu, CpuModel, Exit, IoWidth, SegReg};

/// Instructions a 286 test may take before its HLT (REP string tests have CX < 128).
const MAX_INSTRUCTIONS: u64 = 4096;

/// How to run and judge one test.
#[derive(Clone, Copy, Debug)]
pub struct RunRules {
    pub model: CpuModel,
    pub chip: Chip,
    /// AND expected and actual FLAGS (also the FLAGS an exception pushed) with this.
    pub flags_mask: u16,
}

/// Sparse memory holding the bytes a test lists; unlisted bytes read as 0. Ports read as all
/// ones (the recordings' IN results: the rig has nothing on the bus); writes are dropped.
pub struct TestBus {
    pub mem: HashMap<u32, u8>,
    /// Physical address width: 20 bits on the 808x, 24 on the 286 (whose A20 is not gated, so
    /// real-mode addresses reach 0x10FFEF).
    pub addr_mask: u32,
}

impl Bus for TestBus {
    fn read8(&mut self, addr: u32) -> u8 {
        self.mem.get(&(addr & self.addr_mask)).copied().unwrap_or(0)
    }
    fn write8(&mut self, addr: u32, value: u8) {
        self.mem.insert(addr & self.addr_mask, value);
    }
    fn io_read(&mut self, _port: u16, width: IoWidth) -> u32 {
        width.mask()
    }
    fn io_write(&mut self, _port: u16, _width: IoWidth, _value: u32) {}
}

/// One difference between the recording and the CPU. Values are shown after masking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// A register (the upper half of a 32-bit register must stay 0).
    Reg {
        name: &'static str,
        expected: u32,
        got: u32,
    },
    /// A segment base that is not selector × 16 after the instruction.
    SegBase {
        name: &'static str,
        expected: u32,
        got: u32,
    },
    Ram {
        addr: u32,
        expected: u8,
        got: u8,
    },
    /// A byte the recording says is unchanged, but the CPU changed.
    StrayWrite {
        addr: u32,
        before: u8,
        after: u8,
    },
    /// The instruction did not end as recorded (no HLT reached, shutdown).
    NotFinished(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Mismatch::Reg {
                name,
                expected,
                got,
            } => write!(f, "{name}: expected {expected:#06x}, got {got:#06x}"),
            Mismatch::SegBase {
                name,
                expected,
                got,
            } => {
                write!(f, "{name}.base: expected {expected:#07x}, got {got:#07x}")
            }
            Mismatch::Ram {
                addr,
                expected,
                got,
            } => write!(
                f,
                "ram[{addr:#07x}]: expected {expected:#04x}, got {got:#04x}"
            ),
            Mismatch::StrayWrite {
                addr,
                before,
                after,
            } => {
                write!(
                    f,
                    "ram[{addr:#07x}]: should stay {before:#04x}, written {after:#04x}"
                )
            }
            Mismatch::NotFinished(why) => f.write_str(why),
        }
    }
}

/// The result of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(Vec<Mismatch>),
    /// The CPU panicked; the message.
    Panicked(String),
}

/// Where a register of the MOO order lives in [`Cpu`].
enum Slot {
    Gpr(usize),
    Seg(SegReg),
    Ip,
    Flags,
}

fn slot(i: usize) -> Slot {
    match i {
        0 => Slot::Gpr(0), // ax
        1 => Slot::Gpr(3), // bx
        2 => Slot::Gpr(1), // cx
        3 => Slot::Gpr(2), // dx
        4 => Slot::Seg(SegReg::Cs),
        5 => Slot::Seg(SegReg::Ss),
        6 => Slot::Seg(SegReg::Ds),
        7 => Slot::Seg(SegReg::Es),
        8 => Slot::Gpr(4),  // sp
        9 => Slot::Gpr(5),  // bp
        10 => Slot::Gpr(6), // si
        11 => Slot::Gpr(7), // di
        IP => Slot::Ip,
        _ => Slot::Flags,
    }
}

/// Writes register `i` ([`REG_NAMES`](super::REG_NAMES) order) as a real-mode program would:
/// segments get base = selector × 16 and the real-mode limit and attributes.
pub fn set_reg16(cpu: &mut Cpu, i: usize, v: u16) {
    match slot(i) {
        Slot::Gpr(g) => cpu.gpr[g] = v as u32,
        Slot::Seg(s) => {
            cpu.load_segment_real(s, v);
            // Real-mode segments after reset: 64 KiB, present read/write data.
            cpu.segs[s as usize].limit = 0xFFFF;
            cpu.segs[s as usize].attrs = 0x93;
        }
        Slot::Ip => cpu.eip = v as u32,
        Slot::Flags => cpu.set_eflags(v as u32),
    }
}

/// A fresh CPU and bus in the test's initial state.
pub fn prepare(test: &TestCase, rules: &RunRules) -> (Cpu, TestBus) {
    let mut cpu = Cpu::new(rules.model);
    for i in 0..14 {
        let mut v = test.initial.regs.get(i).unwrap_or(0);
        if i == FLAGS && rules.chip == Chip::I286 {
            // The 286 data starts from LOADALL images whose IOPL/NT bits real mode cannot hold.
            v &= 0x0FFF;
        }
        set_reg16(&mut cpu, i, v);
    }
    let addr_mask = if rules.chip == Chip::I286 {
        0xFF_FFFF
    } else {
        0xF_FFFF
    };
    let mem = test
        .initial
        .ram
        .iter()
        .map(|&(a, v)| (a & addr_mask, v))
        .collect();
    (cpu, TestBus { mem, addr_mask })
}

/// The instruction's opcode and ModRM reg field (the byte after the opcode), past prefixes.
fn opcode_and_reg(bytes: &[u8]) -> Option<(u8, u8)> {
    let at = bytes
        .iter()
        .position(|b| !matches!(b, 0x26 | 0x2E | 0x36 | 0x3E | 0xF0..=0xF3))?;
    Some((bytes[at], bytes.get(at + 1).map_or(0, |m| m >> 3 & 7)))
}

/// Where the low and high byte of the FLAGS an exception pushed sit, so their undefined bits
/// can be masked: SS:SP+4 after the exception pushed FLAGS, CS and IP. Taken from the final
/// SS:SP rather than EXCP's flag address, which the 286 rig records word-aligned (one byte low
/// when SP is odd). The 8086 data has no EXCP: there a divide error (D4, F6/F7 /6 /7) is
/// recognised by SP dropping by 6.
fn pushed_flags_bytes(test: &TestCase, chip: Chip) -> Option<(u32, u32)> {
    let reg = |i| {
        test.final_state
            .regs
            .get(i)
            .or(test.initial.regs.get(i))
            .unwrap_or(0)
    };
    let (sp0, sp, ss) = (test.initial.regs.get(8).unwrap_or(0), reg(8), reg(5));
    let divides = matches!(
        opcode_and_reg(&test.bytes),
        Some((0xD4, _) | (0xF6 | 0xF7, 6 | 7))
    );
    let raised = match chip {
        Chip::I286 => test.exception.is_some(),
        Chip::I808x => divides && sp == sp0.wrapping_sub(6),
    };
    let at = |off: u16| ((ss as u32) << 4) + sp.wrapping_add(off) as u32;
    raised.then(|| (at(4), at(5)))
}

/// Runs the test's instruction: on the 286 until the HLT that follows it, on the 808x exactly
/// one instruction (`step` runs prefixes and all REP iterations as one).
fn execute(cpu: &mut Cpu, bus: &mut TestBus, chip: Chip) -> Option<Mismatch> {
    let shutdown = |cpu: &Cpu| {
        let why = cpu
            .unimplemented()
            .map_or("triple fault".into(), |w| format!("not implemented: {w}"));
        Some(Mismatch::NotFinished(format!("CPU shut down ({why})")))
    };
    match chip {
        Chip::I286 => {
            for _ in 0..MAX_INSTRUCTIONS {
                match cpu.step(bus) {
                    Exit::Halted => return None,
                    Exit::Shutdown => return shutdown(cpu),
                    Exit::Budget => {}
                }
            }
            Some(Mismatch::NotFinished(format!(
                "no HLT within {MAX_INSTRUCTIONS} instructions"
            )))
        }
        Chip::I808x => match cpu.step(bus) {
            Exit::Shutdown => shutdown(cpu),
            Exit::Budget | Exit::Halted => None,
        },
    }
}

/// The differences between the CPU's and the recording's final state, after the masks.
pub fn check(cpu: &Cpu, bus: &TestBus, test: &TestCase, rules: &RunRules) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let (init, fin) = (&test.initial, &test.final_state);
    for (i, name) in REG_NAMES.iter().enumerate() {
        let Some(expected) = fin.regs.get(i).or(init.regs.get(i)) else {
            continue;
        };
        let mut mask = test.reg_masks.get(i).unwrap_or(0xFFFF) as u32;
        let got = match slot(i) {
            Slot::Gpr(g) => cpu.gpr[g],
            Slot::Seg(s) => cpu.segs[s as usize].selector as u32,
            Slot::Ip => cpu.eip,
            Slot::Flags => {
                mask &= rules.flags_mask as u32;
                cpu.eflags() & 0xFFFF // the upper EFLAGS bits are not part of the recording
            }
        };
        // Bits 16-31 started as 0 and must still be.
        let (expected, got) = (expected as u32 & mask, got & (mask | 0xFFFF_0000));
        if expected != got {
            out.push(Mismatch::Reg {
                name,
                expected,
                got,
            });
        }
    }
    for (s, name) in [
        (SegReg::Es, "es"),
        (SegReg::Cs, "cs"),
        (SegReg::Ss, "ss"),
        (SegReg::Ds, "ds"),
    ] {
        let seg = &cpu.segs[s as usize];
        if seg.base != (seg.selector as u32) << 4 {
            out.push(Mismatch::SegBase {
                name,
                expected: (seg.selector as u32) << 4,
                got: seg.base,
            });
        }
    }
    for (s, name) in [(SegReg::Fs, "fs"), (SegReg::Gs, "gs")] {
        let sel = cpu.segs[s as usize].selector as u32;
        if sel != 0 {
            out.push(Mismatch::Reg {
                name,
                expected: 0,
                got: sel,
            });
        }
    }
    // The FLAGS an exception pushed may hold undefined flags: mask that word like FLAGS.
    let pushed = pushed_flags_bytes(test, rules.chip);
    let flag_byte_mask = |addr: u32| match pushed {
        Some((lo, _)) if addr == lo & bus.addr_mask => rules.flags_mask as u8,
        Some((_, hi)) if addr == hi & bus.addr_mask => (rules.flags_mask >> 8) as u8,
        _ => 0xFF,
    };
    let mut listed = HashSet::with_capacity(fin.ram.len());
    for &(addr, expected) in &fin.ram {
        let addr = addr & bus.addr_mask;
        listed.insert(addr);
        let m = flag_byte_mask(addr);
        let got = bus.mem.get(&addr).copied().unwrap_or(0);
        if expected & m != got & m {
            out.push(Mismatch::Ram {
                addr,
                expected: expected & m,
                got: got & m,
            });
        }
    }
    let before: HashMap<u32, u8> = init
        .ram
        .iter()
        .map(|&(a, v)| (a & bus.addr_mask, v))
        .collect();
    let mut stray: Vec<_> = bus
        .mem
        .iter()
        .filter(|(a, v)| !listed.contains(*a) && before.get(a).copied().unwrap_or(0) != **v)
        .map(|(&addr, &after)| Mismatch::StrayWrite {
            addr,
            before: before.get(&addr).copied().unwrap_or(0),
            after,
        })
        .collect();
    stray.sort_by_key(|m| match m {
        Mismatch::StrayWrite { addr, .. } => *addr,
        _ => 0,
    });
    out.extend(stray);
    out
}

/// Runs one test on a fresh CPU. A panic inside the CPU is caught and reported as
/// [`Outcome::Panicked`], so one broken instruction does not stop a run.
pub fn run_test(test: &TestCase, rules: &RunRules) -> Outcome {
    let result = super::suite::inside_test(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (mut cpu, mut bus) = prepare(test, rules);
            let unfinished = execute(&mut cpu, &mut bus, rules.chip);
            unfinished
                .into_iter()
                .chain(check(&cpu, &bus, test, rules))
                .collect::<Vec<_>>()
        }))
    });
    match result {
        Ok(m) if m.is_empty() => Outcome::Pass,
        Ok(m) => Outcome::Fail(m),
        Err(payload) => Outcome::Panicked(super::suite::panic_message(payload)),
    }
}
