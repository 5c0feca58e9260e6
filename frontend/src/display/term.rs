//! `--display term`: the picture in the terminal. Text modes cell for cell with their colours
//! and cursor; graphics modes as half blocks (two pixels a cell, true colour). Only cells that
//! changed are written. Keys come from the raw terminal; Ctrl-] starts a host shortcut.
//!
//! It runs in the display process, which owns the terminal meanwhile. The terminal is put back
//! (raw mode off, main screen, cursor shown) when the front end ends, by a guard dropped on
//! every path out of [`run`], a panic included; if the process is killed, the supervisor's
//! saved settings do it (`super::SavedTerminal`).

use std::io::{BufWriter, Stdout, Write};
use std::time::Instant;

use cloister_shared::framebuffer::{cp437_char, Frame, FramebufferReader, ScreenKind};
use crossterm::event::{self, Event};
use crossterm::style::{Color, Print, SetBackgroundColor, SetForegroundColor};
use crossterm::{cursor, queue, terminal};

use super::term_keys::{translate, TermKey};
use super::{scale, shortcut, FrontendContext, UiEvent, PERIOD};

/// CGA colour number → ANSI colour number (ANSI swaps blue and red, cyan and yellow).
const CGA_TO_ANSI: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

fn text_colour(c: u8) -> Color {
    Color::AnsiValue(CGA_TO_ANSI[(c & 7) as usize] + if c & 8 != 0 { 8 } else { 0 })
}

fn rgb(p: u32) -> Color {
    Color::Rgb {
        r: (p >> 16) as u8,
        g: (p >> 8) as u8,
        b: p as u8,
    }
}

/// One terminal cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    pub fg: Color,
    pub bg: Color,
}

const BLANK: Cell = Cell {
    ch: ' ',
    fg: Color::AnsiValue(7),
    bg: Color::AnsiValue(0),
};

/// The cells showing `frame` on a `cols`×`rows` terminal, and the cursor's cell. Text modes
/// map cell to cell (bit 7 of the attribute is taken as a bright background); graphics modes
/// fit the picture, aspect kept, at two pixels a cell.
pub fn layout(frame: &Frame, cols: usize, rows: usize) -> (Vec<Cell>, Option<(u16, u16)>) {
    let mut cells = vec![BLANK; cols * rows];
    let mut cur = None;
    match frame.kind {
        ScreenKind::Blank => {}
        ScreenKind::Text => {
            let t = &frame.text;
            for r in 0..(t.rows as usize).min(rows) {
                for c in 0..(t.cols as usize).min(cols) {
                    let Some((ch, attr)) = t.cell(c as u32, r as u32) else {
                        continue;
                    };
                    let ch = cp437_char(ch);
                    cells[r * cols + c] = Cell {
                        ch: if ch.is_control() { ' ' } else { ch },
                        fg: text_colour(attr & 0x0F),
                        bg: text_colour(attr >> 4),
                    };
                }
            }
            cur = frame
                .cursor
                .filter(|&(c, r)| (c as usize) < cols && (r as usize) < rows)
                .map(|(c, r)| (c as u16, r as u16));
        }
        ScreenKind::Graphics => {
            let (w, h) = (frame.width as usize, frame.height as usize);
            // A cell is about twice as tall as wide, so two pixels a cell are about square.
            let Some(p) = scale::place(w, h, cols, rows * 2) else {
                return (cells, None);
            };
            let border = rgb(frame.border);
            for cell in cells.iter_mut() {
                *cell = Cell {
                    ch: '▀',
                    fg: border,
                    bg: border,
                };
            }
            let px = |x: usize, y: usize| rgb(frame.pixels[(y * h / p.h) * w + x * w / p.w]);
            for y in 0..p.h {
                let abs = p.y + y;
                for x in 0..p.w {
                    let cell = &mut cells[(abs / 2) * cols + p.x + x];
                    // The upper half block is the foreground: even lines, the lower one odd.
                    if abs % 2 == 0 {
                        cell.fg = px(x, y);
                    } else {
                        cell.bg = px(x, y);
                    }
                }
            }
        }
    }
    (cells, cur)
}

/// Puts the terminal back however the front end ends.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let mut out = std::io::stdout();
        let _ = crossterm::execute!(
            out,
            crossterm::style::ResetColor,
            cursor::Show,
            terminal::LeaveAlternateScreen
        );
        let _ = terminal::disable_raw_mode();
    }
}

/// What the terminal shows now.
struct Shown {
    out: BufWriter<Stdout>,
    cols: usize,
    rows: usize,
    cells: Vec<Option<Cell>>,
    cursor: Option<(u16, u16)>,
}

impl Shown {
    fn resize(&mut self, cols: usize, rows: usize) {
        self.cols = cols;
        self.rows = rows;
        self.cells = vec![None; cols * rows];
        let _ = queue!(self.out, terminal::Clear(terminal::ClearType::All));
    }

    /// Writes the cells that differ from what is shown, then places the cursor.
    fn draw(&mut self, want: &[Cell], cursor: Option<(u16, u16)>) -> std::io::Result<()> {
        let mut at: Option<(usize, usize)> = None;
        let mut colours: Option<(Color, Color)> = None;
        let mut wrote = false;
        for (i, (&cell, shown)) in want.iter().zip(self.cells.iter_mut()).enumerate() {
            if *shown == Some(cell) {
                continue;
            }
            let (c, r) = (i % self.cols, i / self.cols);
            if at != Some((c, r)) {
                queue!(self.out, cursor::MoveTo(c as u16, r as u16))?;
            }
            if colours != Some((cell.fg, cell.bg)) {
                queue!(
                    self.out,
                    SetForegroundColor(cell.fg),
                    SetBackgroundColor(cell.bg)
                )?;
                colours = Some((cell.fg, cell.bg));
            }
            queue!(self.out, Print(cell.ch))?;
            *shown = Some(cell);
            at = Some((c + 1, r));
            wrote = true;
        }
        if wrote || cursor != self.cursor {
            match cursor {
                Some((c, r)) => queue!(self.out, cursor::MoveTo(c, r), cursor::Show)?,
                None => queue!(self.out, cursor::Hide)?,
            }
            self.cursor = cursor;
        }
        self.out.flush()
    }
}

fn status_line(ctx: &FrontendContext, cols: usize) -> Vec<Cell> {
    let run = if ctx.paused() { "paused" } else { "running" };
    let text =
        format!(" Cloister {run} · Ctrl-] then: q quit, d Ctrl-Alt-Del, 1…0 - = F1…F12, p pause");
    let mut line: Vec<Cell> = text
        .chars()
        .take(cols)
        .map(|ch| Cell {
            ch,
            fg: Color::AnsiValue(0),
            bg: Color::AnsiValue(7),
        })
        .collect();
    line.resize(
        cols,
        Cell {
            ch: ' ',
            fg: Color::AnsiValue(0),
            bg: Color::AnsiValue(7),
        },
    );
    line
}

fn setup() -> std::io::Result<Restore> {
    terminal::enable_raw_mode()?;
    let guard = Restore;
    crossterm::execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        cursor::Hide,
        terminal::Clear(terminal::ClearType::All)
    )?;
    Ok(guard)
}

/// Shows the machine in the terminal until the front end is told to stop.
pub fn run(ctx: &mut FrontendContext) -> anyhow::Result<()> {
    use anyhow::Context;
    let _restore = setup().context("could not set up the terminal")?;
    let (cols, rows) = terminal::size().unwrap_or((80, 25));
    let mut shown = Shown {
        out: BufWriter::with_capacity(1 << 16, std::io::stdout()),
        cols: 0,
        rows: 0,
        cells: Vec::new(),
        cursor: None,
    };
    shown.resize(cols as usize, rows as usize);
    let mut reader = FramebufferReader::new();
    let mut prefix = false;
    let mut dirty = true;
    let mut paused = false;
    let mut next = Instant::now();
    while !ctx.stopping() {
        next += PERIOD;
        loop {
            let left = next.saturating_duration_since(Instant::now());
            match event::poll(left) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!("terminal input: {e}");
                    std::thread::sleep(left);
                    break;
                }
            }
            match event::read() {
                Ok(Event::Key(ev)) => match translate(&ev) {
                    Some(TermKey::Prefix) if prefix => {
                        // Ctrl-] twice: the guest gets one.
                        prefix = false;
                        let rb = crate::supervisor::keys::ascii_key(']').map(|(k, _)| k);
                        if let Some(k) = rb {
                            ctx.send(UiEvent::Chord(vec![crate::supervisor::keys::CTRL, k]));
                        }
                    }
                    Some(TermKey::Prefix) => prefix = true,
                    Some(TermKey::Chord(_)) if prefix => {
                        prefix = false;
                        if let crossterm::event::KeyCode::Char(c) = ev.code {
                            if let Some(e) = shortcut(c) {
                                ctx.send(e);
                            }
                        }
                    }
                    Some(TermKey::Chord(keys)) => ctx.send(UiEvent::Chord(keys)),
                    None => {}
                },
                Ok(Event::Resize(c, r)) => {
                    shown.resize(c as usize, r as usize);
                    dirty = true;
                }
                _ => {}
            }
        }
        // Keep to the 70 Hz schedule: a tick that ends a little late (the wait above is in
        // whole milliseconds) shortens the next one; only a whole period behind starts afresh.
        if next + PERIOD < Instant::now() {
            next = Instant::now();
        }
        ctx.poll();
        let now_paused = ctx.paused();
        if matches!(reader.update(ctx.framebuffer.bytes_mut()), Ok(Some(_)))
            || dirty
            || now_paused != paused
        {
            paused = now_paused;
            dirty = false;
            let (cols, rows) = (shown.cols, shown.rows);
            let f = reader.frame();
            let used = match f.kind {
                ScreenKind::Text => f.text.rows as usize,
                _ => rows,
            };
            let (mut cells, cursor) = layout(f, cols, rows);
            if rows > used {
                let start = (rows - 1) * cols;
                cells[start..].copy_from_slice(&status_line(ctx, cols));
            }
            if let Err(e) = shown.draw(&cells, cursor) {
                tracing::warn!("terminal output: {e}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloister_shared::framebuffer::TextScreen;

    #[test]
    fn text_cells_keep_their_characters_colours_and_cursor() {
        let frame = Frame {
            kind: ScreenKind::Text,
            width: 720,
            height: 400,
            cursor: Some((1, 0)),
            text: TextScreen {
                cols: 2,
                rows: 1,
                cells: vec![b'A' as u16 | 0x1E00, 0xDB | 0x0700],
            },
            ..Frame::default()
        };
        let (cells, cur) = layout(&frame, 3, 2);
        assert_eq!(cells[0].ch, 'A');
        assert_eq!(cells[0].fg, Color::AnsiValue(11)); // yellow
        assert_eq!(cells[0].bg, Color::AnsiValue(4)); // blue
        assert_eq!(cells[1].ch, '█');
        assert_eq!(cells[2], BLANK);
        assert_eq!(cur, Some((1, 0)));
    }

    #[test]
    fn graphics_pixels_become_half_blocks() {
        // 2×2 picture on a 2×1 terminal: one cell per column, top and bottom pixel.
        let frame = Frame {
            kind: ScreenKind::Graphics,
            width: 2,
            height: 2,
            pixels: vec![0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF],
            ..Frame::default()
        };
        let (cells, cur) = layout(&frame, 2, 1);
        assert_eq!(cur, None);
        assert_eq!(cells[0].ch, '▀');
        assert_eq!(cells[0].fg, rgb(0xFF0000));
        assert_eq!(cells[0].bg, rgb(0x0000FF));
        assert_eq!(cells[1].fg, rgb(0x00FF00));
        assert_eq!(cells[1].bg, rgb(0xFFFFFF));
    }
}
