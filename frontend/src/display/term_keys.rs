//! Terminal keys (crossterm) to PC/AT key strokes. A terminal reports whole strokes, not make
//! and break, so each becomes a chord: modifiers, then the key, released in reverse.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::supervisor::keys::{ascii_key, named_key, Key, ALT, CTRL, SHIFT};

/// What a terminal key means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermKey {
    /// Type this chord into the guest.
    Chord(Vec<Key>),
    /// Ctrl-]: the next key is a host shortcut.
    Prefix,
}

/// The meaning of a terminal key event; `None` for key releases and keys a PC lacks.
pub fn translate(ev: &KeyEvent) -> Option<TermKey> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let alt = ev.modifiers.contains(KeyModifiers::ALT);
    let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
    // Ctrl-] arrives as byte 1Dh, which terminals' parsers also call Ctrl-5.
    if ctrl && matches!(ev.code, KeyCode::Char(']') | KeyCode::Char('5')) {
        return Some(TermKey::Prefix);
    }
    let (key, needs_shift) = match ev.code {
        KeyCode::Char(c) => {
            // Ctrl-letters come lower case; a shifted letter says so by its case.
            let (key, s) = ascii_key(if ctrl { c.to_ascii_lowercase() } else { c })?;
            (key, s)
        }
        KeyCode::Enter => (named_key("enter")?, false),
        KeyCode::Tab => (ascii_key('\t')?.0, false),
        KeyCode::BackTab => (ascii_key('\t')?.0, true),
        KeyCode::Backspace => (ascii_key('\x08')?.0, false),
        KeyCode::Esc => (named_key("esc")?, false),
        KeyCode::Left => (named_key("left")?, false),
        KeyCode::Right => (named_key("right")?, false),
        KeyCode::Up => (named_key("up")?, false),
        KeyCode::Down => (named_key("down")?, false),
        KeyCode::Home => (named_key("home")?, false),
        KeyCode::End => (named_key("end")?, false),
        KeyCode::PageUp => (named_key("pgup")?, false),
        KeyCode::PageDown => (named_key("pgdn")?, false),
        KeyCode::Insert => (named_key("ins")?, false),
        KeyCode::Delete => (named_key("del")?, false),
        KeyCode::F(n) => (named_key(&format!("F{n}"))?, false),
        _ => return None,
    };
    let mut chord = Vec::new();
    if ctrl {
        chord.push(CTRL);
    }
    if alt {
        chord.push(ALT);
    }
    // A character's own case decides Shift; other keys take the modifier as given.
    let shifted = match ev.code {
        KeyCode::Char(_) => needs_shift,
        _ => needs_shift || shift,
    };
    if shifted {
        chord.push(SHIFT);
    }
    chord.push(key);
    Some(TermKey::Chord(chord))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::keys::{k, x};

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn terminal_keys_become_chords_of_set_1_keys() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            translate(&ev(KeyCode::Char('d'), none)),
            Some(TermKey::Chord(vec![k(0x20)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::Char('D'), KeyModifiers::SHIFT)),
            Some(TermKey::Chord(vec![SHIFT, k(0x20)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(TermKey::Chord(vec![CTRL, k(0x2E)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::Up, KeyModifiers::SHIFT)),
            Some(TermKey::Chord(vec![SHIFT, x(0x48)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::F(5), none)),
            Some(TermKey::Chord(vec![k(0x3F)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::Enter, none)),
            Some(TermKey::Chord(vec![k(0x1C)]))
        );
        assert_eq!(
            translate(&ev(KeyCode::Char(']'), KeyModifiers::CONTROL)),
            Some(TermKey::Prefix)
        );
        assert_eq!(translate(&ev(KeyCode::Char('é'), none)), None);
    }
}
