//! `--display window`: the picture in a minifb window, host keys as make and break codes.
//!
//! Right Ctrl is the host key: pressed and released alone it releases the keyboard (keys stay
//! with the host) or grabs it again; held with another key it is a shortcut ([`super::shortcut`]).

use std::time::{Duration, Instant};

use cloister_shared::framebuffer::{FramebufferReader, ScreenKind};
use std::cell::RefCell;
use std::rc::Rc;

use minifb::{InputCallback, Key as K, ScaleMode, Window, WindowOptions};

use super::{scale, shortcut, window_keys, FrontendContext, UiEvent, PERIOD};

/// The window's first size: 720×400 text fits once, 320×200 twice, 640×480 once.
const START_SIZE: (usize, usize) = (800, 600);
/// How often the picture is drawn again though nothing changed (the server may have lost it).
const REDRAW: Duration = Duration::from_secs(1);

/// Key events as the window system reported them, in order (a press and release within one
/// tick must both reach the guest, so the held-keys snapshot is not enough).
#[derive(Clone, Default)]
struct KeyEvents(Rc<RefCell<Vec<(K, bool)>>>);

impl InputCallback for KeyEvents {
    fn add_char(&mut self, _uni_char: u32) {}
    fn set_key_state(&mut self, key: K, down: bool) {
        self.0.borrow_mut().push((key, down));
    }
}

/// Keyboard state: what the guest holds, and the host key.
struct Keyboard {
    events: KeyEvents,
    grabbed: bool,
    /// Host keys whose make code the guest got.
    held: Vec<K>,
    /// Keys down now (an X server's repeats arrive as presses of a key already down).
    down: Vec<K>,
    host_down: bool,
    host_used: bool,
}

impl Keyboard {
    fn release_all(&mut self, ctx: &mut FrontendContext) {
        for key in self.held.drain(..) {
            if let Some(sc) = window_keys::scan_code(key) {
                ctx.send(UiEvent::Key(sc, false));
            }
        }
    }

    fn poll(&mut self, window: &Window, ctx: &mut FrontendContext) {
        let events = std::mem::take(&mut *self.events.0.borrow_mut());
        if !window.is_active() {
            self.release_all(ctx);
            self.down.clear();
            self.host_down = false;
            return;
        }
        for (key, pressed) in events {
            if pressed {
                if self.down.contains(&key) {
                    continue; // the server's autorepeat: typematic is the keyboard's job
                }
                self.down.push(key);
                self.press(key, ctx);
            } else {
                self.down.retain(|&k| k != key);
                self.release(key, ctx);
            }
        }
    }

    fn press(&mut self, key: K, ctx: &mut FrontendContext) {
        if key == K::RightCtrl {
            self.host_down = true;
            self.host_used = false;
        } else if self.host_down {
            self.host_used = true;
            if let Some(ev) = shortcut_char(key).and_then(shortcut) {
                ctx.send(ev);
            }
        } else if self.grabbed {
            if let Some(sc) = window_keys::scan_code(key) {
                self.held.push(key);
                ctx.send(UiEvent::Key(sc, true));
            }
        }
    }

    fn release(&mut self, key: K, ctx: &mut FrontendContext) {
        if key == K::RightCtrl {
            if self.host_down && !self.host_used {
                self.grabbed = !self.grabbed;
                if !self.grabbed {
                    self.release_all(ctx);
                }
            }
            self.host_down = false;
        } else if let Some(i) = self.held.iter().position(|&h| h == key) {
            self.held.remove(i);
            if let Some(sc) = window_keys::scan_code(key) {
                ctx.send(UiEvent::Key(sc, false));
            }
        }
    }
}

/// The character a key stands for in a shortcut.
fn shortcut_char(key: K) -> Option<char> {
    let n = key as usize;
    if n <= K::Key9 as usize {
        return Some((b'0' + n as u8) as char);
    }
    if (K::A as usize..=K::Z as usize).contains(&n) {
        return Some((b'a' + (n - K::A as usize) as u8) as char);
    }
    match key {
        K::Minus => Some('-'),
        K::Equal => Some('='),
        K::Delete => Some('d'),
        _ => None,
    }
}

fn title(ctx: &FrontendContext, reader: &FramebufferReader, kb: &Keyboard) -> String {
    let f = reader.frame();
    let run = if ctx.paused() { "paused" } else { "running" };
    let screen = match f.kind {
        ScreenKind::Blank => "no picture".to_string(),
        ScreenKind::Text => format!(
            "{}×{} text {}×{}",
            f.width, f.height, f.text.cols, f.text.rows
        ),
        ScreenKind::Graphics => format!("{}×{} graphics", f.width, f.height),
    };
    let keys = if kb.grabbed {
        "keyboard grabbed (Right Ctrl releases)"
    } else {
        "keyboard released (Right Ctrl grabs)"
    };
    format!("Cloister — {run} — {screen} — {keys}")
}

/// Shows the machine in a window until the front end is told to stop or the window is closed.
pub fn run(ctx: &mut FrontendContext) -> anyhow::Result<()> {
    let opts = WindowOptions {
        resize: true,
        scale_mode: ScaleMode::UpperLeft,
        ..WindowOptions::default()
    };
    let mut window = Window::new("Cloister", START_SIZE.0, START_SIZE.1, opts)
        .map_err(|e| anyhow::anyhow!("could not open a window: {e}"))?;
    // We pace ourselves; minifb must not sleep inside update().
    window.set_target_fps(0);
    let mut reader = FramebufferReader::new();
    let events = KeyEvents::default();
    window.set_input_callback(Box::new(events.clone()));
    let mut kb = Keyboard {
        events,
        grabbed: true,
        held: Vec::new(),
        down: Vec::new(),
        host_down: false,
        host_used: false,
    };
    let mut buf = Vec::new();
    let mut shown_title = String::new();
    let mut last_size = (0, 0);
    let mut last_draw = Instant::now();
    let mut next = Instant::now();
    while !ctx.stopping() && window.is_open() {
        let size = window.get_size();
        let changed = matches!(reader.update(ctx.framebuffer.bytes_mut()), Ok(Some(_)));
        if changed || size != last_size || last_draw.elapsed() >= REDRAW {
            let f = reader.frame();
            let (w, h) = (size.0.max(1), size.1.max(1));
            scale::render(
                &f.pixels,
                f.width as usize,
                f.height as usize,
                f.border,
                &mut buf,
                w,
                h,
            );
            if let Err(e) = window.update_with_buffer(&buf, w, h) {
                tracing::debug!("window update: {e}");
            }
            last_size = size;
            last_draw = Instant::now();
        } else {
            window.update();
        }
        kb.poll(&window, ctx);
        ctx.poll();
        let t = title(ctx, &reader, &kb);
        if t != shown_title {
            window.set_title(&t);
            shown_title = t;
        }
        next += PERIOD;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if next + PERIOD < now {
            // A whole period behind (the host was busy): start the 70 Hz schedule afresh
            // rather than draw in a burst; a little late is made up by the next tick.
            next = now;
        }
    }
    kb.release_all(ctx);
    if !window.is_open() {
        ctx.send(UiEvent::Quit);
    }
    Ok(())
}
