//! The framebuffer region: what the VGA device renders and the display process and supervisor
//! read, in shared memory (the VGA device's region 1).
//!
//! # Layout
//!
//! All fields are little-endian `u32` words at fixed byte offsets from the start of the region:
//!
//! | offset            | what                                                                     |
//! |-------------------|--------------------------------------------------------------------------|
//! | 0                 | magic `"CLFB"`                                                           |
//! | 4                 | layout version ([`VERSION`])                                             |
//! | 8                 | frame sequence number, the seqlock: odd while the writer is in a frame   |
//! | 12, 16            | width, height in pixels (each ≤ [`MAX_WIDTH`], [`MAX_HEIGHT`])           |
//! | 20                | [`ScreenKind`]                                                           |
//! | 24, 28            | text cursor column, row ([`NO_CURSOR`] in both when hidden)              |
//! | 32, 36            | text snapshot columns, rows (0 outside text modes)                       |
//! | 40                | border (overscan) colour, `0x00RRGGBB`                                   |
//! | 44, 48            | [`MAX_WIDTH`], [`MAX_HEIGHT`], so a reader can check it agrees           |
//! | [`ROW_STAMPS`]    | per pixel row: the sequence number of the frame that last changed it     |
//! | [`TEXT_CELLS`]    | text cells, row-major, `cols` per row: `u16` = char | attribute << 8      |
//! | [`PIXELS`]        | pixels `0x00RRGGBB`, row-major, packed (`width` pixels per row)          |
//!
//! # Concurrency
//!
//! The writer (the VGA device) and the readers live in different processes, so the compiler must
//! never assume the bytes are stable: every access to the region goes through `AtomicU32`
//! (relaxed loads and stores are plain moves on x86-64 and AArch64, also on read-only mappings).
//! Consistency is a seqlock: the writer makes the sequence number odd, writes, then makes it even
//! again (release). A reader loads it (acquire), copies what it needs, then checks it is
//! unchanged; an odd or changed number means a torn copy and the reader retries, for at most
//! 50 ms, so that a writer that died mid-frame does not hang it. A new writer finding an odd
//! number (its predecessor died) stamps every row so readers copy the whole frame.
//!
//! Row stamps let a reader copy only the rows changed since the frame it last copied, even when
//! it skipped frames: a row needs copying when its stamp is newer than that frame's number. The
//! numbers wrap; comparisons are by wrapping difference.
//!
//! # Use
//!
//! The VGA device writes a frame with [`FramebufferWriter`]; the display process polls with a
//! [`FramebufferReader`] and copies the rows it reports changed; the supervisor takes a
//! [`FramebufferReader::snapshot`] and searches its [`TextScreen`]. Over an in-process buffer:
//!
//! ```
//! use std::sync::atomic::AtomicU32;
//! use cloister_shared::framebuffer::*;
//!
//! let words: Vec<AtomicU32> = (0..FRAMEBUFFER_SIZE / 4).map(|_| AtomicU32::new(0)).collect();
//! let mut writer = FramebufferWriter::from_words(&words)?;
//! {
//!     let mut frame = writer.begin_frame();
//!     frame.set_geometry(2, 1, ScreenKind::Text)?;
//!     frame.write_row(0, &[0xFF0000, 0x00FF00])?;
//!     frame.set_text(2, 1, &[b'O' as u16 | 0x0700, b'K' as u16 | 0x0700])?;
//! } // dropping the frame publishes it
//!
//! let mut reader = FramebufferReader::new();
//! assert_eq!(reader.update_words(&words)?, Some(vec![0])); // row 0 changed
//! assert_eq!(reader.frame().pixel(1, 0), Some(0x00FF00));
//! assert_eq!(reader.update_words(&words)?, None); // nothing new since
//! assert!(FramebufferReader::snapshot_words(&words)?.text.contains("OK"));
//! # Ok::<(), FramebufferError>(())
//! ```
//!
//! Across processes use [`FramebufferWriter::new`], [`FramebufferReader::update`] and
//! [`FramebufferReader::snapshot`] over the mapped bytes (4-byte aligned; a mapping is).

mod cp437;
mod reader;
#[cfg(test)]
mod tests;

pub use cp437::{cp437_char, cp437_to_utf8};
pub use reader::{Frame, FramebufferReader, TextScreen};

use std::sync::atomic::{fence, AtomicU32, Ordering};

/// `"CLFB"`, little-endian.
pub const MAGIC: u32 = u32::from_le_bytes(*b"CLFB");
/// Layout version; bump on any change to the offsets or meanings above.
pub const VERSION: u32 = 1;
/// Widest picture: 720-dot text and 640-pixel graphics fit, with room for tweaked modes.
pub const MAX_WIDTH: u32 = 1024;
/// Tallest picture.
pub const MAX_HEIGHT: u32 = 768;
/// Largest text snapshot.
pub const MAX_TEXT_COLS: u32 = 132;
/// Largest text snapshot.
pub const MAX_TEXT_ROWS: u32 = 60;
/// Cursor column/row value when there is no cursor.
pub const NO_CURSOR: u32 = u32::MAX;

const W_MAGIC: usize = 0;
const W_VERSION: usize = 1;
const W_SEQ: usize = 2;
const W_WIDTH: usize = 3;
const W_HEIGHT: usize = 4;
const W_KIND: usize = 5;
const W_CURSOR_COL: usize = 6;
const W_CURSOR_ROW: usize = 7;
const W_TEXT_COLS: usize = 8;
const W_TEXT_ROWS: usize = 9;
const W_BORDER: usize = 10;
const W_MAX_WIDTH: usize = 11;
const W_MAX_HEIGHT: usize = 12;

/// Byte offset of the row stamps (one `u32` per possible pixel row).
pub const ROW_STAMPS: usize = 64;
/// Byte offset of the text cells (one `u16` per cell).
pub const TEXT_CELLS: usize = ROW_STAMPS + MAX_HEIGHT as usize * 4;
/// Byte offset of the pixels (page aligned, so a reader may map just them).
pub const PIXELS: usize = 0x5000;
/// Size in bytes of the whole region.
pub const FRAMEBUFFER_SIZE: usize = PIXELS + (MAX_WIDTH * MAX_HEIGHT * 4) as usize;

const _: () = assert!(TEXT_CELLS + (MAX_TEXT_COLS * MAX_TEXT_ROWS * 2) as usize <= PIXELS);

/// What the screen shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u32)]
pub enum ScreenKind {
    /// Nothing (display disabled, or not yet rendered).
    #[default]
    Blank = 0,
    /// A text mode; the text snapshot is valid.
    Text = 1,
    /// A graphics mode.
    Graphics = 2,
}

impl ScreenKind {
    fn from_u32(v: u32) -> ScreenKind {
        match v {
            1 => ScreenKind::Text,
            2 => ScreenKind::Graphics,
            _ => ScreenKind::Blank,
        }
    }
}

/// The framebuffer region could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FramebufferError {
    #[error("framebuffer region is {len} bytes, needs {need}")]
    TooSmall { len: usize, need: usize },
    #[error("framebuffer region is not 4-byte aligned")]
    Misaligned,
    #[error("framebuffer region has no valid header (magic {magic:#x}, version {version})")]
    NotInitialised { magic: u32, version: u32 },
    #[error("framebuffer writer kept changing the frame; no consistent copy")]
    Busy,
    #[error("picture {width}x{height} is larger than {MAX_WIDTH}x{MAX_HEIGHT}")]
    TooLarge { width: u32, height: u32 },
    #[error("text {cols}x{rows} is larger than {MAX_TEXT_COLS}x{MAX_TEXT_ROWS}")]
    TextTooLarge { cols: u32, rows: u32 },
    #[error("row {row} is outside the picture or has {len} pixels, not {width}")]
    BadRow { row: u32, len: usize, width: u32 },
}

fn check_len(len: usize) -> Result<(), FramebufferError> {
    if len < FRAMEBUFFER_SIZE {
        return Err(FramebufferError::TooSmall {
            len,
            need: FRAMEBUFFER_SIZE,
        });
    }
    Ok(())
}

/// Views the writer's region as words.
pub fn words_mut(region: &mut [u8]) -> Result<&[AtomicU32], FramebufferError> {
    check_len(region.len())?;
    if region.as_ptr() as usize & 3 != 0 {
        return Err(FramebufferError::Misaligned);
    }
    let ptr = region.as_mut_ptr() as *const AtomicU32;
    // SAFETY: the pointer is 4-byte aligned (checked) and the slice covers `len / 4` whole words
    // of the region; `AtomicU32` has the size and alignment of `u32` and every bit pattern is
    // valid. The exclusive borrow of `region` is held for the returned lifetime, so within this
    // process only the returned atomics touch the memory, and it came from a mutable pointer, so
    // storing through it is allowed.
    Ok(unsafe { std::slice::from_raw_parts(ptr, region.len() / 4) })
}

/// Views a reader's region as words. The reader only loads through them.
pub fn words(region: &[u8]) -> Result<&[AtomicU32], FramebufferError> {
    check_len(region.len())?;
    if region.as_ptr() as usize & 3 != 0 {
        return Err(FramebufferError::Misaligned);
    }
    let ptr = region.as_ptr() as *const AtomicU32;
    // SAFETY: aligned (checked), in bounds, `AtomicU32` is layout-compatible with `u32` and
    // valid for every bit pattern. Readers only load through the view (nothing in this module
    // stores through a view made here); the bytes may change under us because another process
    // writes them, which is exactly why all loads are atomic.
    Ok(unsafe { std::slice::from_raw_parts(ptr, region.len() / 4) })
}

/// Writes frames. Made afresh for each frame from the borrowed region (cheap: it checks the
/// header and repairs it if needed).
pub struct FramebufferWriter<'a> {
    w: &'a [AtomicU32],
}

impl<'a> FramebufferWriter<'a> {
    /// A writer over the device's own mapping of the region.
    pub fn new(region: &'a mut [u8]) -> Result<Self, FramebufferError> {
        Self::from_words(words_mut(region)?)
    }

    /// A writer over words shared in-process (an inline host, tests). There must be one writer
    /// at a time.
    pub fn from_words(w: &'a [AtomicU32]) -> Result<Self, FramebufferError> {
        check_len(w.len() * 4)?;
        let fresh = w[W_MAGIC].load(Ordering::Relaxed) != MAGIC
            || w[W_VERSION].load(Ordering::Relaxed) != VERSION
            || w[W_MAX_WIDTH].load(Ordering::Relaxed) != MAX_WIDTH
            || w[W_MAX_HEIGHT].load(Ordering::Relaxed) != MAX_HEIGHT;
        let seq = w[W_SEQ].load(Ordering::Relaxed);
        let writer = FramebufferWriter { w };
        if fresh {
            // Readers refuse the region until the magic appears, so order does not matter.
            for word in &w[..PIXELS / 4] {
                word.store(0, Ordering::Relaxed);
            }
            w[W_CURSOR_COL].store(NO_CURSOR, Ordering::Relaxed);
            w[W_CURSOR_ROW].store(NO_CURSOR, Ordering::Relaxed);
            w[W_VERSION].store(VERSION, Ordering::Relaxed);
            w[W_MAX_WIDTH].store(MAX_WIDTH, Ordering::Relaxed);
            w[W_MAX_HEIGHT].store(MAX_HEIGHT, Ordering::Relaxed);
            w[W_MAGIC].store(MAGIC, Ordering::Release);
        } else if seq & 1 == 1 {
            // The previous writer died mid-frame: whatever it left is the frame, all of it new.
            let done = seq.wrapping_add(1);
            writer.stamp_all(done);
            w[W_SEQ].store(done, Ordering::Release);
        }
        Ok(writer)
    }

    fn stamp_all(&self, stamp: u32) {
        for row in 0..MAX_HEIGHT as usize {
            self.w[ROW_STAMPS / 4 + row].store(stamp, Ordering::Relaxed);
        }
    }

    /// Starts a frame; readers see none of it until the returned guard is dropped.
    pub fn begin_frame(&mut self) -> FrameUpdate<'_, 'a> {
        let seq = self.w[W_SEQ].load(Ordering::Relaxed);
        let odd = seq.wrapping_add(1) | 1;
        // Acquire keeps the frame's stores after this one; the release fence keeps them after
        // it from a reader's point of view too (the classic seqlock writer).
        self.w[W_SEQ].swap(odd, Ordering::Acquire);
        fence(Ordering::Release);
        FrameUpdate {
            writer: self,
            done: odd.wrapping_add(1),
        }
    }
}

/// One frame being written. Dropping it publishes the frame.
pub struct FrameUpdate<'w, 'a> {
    writer: &'w mut FramebufferWriter<'a>,
    done: u32,
}

impl FrameUpdate<'_, '_> {
    fn w(&self) -> &[AtomicU32] {
        self.writer.w
    }

    /// The sequence number the frame will have once published.
    pub fn seq(&self) -> u32 {
        self.done
    }

    /// The picture's current size and kind.
    pub fn geometry(&self) -> (u32, u32, ScreenKind) {
        let w = self.w();
        (
            w[W_WIDTH].load(Ordering::Relaxed),
            w[W_HEIGHT].load(Ordering::Relaxed),
            ScreenKind::from_u32(w[W_KIND].load(Ordering::Relaxed)),
        )
    }

    /// Sets the picture's size and kind. A size change stamps every row (their pixels moved).
    pub fn set_geometry(
        &mut self,
        width: u32,
        height: u32,
        kind: ScreenKind,
    ) -> Result<(), FramebufferError> {
        if width > MAX_WIDTH || height > MAX_HEIGHT {
            return Err(FramebufferError::TooLarge { width, height });
        }
        let (old_w, old_h, _) = self.geometry();
        let w = self.w();
        w[W_WIDTH].store(width, Ordering::Relaxed);
        w[W_HEIGHT].store(height, Ordering::Relaxed);
        w[W_KIND].store(kind as u32, Ordering::Relaxed);
        if (old_w, old_h) != (width, height) {
            self.writer.stamp_all(self.done);
        }
        Ok(())
    }

    /// Writes pixel row `row` (exactly `width` pixels) and stamps it changed.
    pub fn write_row(&mut self, row: u32, pixels: &[u32]) -> Result<(), FramebufferError> {
        let (width, height, _) = self.geometry();
        if row >= height || pixels.len() != width as usize {
            return Err(FramebufferError::BadRow {
                row,
                len: pixels.len(),
                width,
            });
        }
        let w = self.w();
        let base = PIXELS / 4 + (row * width) as usize;
        for (word, &p) in w[base..base + pixels.len()].iter().zip(pixels) {
            word.store(p, Ordering::Relaxed);
        }
        w[ROW_STAMPS / 4 + row as usize].store(self.done, Ordering::Relaxed);
        Ok(())
    }

    /// Sets the text snapshot (`cols * rows` cells, char | attribute << 8); 0×0 outside text.
    pub fn set_text(
        &mut self,
        cols: u32,
        rows: u32,
        cells: &[u16],
    ) -> Result<(), FramebufferError> {
        if cols > MAX_TEXT_COLS || rows > MAX_TEXT_ROWS || cells.len() != (cols * rows) as usize {
            return Err(FramebufferError::TextTooLarge { cols, rows });
        }
        let w = self.w();
        w[W_TEXT_COLS].store(cols, Ordering::Relaxed);
        w[W_TEXT_ROWS].store(rows, Ordering::Relaxed);
        for (i, pair) in cells.chunks(2).enumerate() {
            let lo = pair[0] as u32;
            let hi = pair.get(1).copied().unwrap_or(0) as u32;
            w[TEXT_CELLS / 4 + i].store(lo | hi << 16, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Sets the text cursor position (`None`: hidden).
    pub fn set_cursor(&mut self, cursor: Option<(u32, u32)>) {
        let (col, row) = cursor.unwrap_or((NO_CURSOR, NO_CURSOR));
        self.w()[W_CURSOR_COL].store(col, Ordering::Relaxed);
        self.w()[W_CURSOR_ROW].store(row, Ordering::Relaxed);
    }

    /// Sets the border colour.
    pub fn set_border(&mut self, rgb: u32) {
        self.w()[W_BORDER].store(rgb, Ordering::Relaxed);
    }
}

impl Drop for FrameUpdate<'_, '_> {
    fn drop(&mut self) {
        self.w()[W_SEQ].store(self.done, Ordering::Release);
    }
}
