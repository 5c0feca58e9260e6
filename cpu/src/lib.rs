//! Cloister's x86 CPU.
//!
//! The state is IA-32 from the start (32-bit registers, segment descriptor caches, control
//! registers); the interpreter runs real mode. The CPU sees the machine only through [`Bus`].

pub mod bus;
pub mod model;
pub mod sst;
pub mod state;

pub use bus::Bus;
pub use cloister_shared::IoWidth;
pub use model::CpuModel;
pub use state::{Cpu, Exit, Reg, SegReg, Segment};
