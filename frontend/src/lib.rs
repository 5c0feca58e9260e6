//! Cloister's machine: the supervisor, the CPU process, the device processes and the tools,
//! as a library so that the `cloister` binary, tests and benchmarks share one implementation.

pub mod cli;
pub mod cmd;
pub mod display;
pub mod roles;
pub mod supervisor;
pub mod vm;
