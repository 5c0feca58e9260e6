//! Placeholder for the decoded-code cache (see the report: not built yet).

/// Decoded code by physical address.
#[derive(Default)]
pub(crate) struct CodeCache {}

impl CodeCache {
    pub fn new() -> Self {
        CodeCache {}
    }
    pub fn clear(&mut self) {}
    pub fn invalidate(&mut self, _addr: u32, _len: u32) {}
    /// The CPU wrote `len` bytes at physical `addr`.
    #[inline]
    pub fn note_write(&mut self, _addr: u32, _len: u32) {}
}
