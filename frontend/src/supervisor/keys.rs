//! `--keys`: text typed into the guest's keyboard, with waits.
//!
//! Plain characters are typed on a US layout (Shift added where needed). Escapes: `\r` or `\n`
//! Enter, `\t` Tab, `\b` Backspace, `\e` Esc, `\\` a backslash, `\{` a brace. Braces hold
//! commands: `{wait:TEXT}` waits until TEXT is on the text screen, `{sleep:MS}` pauses,
//! `{F1}`…`{F12}`, `{up}` `{down}` `{left}` `{right}` `{home}` `{end}` `{pgup}` `{pgdn}`
//! `{ins}` `{del}` `{esc}` press that key, `{ctrl-alt-del}` sends that chord.

use anyhow::{bail, Context};

/// A PC/AT key in scan code set 1 (`extended`: the E0-prefixed keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Key {
    pub code: u8,
    pub extended: bool,
}

pub const fn k(code: u8) -> Key {
    Key {
        code,
        extended: false,
    }
}
pub const fn x(code: u8) -> Key {
    Key {
        code,
        extended: true,
    }
}

pub const SHIFT: Key = k(0x2A);
pub const CTRL: Key = k(0x1D);
pub const ALT: Key = k(0x38);

/// One step of a key script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Press these keys in order, release them in reverse.
    Chord(Vec<Key>),
    WaitText(String),
    SleepMs(u64),
}

/// The key for an ASCII character and whether it needs Shift (US layout).
pub fn ascii_key(c: char) -> Option<(Key, bool)> {
    const ROW: [(&str, &str, u8); 4] = [
        ("1234567890-=", "!@#$%^&*()_+", 0x02),
        ("qwertyuiop[]", "QWERTYUIOP{}", 0x10),
        ("asdfghjkl;'`", "ASDFGHJKL:\"~", 0x1E),
        ("\\zxcvbnm,./", "|ZXCVBNM<>?", 0x2B),
    ];
    for (plain, shifted, first) in ROW {
        if let Some(i) = plain.chars().position(|p| p == c) {
            return Some((k(first + i as u8), false));
        }
        if let Some(i) = shifted.chars().position(|p| p == c) {
            return Some((k(first + i as u8), true));
        }
    }
    match c {
        ' ' => Some((k(0x39), false)),
        '\r' | '\n' => Some((k(0x1C), false)),
        '\t' => Some((k(0x0F), false)),
        '\x08' => Some((k(0x0E), false)),
        '\x1b' => Some((k(0x01), false)),
        _ => None,
    }
}

pub fn named_key(name: &str) -> Option<Key> {
    let fkey = |n: u8| {
        if n <= 10 {
            k(0x3A + n)
        } else {
            k(0x57 + n - 11)
        }
    };
    if let Some(n) = name
        .strip_prefix('F')
        .or_else(|| name.strip_prefix('f'))
        .and_then(|n| n.parse::<u8>().ok())
    {
        return (1..=12).contains(&n).then(|| fkey(n));
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "up" => x(0x48),
        "down" => x(0x50),
        "left" => x(0x4B),
        "right" => x(0x4D),
        "home" => x(0x47),
        "end" => x(0x4F),
        "pgup" => x(0x49),
        "pgdn" => x(0x51),
        "ins" => x(0x52),
        "del" => x(0x53),
        "esc" => k(0x01),
        "enter" => k(0x1C),
        _ => return None,
    })
}

/// Parses a key script.
pub fn parse(script: &str) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\\' => match chars.next() {
                Some('r') | Some('n') => '\r',
                Some('t') => '\t',
                Some('b') => '\x08',
                Some('e') => '\x1b',
                Some(other @ ('\\' | '{' | '}')) => other,
                Some(other) => bail!("--keys: unknown escape \\{other}"),
                None => bail!("--keys: a lone backslash at the end"),
            },
            '{' => {
                let body: String = chars.by_ref().take_while(|&c| c != '}').collect();
                steps.push(command(&body).with_context(|| format!("--keys: in {{{body}}}"))?);
                continue;
            }
            c => c,
        };
        let (key, shift) =
            ascii_key(c).with_context(|| format!("--keys: no key types {c:?} on a US keyboard"))?;
        steps.push(Step::Chord(if shift {
            vec![SHIFT, key]
        } else {
            vec![key]
        }));
    }
    Ok(steps)
}

fn command(body: &str) -> anyhow::Result<Step> {
    if let Some(text) = body.strip_prefix("wait:") {
        return Ok(Step::WaitText(text.to_owned()));
    }
    if let Some(ms) = body.strip_prefix("sleep:") {
        return Ok(Step::SleepMs(
            ms.parse().context("sleep takes milliseconds")?,
        ));
    }
    if body.eq_ignore_ascii_case("ctrl-alt-del") {
        return Ok(Step::Chord(vec![CTRL, ALT, x(0x53)]));
    }
    match named_key(body) {
        Some(key) => Ok(Step::Chord(vec![key])),
        None => bail!("unknown command"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_parse_into_the_set_1_codes_of_a_us_keyboard() {
        let steps = parse("dir A:\\\\{wait:A:\\>}\\r{F5}{sleep:20}").unwrap();
        assert_eq!(steps[0], Step::Chord(vec![k(0x20)])); // d
        assert_eq!(steps[3], Step::Chord(vec![k(0x39)])); // space
        assert_eq!(steps[4], Step::Chord(vec![SHIFT, k(0x1E)])); // A
        assert_eq!(steps[5], Step::Chord(vec![SHIFT, k(0x27)])); // :
        assert_eq!(steps[6], Step::Chord(vec![k(0x2B)])); // backslash
        assert_eq!(steps[7], Step::WaitText("A:\\>".into()));
        assert_eq!(steps[8], Step::Chord(vec![k(0x1C)]));
        assert_eq!(steps[9], Step::Chord(vec![k(0x3F)])); // F5
        assert_eq!(steps[10], Step::SleepMs(20));
        assert!(parse("é").is_err());
        assert!(parse("{nope}").is_err());
    }
}
