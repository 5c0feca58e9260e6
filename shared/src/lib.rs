//! What Cloister's processes have in common.
//!
//! - [`io`]: the trait every device implements ([`io::PortDevice`]) and what a device may do to
//!   the machine around it ([`io::DeviceBus`]); the same code runs in a device process and inline.
//! - [`manifest`]: what a device declares it serves (ports, IRQ lines, memory windows).
//! - [`plane`]: the shared-memory data plane between the CPU and a device process.
//! - [`sys`]: Linux specifics (memfd, futex).

pub mod control;
pub mod framebuffer;
pub mod io;
pub mod manifest;
pub mod plane;
pub mod published;
pub mod sys;

pub use io::{ClockToggle, DeviceBus, HostInput, IoWidth, PortDevice, Published, StateError};
pub use manifest::{DeviceManifest, MemWindow, PortRange};
pub use published::Hold;
