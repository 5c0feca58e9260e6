//! Reading frames: copy, then check the seqlock number did not move.

use super::*;

/// A text screen: `cols * rows` cells, row-major, each char | attribute << 8.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextScreen {
    pub cols: u32,
    pub rows: u32,
    pub cells: Vec<u16>,
}

impl TextScreen {
    /// The character and attribute at a cell.
    pub fn cell(&self, col: u32, row: u32) -> Option<(u8, u8)> {
        if col >= self.cols || row >= self.rows {
            return None;
        }
        let c = self.cells[(row * self.cols + col) as usize];
        Some((c as u8, (c >> 8) as u8))
    }

    /// One row as UTF-8 (code page 437), trailing blanks removed.
    pub fn line(&self, row: u32) -> String {
        if row >= self.rows {
            return String::new();
        }
        let start = (row * self.cols) as usize;
        let text: String = self.cells[start..start + self.cols as usize]
            .iter()
            .map(|&c| cp437_char(c as u8))
            .collect();
        text.trim_end().to_string()
    }

    /// Every row as UTF-8, trailing blanks removed.
    pub fn lines(&self) -> Vec<String> {
        (0..self.rows).map(|r| self.line(r)).collect()
    }

    /// The screen as UTF-8, one line per row.
    pub fn to_utf8(&self) -> String {
        self.lines().join("\n")
    }

    /// Whether `needle` appears within one row.
    pub fn contains(&self, needle: &str) -> bool {
        self.lines().iter().any(|l| l.contains(needle))
    }
}

/// A consistent copy of one frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The frame's sequence number (even).
    pub seq: u32,
    pub width: u32,
    pub height: u32,
    pub kind: ScreenKind,
    /// Text cursor (column, row), if shown.
    pub cursor: Option<(u32, u32)>,
    /// Border colour, `0x00RRGGBB`.
    pub border: u32,
    /// `width * height` pixels, `0x00RRGGBB`, row-major.
    pub pixels: Vec<u32>,
    /// The text snapshot (0×0 outside text modes).
    pub text: TextScreen,
}

impl Frame {
    /// The pixel at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> Option<u32> {
        (x < self.width && y < self.height).then(|| self.pixels[(y * self.width + x) as usize])
    }
}

/// Reads frames, copying only the rows changed since the last frame it copied.
#[derive(Debug, Default)]
pub struct FramebufferReader {
    frame: Frame,
    /// Sequence number of `frame`; `None` when it must be copied whole.
    last_seq: Option<u32>,
}

impl FramebufferReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// A whole, consistent frame from the region.
    pub fn snapshot(region: &[u8]) -> Result<Frame, FramebufferError> {
        Self::snapshot_words(words(region)?)
    }

    /// [`FramebufferReader::snapshot`] over words shared in-process.
    pub fn snapshot_words(w: &[AtomicU32]) -> Result<Frame, FramebufferError> {
        let mut reader = Self::new();
        reader.update_words(w)?;
        Ok(reader.frame)
    }

    /// The last frame copied.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Brings [`FramebufferReader::frame`] up to date. `Ok(None)`: nothing new since the last
    /// call; `Ok(Some(rows))`: a new frame, of which these pixel rows changed.
    pub fn update(&mut self, region: &[u8]) -> Result<Option<Vec<u32>>, FramebufferError> {
        self.update_words(words(region)?)
    }

    /// [`FramebufferReader::update`] over words shared in-process.
    pub fn update_words(&mut self, w: &[AtomicU32]) -> Result<Option<Vec<u32>>, FramebufferError> {
        check_len(w.len() * 4)?;
        let magic = w[W_MAGIC].load(Ordering::Acquire);
        let version = w[W_VERSION].load(Ordering::Relaxed);
        if magic != MAGIC || version != VERSION {
            return Err(FramebufferError::NotInitialised { magic, version });
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
        for attempt in 0.. {
            if attempt > 0 {
                if attempt < 16 {
                    std::hint::spin_loop();
                } else if std::time::Instant::now() > deadline {
                    break;
                } else {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
            }
            let seq = w[W_SEQ].load(Ordering::Acquire);
            if seq & 1 == 1 {
                continue;
            }
            if self.last_seq == Some(seq) {
                return Ok(None);
            }
            if let Some(rows) = self.try_copy(w, seq) {
                self.last_seq = Some(seq);
                return Ok(Some(rows));
            }
            // Torn: what was copied may be garbage, so copy everything next time.
            self.last_seq = None;
        }
        Err(FramebufferError::Busy)
    }

    /// Copies the frame numbered `seq`; `None` if the writer changed it meanwhile.
    fn try_copy(&mut self, w: &[AtomicU32], seq: u32) -> Option<Vec<u32>> {
        let load = |i: usize| w[i].load(Ordering::Relaxed);
        let (width, height) = (load(W_WIDTH), load(W_HEIGHT));
        let (cols, rows) = (load(W_TEXT_COLS), load(W_TEXT_ROWS));
        if width > MAX_WIDTH || height > MAX_HEIGHT || cols > MAX_TEXT_COLS || rows > MAX_TEXT_ROWS
        {
            return None;
        }
        let f = &mut self.frame;
        // A reader far behind cannot trust wrapping comparisons: copy everything.
        let whole = match self.last_seq {
            None => true,
            Some(last) => {
                (f.width, f.height) != (width, height) || seq.wrapping_sub(last) > i32::MAX as u32
            }
        };
        let last = self.last_seq.unwrap_or(0);
        f.pixels.resize((width * height) as usize, 0);
        let mut changed = Vec::new();
        for y in 0..height {
            let stamp = load(ROW_STAMPS / 4 + y as usize);
            if whole || stamp.wrapping_sub(last) as i32 > 0 {
                let src = PIXELS / 4 + (y * width) as usize;
                let dst = (y * width) as usize;
                for (d, s) in f.pixels[dst..dst + width as usize]
                    .iter_mut()
                    .zip(&w[src..src + width as usize])
                {
                    *d = s.load(Ordering::Relaxed);
                }
                changed.push(y);
            }
        }
        let cells = (cols * rows) as usize;
        f.text.cells.clear();
        f.text.cells.extend((0..cells).map(|i| {
            let word = load(TEXT_CELLS / 4 + i / 2);
            (word >> (16 * (i % 2))) as u16
        }));
        let kind = ScreenKind::from_u32(load(W_KIND));
        let cursor = (load(W_CURSOR_COL), load(W_CURSOR_ROW));
        let border = load(W_BORDER);
        // Everything above happened before this check; if the number is unchanged, no store
        // of a later frame was seen.
        fence(Ordering::Acquire);
        if w[W_SEQ].load(Ordering::Relaxed) != seq {
            return None;
        }
        f.seq = seq;
        f.width = width;
        f.height = height;
        f.kind = kind;
        f.cursor = (cursor.0 != NO_CURSOR).then_some(cursor);
        f.border = border;
        f.text.cols = cols;
        f.text.rows = rows;
        Some(changed)
    }
}
