//! SingleStepTests conformance runner: loads the per-opcode test files recorded on real chips
//! (MOO or JSON, gzipped or not), runs each test on a fresh [`Cpu`](crate::Cpu) and compares the
//! final registers and RAM with the recording.
//!
//! - [`load_file`] parses one file into a [`TestFile`].
//! - [`Metadata`] reads a folder's `metadata.json` (opcode-form status, undefined-flag masks) and
//!   `revocation_list.txt` (hashes of known-bad tests).
//! - [`run_test`] runs one test and lists its [`Mismatch`]es; [`run_file`] runs a whole file under
//!   the metadata's rules and returns a [`FileReport`].

mod json;
mod metadata;
mod moo;
mod run;
mod suite;

use std::path::PathBuf;

pub use metadata::{FormInfo, Metadata};
pub use run::{check, prepare, run_test, set_reg16, Mismatch, Outcome, RunRules, TestBus};
pub use suite::{
    collect_files, file_form, quiet_panics, run_file, FileReport, RunOptions, Skip, TestFailure,
    SKIPPED_STATUSES,
};

/// The 16-bit register file of a test, in the MOO order (bit i of `present` = register i).
pub const REG_NAMES: [&str; 14] = [
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
];
/// Index of FLAGS in [`REG_NAMES`].
pub const FLAGS: usize = 13;
/// Index of IP in [`REG_NAMES`].
pub const IP: usize = 12;

/// Some or all of the 16-bit registers: values plus a bitmask of which ones are given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs16 {
    pub present: u16,
    pub values: [u16; 14],
}

impl Regs16 {
    /// The value of register `i` ([`REG_NAMES`] order), if given.
    pub fn get(&self, i: usize) -> Option<u16> {
        (self.present >> i & 1 != 0).then_some(self.values[i])
    }
    pub fn set(&mut self, i: usize, value: u16) {
        self.present |= 1 << i;
        self.values[i] = value;
    }
    /// Index of a register by its lower-case name.
    pub fn index_of(name: &str) -> Option<usize> {
        REG_NAMES.iter().position(|n| *n == name)
    }
}

/// Which chip recorded a file; decides how a test ends and which quirks of the data apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chip {
    /// 8086/8088 (and the NEC V20/V30): no HLT after the instruction, exactly one instruction runs.
    I808x,
    /// The 80286 (and later): the instruction is followed by a HLT; the test ends when it runs.
    I286,
}

/// The state before or after a test's instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub regs: Regs16,
    /// Physical address and byte.
    pub ram: Vec<(u32, u8)>,
}

/// An exception or interrupt the instruction raised (286 data only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    pub number: u8,
    /// Physical address of the FLAGS word pushed on the stack.
    pub flag_address: u32,
}

/// One recorded test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    /// Position in the file (the MOO index is 0 in every 8086 file, so it is not used).
    pub index: usize,
    /// Disassembly of the instruction.
    pub name: String,
    pub bytes: Vec<u8>,
    pub initial: State,
    pub final_state: State,
    /// Masks of undefined bits for this test (`FINA/RMSK`), merged with the file's.
    pub reg_masks: Regs16,
    pub exception: Option<Exception>,
    /// SHA-1 as lower-case hex, when the file gives one.
    pub hash: Option<String>,
}

/// A parsed test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    pub path: PathBuf,
    pub chip: Chip,
    pub tests: Vec<TestCase>,
}

/// Why a test file or metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SstError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: offset {offset:#x}: {what}")]
    Malformed {
        path: PathBuf,
        offset: u64,
        what: String,
    },
    #[error("{path}: JSON: {what}")]
    Json { path: PathBuf, what: String },
    #[error("{path}: neither MOO nor JSON (starts with {magic})")]
    UnknownFormat { path: PathBuf, magic: String },
}

/// Reads and parses one test file, gzipped or not (detected by the magic bytes).
pub fn load_file(path: &std::path::Path) -> Result<TestFile, SstError> {
    use std::io::Read;
    let io = |error| SstError::Io {
        path: path.to_owned(),
        error,
    };
    let raw = std::fs::read(path).map_err(io)?;
    let data = if raw.starts_with(&[0x1F, 0x8B]) {
        let mut out = Vec::with_capacity(raw.len() * 8);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        out
    } else {
        raw
    };
    if data.starts_with(b"MOO ") {
        moo::parse(path, &data)
    } else if data
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[' || *b == b'{')
    {
        json::parse(path, &data)
    } else {
        Err(SstError::UnknownFormat {
            path: path.to_owned(),
            magic: data
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        })
    }
}
