//! Window keys (minifb) to PC/AT keys in scan code set 1.

use minifb::Key as K;

use crate::supervisor::keys::{k, x, Key};

/// The set-1 key for a host key; `None` for keys a PC/AT keyboard lacks (F13–F15, Pause, which
/// sends no break code and is left out).
pub fn scan_code(key: K) -> Option<Key> {
    const LETTERS: [u8; 26] = [
        0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18,
        0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C,
    ];
    let n = key as usize;
    if n <= K::Key9 as usize {
        // Key0..Key9: 0 is after 9 on the top row.
        return Some(k(if n == 0 { 0x0B } else { 0x01 + n as u8 }));
    }
    if (K::A as usize..=K::Z as usize).contains(&n) {
        return Some(k(LETTERS[n - K::A as usize]));
    }
    Some(match key {
        K::F1 => k(0x3B),
        K::F2 => k(0x3C),
        K::F3 => k(0x3D),
        K::F4 => k(0x3E),
        K::F5 => k(0x3F),
        K::F6 => k(0x40),
        K::F7 => k(0x41),
        K::F8 => k(0x42),
        K::F9 => k(0x43),
        K::F10 => k(0x44),
        K::F11 => k(0x57),
        K::F12 => k(0x58),
        K::Down => x(0x50),
        K::Left => x(0x4B),
        K::Right => x(0x4D),
        K::Up => x(0x48),
        K::Apostrophe => k(0x28),
        K::Backquote => k(0x29),
        K::Backslash => k(0x2B),
        K::Comma => k(0x33),
        K::Equal => k(0x0D),
        K::LeftBracket => k(0x1A),
        K::Minus => k(0x0C),
        K::Period => k(0x34),
        K::RightBracket => k(0x1B),
        K::Semicolon => k(0x27),
        K::Slash => k(0x35),
        K::Backspace => k(0x0E),
        K::Delete => x(0x53),
        K::End => x(0x4F),
        K::Enter => k(0x1C),
        K::Escape => k(0x01),
        K::Home => x(0x47),
        K::Insert => x(0x52),
        K::Menu => x(0x5D),
        K::PageDown => x(0x51),
        K::PageUp => x(0x49),
        K::Space => k(0x39),
        K::Tab => k(0x0F),
        K::NumLock => k(0x45),
        K::CapsLock => k(0x3A),
        K::ScrollLock => k(0x46),
        K::LeftShift => k(0x2A),
        K::RightShift => k(0x36),
        K::LeftCtrl => k(0x1D),
        K::RightCtrl => x(0x1D),
        K::NumPad0 => k(0x52),
        K::NumPad1 => k(0x4F),
        K::NumPad2 => k(0x50),
        K::NumPad3 => k(0x51),
        K::NumPad4 => k(0x4B),
        K::NumPad5 => k(0x4C),
        K::NumPad6 => k(0x4D),
        K::NumPad7 => k(0x47),
        K::NumPad8 => k(0x48),
        K::NumPad9 => k(0x49),
        K::NumPadDot => k(0x53),
        K::NumPadSlash => x(0x35),
        K::NumPadAsterisk => k(0x37),
        K::NumPadMinus => k(0x4A),
        K::NumPadPlus => k(0x4E),
        K::NumPadEnter => x(0x1C),
        K::LeftAlt => k(0x38),
        K::RightAlt => x(0x38),
        K::LeftSuper => x(0x5B),
        K::RightSuper => x(0x5C),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_map_to_their_set_1_codes() {
        assert_eq!(scan_code(K::Key1), Some(k(0x02)));
        assert_eq!(scan_code(K::Key9), Some(k(0x0A)));
        assert_eq!(scan_code(K::Key0), Some(k(0x0B)));
        assert_eq!(scan_code(K::A), Some(k(0x1E)));
        assert_eq!(scan_code(K::Q), Some(k(0x10)));
        assert_eq!(scan_code(K::Z), Some(k(0x2C)));
        assert_eq!(scan_code(K::M), Some(k(0x32)));
        assert_eq!(scan_code(K::Up), Some(x(0x48)));
        assert_eq!(scan_code(K::NumPad8), Some(k(0x48)));
        assert_eq!(scan_code(K::RightAlt), Some(x(0x38)));
        assert_eq!(scan_code(K::F12), Some(k(0x58)));
        assert_eq!(scan_code(K::F13), None);
    }
}
