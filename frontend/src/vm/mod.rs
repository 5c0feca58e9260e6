//! The CPU process: the CPU, guest memory, and the dispatch of port and memory-window accesses to
//! devices (through their rings, or inline).

pub mod inline;
pub mod machine;
pub mod memory;
pub mod platform;
pub mod ports;
