//! Cloister's PC devices. Each device lives in its own directory and implements
//! [`cloister_shared::PortDevice`]; [`registry`] builds one by name for the supervisor.

pub mod ata;
pub mod cmos;
pub mod disk;
pub mod display;
pub mod dma;
pub mod floppy;
pub mod i8042;
pub mod keyboard;
pub mod pic;
pub mod pit;
pub mod probe;
pub mod registry;
pub mod serial;
#[cfg(test)]
pub mod testing;
pub mod timer;
pub mod vga;
