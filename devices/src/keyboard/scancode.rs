//! Scan codes: the host's key representation (a set 1 code with an extended flag), the set 2
//! to set 1 translation the 8042 applies, and the byte sequences of each scan code set.

use serde::{Deserialize, Serialize};

/// A key as the host reports it: its PC/AT scan code set 1 make code (01h–7Fh) and whether it
/// is one of the E0-prefixed keys. Print Screen is `{ 0x37, extended }` and Pause
/// `{ 0x45, extended }` (their real sequences are longer; the keyboard produces them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScanCode {
    pub code: u8,
    pub extended: bool,
}

impl ScanCode {
    pub const fn new(code: u8) -> Self {
        ScanCode {
            code: code & 0x7F,
            extended: false,
        }
    }
    pub const fn extended(code: u8) -> Self {
        ScanCode {
            code: code & 0x7F,
            extended: true,
        }
    }
    pub fn is_pause(&self) -> bool {
        self.extended && self.code == 0x45
    }
    pub fn is_print_screen(&self) -> bool {
        self.extended && self.code == 0x37
    }
}

/// (set 2, set 1) for the keys of the 101/102/104-key keyboard. Extended keys use the same
/// pairs after their E0 prefix.
const SET2_SET1: &[(u8, u8)] = &[
    (0x76, 0x01),
    (0x16, 0x02),
    (0x1E, 0x03),
    (0x26, 0x04),
    (0x25, 0x05),
    (0x2E, 0x06),
    (0x36, 0x07),
    (0x3D, 0x08),
    (0x3E, 0x09),
    (0x46, 0x0A),
    (0x45, 0x0B),
    (0x4E, 0x0C),
    (0x55, 0x0D),
    (0x66, 0x0E),
    (0x0D, 0x0F),
    (0x15, 0x10),
    (0x1D, 0x11),
    (0x24, 0x12),
    (0x2D, 0x13),
    (0x2C, 0x14),
    (0x35, 0x15),
    (0x3C, 0x16),
    (0x43, 0x17),
    (0x44, 0x18),
    (0x4D, 0x19),
    (0x54, 0x1A),
    (0x5B, 0x1B),
    (0x5A, 0x1C),
    (0x14, 0x1D),
    (0x1C, 0x1E),
    (0x1B, 0x1F),
    (0x23, 0x20),
    (0x2B, 0x21),
    (0x34, 0x22),
    (0x33, 0x23),
    (0x3B, 0x24),
    (0x42, 0x25),
    (0x4B, 0x26),
    (0x4C, 0x27),
    (0x52, 0x28),
    (0x0E, 0x29),
    (0x12, 0x2A),
    (0x5D, 0x2B),
    (0x1A, 0x2C),
    (0x22, 0x2D),
    (0x21, 0x2E),
    (0x2A, 0x2F),
    (0x32, 0x30),
    (0x31, 0x31),
    (0x3A, 0x32),
    (0x41, 0x33),
    (0x49, 0x34),
    (0x4A, 0x35),
    (0x59, 0x36),
    (0x7C, 0x37),
    (0x11, 0x38),
    (0x29, 0x39),
    (0x58, 0x3A),
    (0x05, 0x3B),
    (0x06, 0x3C),
    (0x04, 0x3D),
    (0x0C, 0x3E),
    (0x03, 0x3F),
    (0x0B, 0x40),
    (0x83, 0x41),
    (0x0A, 0x42),
    (0x01, 0x43),
    (0x09, 0x44),
    (0x77, 0x45),
    (0x7E, 0x46),
    (0x6C, 0x47),
    (0x75, 0x48),
    (0x7D, 0x49),
    (0x7B, 0x4A),
    (0x6B, 0x4B),
    (0x73, 0x4C),
    (0x74, 0x4D),
    (0x79, 0x4E),
    (0x69, 0x4F),
    (0x72, 0x50),
    (0x7A, 0x51),
    (0x70, 0x52),
    (0x71, 0x53),
    (0x84, 0x54),
    (0x61, 0x56),
    (0x78, 0x57),
    (0x07, 0x58),
    (0x1F, 0x5B),
    (0x27, 0x5C),
    (0x2F, 0x5D),
    // Set 2's overrun code becomes set 1's.
    (0x00, 0xFF),
];

/// The 8042's translation of one byte from the keyboard (set 2) to set 1. Codes with no key
/// pass unchanged, as do the keyboard's replies (FA, AA, EE, FE, E0, E1 …).
pub fn translate_to_set1(code: u8) -> u8 {
    SET2_SET1
        .iter()
        .find(|&&(s2, _)| s2 == code)
        .map_or(code, |&(_, s1)| s1)
}

fn set1_to_set2(code: u8) -> Option<u8> {
    SET2_SET1
        .iter()
        .find(|&&(_, s1)| s1 == code)
        .map(|&(s2, _)| s2)
}

/// Set 3 codes that differ from set 2 (keyed by set 1 code and extended flag).
const SET3_DIFF: &[(u8, bool, u8)] = &[
    (0x01, false, 0x08),
    (0x3B, false, 0x07),
    (0x3C, false, 0x0F),
    (0x3D, false, 0x17),
    (0x3E, false, 0x1F),
    (0x3F, false, 0x27),
    (0x40, false, 0x2F),
    (0x41, false, 0x37),
    (0x42, false, 0x3F),
    (0x43, false, 0x47),
    (0x44, false, 0x4F),
    (0x57, false, 0x56),
    (0x58, false, 0x5E),
    (0x46, false, 0x5F),
    (0x2B, false, 0x5C),
    (0x3A, false, 0x14),
    (0x1D, false, 0x11),
    (0x38, false, 0x19),
    (0x45, false, 0x76),
    (0x37, false, 0x7E),
    (0x4A, false, 0x84),
    (0x4E, false, 0x7C),
    (0x56, false, 0x13),
    (0x1D, true, 0x58),
    (0x38, true, 0x39),
    (0x1C, true, 0x79),
    (0x35, true, 0x77),
    (0x52, true, 0x67),
    (0x53, true, 0x64),
    (0x47, true, 0x6E),
    (0x4F, true, 0x65),
    (0x49, true, 0x6F),
    (0x51, true, 0x6D),
    (0x48, true, 0x63),
    (0x50, true, 0x60),
    (0x4B, true, 0x61),
    (0x4D, true, 0x6A),
    (0x5B, true, 0x8B),
    (0x5C, true, 0x8C),
    (0x5D, true, 0x8D),
    (0x37, true, 0x57),
    (0x45, true, 0x62),
];

/// The bytes a keyboard in scan code set `set` sends for `key` going down or up.
pub fn sequence(set: u8, key: ScanCode, pressed: bool) -> Vec<u8> {
    match set {
        1 => set1_sequence(key, pressed),
        3 => set3_sequence(key, pressed),
        _ => set2_sequence(key, pressed),
    }
}

fn set1_sequence(key: ScanCode, pressed: bool) -> Vec<u8> {
    let brk = if pressed { 0 } else { 0x80 };
    if key.is_pause() {
        return if pressed {
            vec![0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]
        } else {
            vec![]
        };
    }
    if key.is_print_screen() {
        return if pressed {
            vec![0xE0, 0x2A, 0xE0, 0x37]
        } else {
            vec![0xE0, 0xB7, 0xE0, 0xAA]
        };
    }
    let code = key.code | brk;
    if key.extended {
        vec![0xE0, code]
    } else {
        vec![code]
    }
}

fn set2_sequence(key: ScanCode, pressed: bool) -> Vec<u8> {
    if key.is_pause() {
        return if pressed {
            vec![0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77]
        } else {
            vec![]
        };
    }
    if key.is_print_screen() {
        return if pressed {
            vec![0xE0, 0x12, 0xE0, 0x7C]
        } else {
            vec![0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12]
        };
    }
    let Some(code) = set1_to_set2(key.code) else {
        return vec![];
    };
    let mut out = Vec::with_capacity(3);
    if key.extended {
        out.push(0xE0);
    }
    if !pressed {
        out.push(0xF0);
    }
    out.push(code);
    out
}

fn set3_sequence(key: ScanCode, pressed: bool) -> Vec<u8> {
    let diff = SET3_DIFF
        .iter()
        .find(|&&(s1, ext, _)| s1 == key.code && ext == key.extended)
        .map(|&(.., s3)| s3);
    let code = match diff {
        Some(c) => c,
        None if !key.extended => match set1_to_set2(key.code) {
            Some(c) => c,
            None => return vec![],
        },
        None => return vec![],
    };
    if pressed {
        vec![code]
    } else {
        vec![0xF0, code]
    }
}
