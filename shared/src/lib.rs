//! What Cloister's processes have in common.
//!
//! - [`io`]: the trait every device implements ([`io::PortDevice`]) and what a device may do to
//!   the machine around it ([`io::DeviceBus`]); the same code runs in a device process and inline.
//! - [`manifest`]: what a device declares it serves (ports, IRQ lines, memory windows).

pub mod io;
pub mod manifest;

pub use io::{ClockToggle, DeviceBus, IoWidth, PortDevice, Published, StateError};
pub use manifest::{DeviceManifest, MemWindow, PortRange};
