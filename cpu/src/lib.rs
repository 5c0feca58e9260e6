//! Cloister's x86 CPU.
//!
//! The state is IA-32 from the start (32-bit registers, segment descriptor caches, control
//! registers); the interpreter runs real mode: every 8086/186/286 real-mode instruction plus the
//! 386-and-later instructions real mode can use (operand/address-size prefixes, 32-bit
//! addressing, FS/GS, the 0x0F page up to the Pentium Pro's CMOV/CMPXCHG8B/RDTSC/CPUID). The CPU
//! sees the machine only through [`Bus`]. Differences between chips live in [`model`].
//!
//! How it runs: [`Cpu::run`] executes blocks of decoded instructions kept by physical address
//! (`cache`, `decode`). Each decoded instruction carries a handler chosen at decode time and
//! specialised by form, operand size and operation (`exec::fast`); the rest run from their bytes
//! (`exec`, one module per family). Flags are computed lazily from the last flag-setting
//! operation (`flags`). Memory inside the bus's [`RamWindow`] is accessed directly. Interrupts are
//! polled between blocks (which end at every jump taken); [`Cpu::step`] runs exactly one
//! instruction and polls before it. Faults restart the instruction and are delivered through the
//! IVT.
//!
//! Protected mode goes as far as firmware and DOS-era software take it (`exec::protected`):
//! CR0.PE on and off, segment loads through the GDT/LDT, far JMP/CALL/RETF/IRET between code
//! segments of one privilege level, 16- and 32-bit code, and unreal mode after switching back.
//! Interrupts and exceptions in protected mode, privilege changes, gates, tasks, virtual-8086 mode
//! and paging stop with [`Exit::Shutdown`], and [`Cpu::unimplemented`] says why.
//!
//! Not yet: the x87 FPU (ESC opcodes check their memory operand and do nothing else; CPUID does
//! not advertise an FPU).

pub mod bus;
mod cache;
mod decode;
mod exec;
mod flags;
mod mem;
pub mod model;
pub mod sst;
pub mod state;

pub use bus::{Bus, RamWindow};
pub use cloister_shared::IoWidth;
pub use model::{CpuModel, Quirks};
pub use state::{Cpu, Exit, Reg, SegReg, Segment, TableReg};
