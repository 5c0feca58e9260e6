//! The decoded-code cache: straight-line blocks of decoded instructions ([`Insn`]), found again
//! by the physical address of their first byte.
//!
//! A direct-mapped table of blocks, each tagged with its physical address and the generation of
//! the 4 KiB page holding it (a block never leaves its page). Every write the CPU makes goes
//! through [`CodeCache::note_write`]; a write into a page that holds decoded code bumps the
//! page's generation, which makes all its blocks stale at once. Only the first 16 MiB + 64 KiB
//! (all that real mode reaches) is cached; code elsewhere is decoded every time.

use std::rc::Rc;

use crate::decode::Insn;

/// Pages tracked: real mode reaches up to 0x10FFEF.
const PAGES: usize = 0x1100;
const SLOTS: usize = 1 << 13;

/// A decoded block, shared so that the CPU can run it while the cache changes.
pub(crate) type Block = Rc<[Insn]>;

#[derive(Clone, Default)]
struct Entry {
    /// Physical address + 1 (0 = empty).
    tag: u32,
    /// Generation of the block's page when decoded.
    gen: u32,
    insns: Option<Block>,
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
    ((addr ^ (addr >> 13)) as usize) & (SLOTS - 1)
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

    /// Whether code at `addr` can be cached.
    #[inline]
    pub fn cacheable(addr: u32) -> bool {
        (addr as usize >> 12) + 1 < PAGES
    }

    /// The current generation of the page holding `addr` (cacheable addresses only).
    #[inline]
    pub fn generation(&self, addr: u32) -> u32 {
        self.page_gen.get(addr as usize >> 12).copied().unwrap_or(0)
    }

    /// The block at physical `addr`, if cached and still valid.
    #[inline]
    pub fn get(&self, addr: u32) -> Option<Block> {
        let e = self.entries.get(slot(addr))?;
        if e.tag == addr.wrapping_add(1) && e.gen == self.page_gen[addr as usize >> 12] {
            e.insns.clone()
        } else {
            None
        }
    }

    /// Stores the block decoded at `addr` when the page had generation `gen`; a block whose
    /// page changed meanwhile is dropped.
    pub fn put(&mut self, addr: u32, gen: u32, insns: Block) {
        if self.generation(addr) != gen || gen & 1 == 0 {
            return;
        }
        self.entries[slot(addr)] = Entry {
            tag: addr.wrapping_add(1),
            gen,
            insns: Some(insns),
        };
    }

    /// Marks the page of `addr` as holding decoded code and returns its generation, for a block
    /// about to be decoded there.
    pub fn mark_code(&mut self, addr: u32) -> u32 {
        if self.entries.is_empty() {
            self.entries = vec![Entry::default(); SLOTS];
            self.page_gen = vec![0; PAGES];
        }
        let g = &mut self.page_gen[addr as usize >> 12];
        if *g & 1 == 0 {
            *g += 1;
        }
        *g
    }

    /// The CPU wrote `len` bytes at physical `addr`; true if that made decoded code stale.
    #[inline(always)]
    pub fn note_write(&mut self, addr: u32, len: u32) -> bool {
        let p = addr as usize >> 12;
        if let Some(g) = self.page_gen.get(p) {
            if g & 1 != 0 || (addr.wrapping_add(len - 1)) as usize >> 12 != p {
                return self.invalidate(addr, len);
            }
        }
        false
    }

    /// Makes decoded code overlapping `[addr, addr + len)` stale; true if there was some.
    #[cold]
    pub fn invalidate(&mut self, addr: u32, len: u32) -> bool {
        if self.page_gen.is_empty() || len == 0 {
            return false;
        }
        let mut stale = false;
        let first = addr as usize >> 12;
        let last = (addr as u64 + len as u64 - 1) as usize >> 12;
        for p in first..=last.min(PAGES - 1) {
            if self.page_gen[p] & 1 != 0 {
                // Next even value: no code any more, and old blocks no longer match.
                self.page_gen[p] += 1;
                stale = true;
            }
        }
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_into_the_page_makes_its_blocks_stale() {
        let mut c = CodeCache::new();
        let g = c.mark_code(0x1234);
        c.put(0x1234, g, Rc::from(vec![Insn::default()]));
        assert!(c.get(0x1234).is_some(), "cached");
        assert!(c.note_write(0x1FFF, 1));
        assert!(c.get(0x1234).is_none());
        // Another page is not affected.
        let g2 = c.mark_code(0x5000);
        c.put(0x5000, g2, Rc::from(vec![Insn::default()]));
        assert!(!c.note_write(0x6000, 2));
        assert!(c.get(0x5000).is_some());
    }
}
