//! Linux specifics: memfd-backed shared memory and futexes.

pub mod futex;
pub mod memfd;
