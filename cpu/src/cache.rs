//! The decoded-instruction cache: instructions decoded once, found again by physical address.
//!
//! A direct-mapped table of [`Insn`]s, tagged with the physical address and with the
//! generation of the 4 KiB page holding it. Every write the CPU makes goes through
//! [`CodeCache::note_write`]; a write into a page that holds decoded code bumps the page's
//! generation, which makes all its entries stale at once. Only the first 16 MiB + 64 KiB (all
//! that real mode reaches) is cached; code elsewhere is decoded every time.

use crate::decode::Insn;

/// Pages tracked: real mode reaches up to 0x10FFEF.
const PAGES: usize = 0x1100;
const SLOTS: usize = 1 << 15;

#[derive(Clone, Copy, Default)]
struct Entry {
    /// Physical address + 1 (0 = empty).
    tag: u32,
    /// Generation of the entry's page(s) when decoded.
    gen: u32,
    insn: Insn,
}

/// Decoded code by physical address.
pub(crate) struct CodeCache {
    entries: Vec<Entry>,
    /// Per page: bumped when code in it changes. Odd = the page holds decoded code.
    page_gen: Vec<u32>,
}

impl Default for CodeCache {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn slot(addr: u32) -> usize {
    ((addr ^ (addr >> 15)) as usize) & (SLOTS - 1)
}

impl CodeCache {
    pub fn new() -> Self {
        CodeCache {
            entries: Vec::new(),
            page_gen: Vec::new(),
        }
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.entries = Vec::new();
        self.page_gen = Vec::new();
    }

    /// Whether instructions at `addr` (and the following 15 bytes) can be cached.
    #[inline]
    pub fn cacheable(addr: u32) -> bool {
        (addr as usize >> 12) + 1 < PAGES
    }

    /// The decoded instruction at physical `addr`, if cached and still valid.
    #[inline]
    pub fn get(&self, addr: u32) -> Option<&Insn> {
        let e = self.entries.get(slot(addr))?;
        if e.tag == addr.wrapping_add(1) && e.gen == self.page_gen[addr as usize >> 12] {
            Some(&e.insn)
        } else {
            None
        }
    }

    /// Stores the instruction decoded at `addr`, `len` bytes long.
    pub fn put(&mut self, addr: u32, len: u32, insn: Insn) {
        if self.entries.is_empty() {
            self.entries = vec![Entry::default(); SLOTS];
            self.page_gen = vec![0; PAGES];
        }
        let first = addr as usize >> 12;
        let last = (addr + len.max(1) - 1) as usize >> 12;
        for p in first..=last {
            if self.page_gen[p] & 1 == 0 {
                self.page_gen[p] += 1;
            }
        }
        if last != first {
            // An instruction across two pages must go stale with either: tie the second page's
            // generation to the first by not caching it (rare).
            return;
        }
        self.entries[slot(addr)] = Entry {
            tag: addr.wrapping_add(1),
            gen: self.page_gen[first],
            insn,
        };
    }

    /// The CPU wrote `len` bytes at physical `addr`.
    #[inline]
    pub fn note_write(&mut self, addr: u32, len: u32) {
        let p = addr as usize >> 12;
        if let Some(g) = self.page_gen.get(p) {
            if g & 1 != 0 {
                self.invalidate(addr, len);
            } else if (addr + len - 1) as usize >> 12 != p {
                self.invalidate(addr, len);
            }
        }
    }

    /// Makes decoded code overlapping `[addr, addr + len)` stale.
    pub fn invalidate(&mut self, addr: u32, len: u32) {
        if self.page_gen.is_empty() || len == 0 {
            return;
        }
        let first = addr as usize >> 12;
        let last = (addr as u64 + len as u64 - 1) as usize >> 12;
        for p in first..=last.min(PAGES - 1) {
            if self.page_gen[p] & 1 != 0 {
                // Next even value: no code any more, and old entries no longer match.
                self.page_gen[p] += 1;
            }
        }
    }
}
