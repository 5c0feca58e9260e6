//! Cloister's PC devices. Each device lives in its own directory and implements
//! [`cloister_shared::PortDevice`]; [`registry`] builds one by name for the supervisor.

pub mod probe;
pub mod registry;
pub mod pic;
#[cfg(test)]
pub mod testing;
pub mod pit;
pub mod cmos;
pub mod timer;
pub mod keyboard;
pub mod i8042;
pub mod serial;
pub mod dma;
pub mod floppy;
pub mod ata;
pub mod disk;
pub mod vga;
pub mod display;
