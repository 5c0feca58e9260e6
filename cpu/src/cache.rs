//! The decoded-code cache: straight-line blocks of decoded instructions ([`Insn`]), found again
//! by the physical address of their first byte.
//!
//! A direct-mapped table of blocks, each tagged with its physical address and the generation of
//! the 4 KiB page holding it (a block never leaves its page). Per page, a bitmap says which
//! 64-byte lines hold decoded code. Every write the CPU makes goes through
//! [`CodeCache::note_write`]; a write into a line that holds decoded code bumps the page's
//! generation, which makes all its blocks stale at once. Writes elsewhere in the page (a stack or
//! variables next to code, as in boot sectors and .COM programs) leave them alone. Only the
//! first 16 MiB + 64 KiB (all that real mode reaches) is cached; code elsewhere is decoded every
//! time.

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
    /// Per page: bit `i` set when bytes `64 i .. 64 i + 63` of the page hold decoded code (only
    /// in pages whose generation is odd).
    lines: Vec<u64>,
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
            lines: Vec::new(),
        }
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.entries = Vec::new();
        self.page_gen = Vec::new();
        self.lines = Vec::new();
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

    /// The block at physical `addr`, if cached and still valid, with its page's generation.
    #[inline]
    pub fn get(&self, addr: u32) -> Option<(Block, u32)> {
        let e = self.entries.get(slot(addr))?;
        if e.tag == addr.wrapping_add(1) && e.gen == self.page_gen[addr as usize >> 12] {
            Some((e.insns.clone()?, e.gen))
        } else {
            None
        }
    }

    /// Stores the block decoded at `addr`, `bytes` long, when the page had generation `gen`; a
    /// block whose page changed meanwhile is dropped.
    pub fn put(&mut self, addr: u32, gen: u32, bytes: u32, insns: Block) {
        if self.generation(addr) != gen || gen & 1 == 0 || bytes == 0 {
            return;
        }
        self.lines[addr as usize >> 12] |= line_mask(addr, bytes);
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
            self.lines = vec![0; PAGES];
        }
        let g = &mut self.page_gen[addr as usize >> 12];
        if *g & 1 == 0 {
            *g += 1;
        }
        *g
    }

    /// The CPU wrote `len` (at most 64) bytes at physical `addr`; true if that made decoded code
    /// stale.
    #[inline(always)]
    pub fn note_write(&mut self, addr: u32, len: u32) -> bool {
        debug_assert!((1..=64).contains(&len));
        let Some(&lines) = self.lines.get(addr as usize >> 12) else {
            return false;
        };
        let end = addr.wrapping_add(len - 1);
        if end >> 12 != addr >> 12 {
            return self.invalidate(addr, len);
        }
        // At most two lines: the first byte's and the last one's.
        if lines & ((1 << ((addr >> 6) & 63)) | (1 << ((end >> 6) & 63))) != 0 {
            return self.invalidate(addr, len);
        }
        false
    }

    /// Makes decoded code overlapping `[addr, addr + len)` stale; true if there was some.
    #[cold]
    pub fn invalidate(&mut self, addr: u32, len: u32) -> bool {
        if self.page_gen.is_empty() || len == 0 {
            return false;
        }
        let end = (addr as u64 + len as u64).min(PAGES as u64 * 4096);
        let mut stale = false;
        let mut a = addr as u64;
        while a < end {
            let p = (a >> 12) as usize;
            let page_end = ((p as u64) + 1) << 12;
            let upto = end.min(page_end);
            if self.lines[p] & line_mask(a as u32, (upto - a) as u32) != 0 {
                // Next even value: no code any more, and old blocks no longer match.
                self.page_gen[p] += 1;
                self.lines[p] = 0;
                stale = true;
            }
            a = upto;
        }
        stale
    }
}

/// The bits of the 64-byte lines that `[addr, addr + len)` touches in `addr`'s page (the range
/// is cut at the page's end).
fn line_mask(addr: u32, len: u32) -> u64 {
    let lo = (addr & 0xFFF) >> 6;
    let last = ((addr & 0xFFF) as u64 + len as u64 - 1).min(0xFFF) as u32;
    let hi = last >> 6;
    (!0u64 >> (63 - hi)) & (!0u64 << lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_into_decoded_code_makes_its_pages_blocks_stale() {
        let mut c = CodeCache::new();
        let g = c.mark_code(0x1234);
        c.put(0x1234, g, 20, Rc::from(vec![Insn::default()]));
        assert_eq!(c.get(0x1234).map(|(_, gen)| gen), Some(g), "cached");
        // The same page, but not the block's lines (0x1200–0x127F): nothing changes.
        assert!(!c.note_write(0x1FFF, 1));
        assert!(!c.note_write(0x11FE, 2));
        assert!(c.get(0x1234).is_some());
        // Its last byte.
        assert!(c.note_write(0x1246, 4));
        assert!(c.get(0x1234).is_none());
        // Another page is not affected; a write crossing into it is seen.
        let g2 = c.mark_code(0x5000);
        c.put(0x5000, g2, 3, Rc::from(vec![Insn::default()]));
        assert!(!c.note_write(0x6000, 2));
        assert!(c.get(0x5000).is_some());
        assert!(c.note_write(0x4FFF, 2));
        assert!(c.get(0x5000).is_none());
        // A device's write over a range.
        let g3 = c.mark_code(0x8FC0);
        c.put(0x8FC0, g3, 64, Rc::from(vec![Insn::default()]));
        assert!(!c.invalidate(0x8000, 0xFC0));
        assert!(c.invalidate(0x8000, 0x2000));
        assert!(c.get(0x8FC0).is_none());
    }

    #[test]
    fn line_masks() {
        assert_eq!(line_mask(0x1000, 1), 1);
        assert_eq!(line_mask(0x103F, 2), 0b11);
        assert_eq!(line_mask(0x1FC0, 0x1000), 1 << 63);
        assert_eq!(line_mask(0x1000, 0x1000), !0);
    }
}
