//! A test folder's `metadata.json` (per opcode form: status and undefined-flags mask) and
//! `revocation_list.txt` (hashes of tests found to be bad after publication).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Chip, SstError};

/// What the metadata says about one opcode form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormInfo {
    /// `"80.3"` for group opcode 0x80 with reg field 3, `"04"` otherwise.
    pub form: String,
    /// `normal`, `alias`, `undocumented`, `undefined`, `fpu`, `prefix`, ... (empty when unlisted).
    pub status: String,
    /// AND both FLAGS values with this before comparing (0xFFFF when all flags are defined).
    pub flags_mask: u16,
}

/// The rules of one test folder. Empty (everything `normal`, nothing revoked) when the folder
/// has neither file.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    opcodes: Map<String, Value>,
    revoked: HashSet<String>,
}

fn io(path: PathBuf) -> impl FnOnce(std::io::Error) -> SstError {
    move |error| SstError::Io { path, error }
}

impl Metadata {
    /// Reads `metadata.json` and `revocation_list.txt` from `dir`; a missing file counts as empty.
    pub fn load_dir(dir: &Path) -> Result<Metadata, SstError> {
        let mut m = Metadata::default();
        let meta = dir.join("metadata.json");
        if meta.exists() {
            let text = std::fs::read(&meta).map_err(io(meta.clone()))?;
            let root: Value = serde_json::from_slice(&text).map_err(|e| SstError::Json {
                path: meta.clone(),
                what: e.to_string(),
            })?;
            match root.get("opcodes") {
                Some(Value::Object(o)) => m.opcodes = o.clone(),
                _ => {
                    return Err(SstError::Json {
                        path: meta,
                        what: "no \"opcodes\" object".into(),
                    })
                }
            }
        }
        let rev = dir.join("revocation_list.txt");
        if rev.exists() {
            let text = std::fs::read_to_string(&rev).map_err(io(rev.clone()))?;
            m.revoked = parse_revocations(&text);
        }
        Ok(m)
    }

    /// Whether a test with this hash is known to be bad.
    pub fn is_revoked(&self, hash: Option<&str>) -> bool {
        hash.is_some_and(|h| self.revoked.contains(h))
    }

    /// The form a test's instruction bytes belong to, found after its prefixes; `file_form` (the
    /// file name's stem, e.g. `80.3`) when the bytes are nothing but prefixes.
    pub fn form(&self, bytes: &[u8], chip: Chip, file_form: &str) -> FormInfo {
        let (key, modrm) = match opcode_key(bytes, chip) {
            Some(k) => k,
            None => {
                let (op, reg) = file_form.split_once('.').unwrap_or((file_form, ""));
                (
                    op.to_ascii_uppercase(),
                    reg.parse::<u8>().ok().map(|r| r << 3),
                )
            }
        };
        let entry = self.opcodes.get(&key);
        // Group opcodes list their forms under "reg", keyed by the ModRM reg field.
        let (form, entry) = match (entry.and_then(|e| e.get("reg")), modrm) {
            (Some(regs), Some(m)) => {
                let reg = (m >> 3 & 7).to_string();
                (format!("{key}.{reg}"), regs.get(&reg))
            }
            _ => (key, entry),
        };
        let status = entry
            .and_then(|e| e.get("status"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let flags_mask = entry
            .and_then(|e| e.get("flags-mask"))
            .and_then(Value::as_u64)
            .map_or(0xFFFF, |m| m as u16);
        FormInfo {
            form,
            status,
            flags_mask,
        }
    }
}

fn parse_revocations(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The metadata key of the opcode (`"F6"`, or `"0F01"` on the 286's second page) and the byte
/// after it (the ModRM byte, if the opcode has one).
fn opcode_key(bytes: &[u8], chip: Chip) -> Option<(String, Option<u8>)> {
    let is_prefix = |b: u8| {
        matches!(b, 0x26 | 0x2E | 0x36 | 0x3E | 0xF0 | 0xF2 | 0xF3)
            || (b == 0xF1 && chip == Chip::I808x)
    };
    let at = bytes.iter().position(|b| !is_prefix(*b))?;
    let op = bytes[at];
    if op == 0x0F && chip == Chip::I286 {
        let op2 = *bytes.get(at + 1)?;
        return Some((format!("0F{op2:02X}"), bytes.get(at + 2).copied()));
    }
    Some((format!("{op:02X}"), bytes.get(at + 1).copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        let root: Value = serde_json::from_str(
            r#"{"opcodes": {"04": {"status": "normal"}, "26": {"status": "prefix"},
                "F6": {"reg": {"0": {"status": "normal", "flags-mask": 65519},
                               "7": {"status": "normal", "flags-mask": 63274}}},
                "8F": {"reg": {"0": {"status": "normal"}, "1": {"status": "undefined"}}}}}"#,
        )
        .unwrap();
        Metadata {
            opcodes: root["opcodes"].as_object().unwrap().clone(),
            revoked: parse_revocations("# c\n\nABCD\n"),
        }
    }

    #[test]
    fn forms_come_from_the_bytes_after_prefixes() {
        let m = meta();
        assert_eq!(
            m.form(&[0x2E, 0xF3, 0xF6, 0x3F], Chip::I286, "F6.7")
                .flags_mask,
            63274
        );
        let f = m.form(&[0xF6, 0x07], Chip::I808x, "F6.0");
        assert_eq!((f.form.as_str(), f.flags_mask), ("F6.0", 65519));
        assert_eq!(m.form(&[0x8F, 0x08], Chip::I286, "8F").status, "undefined");
        assert_eq!(m.form(&[0x8F, 0x00], Chip::I286, "8F").status, "normal");
        assert_eq!(m.form(&[0x04, 0x01], Chip::I286, "04").flags_mask, 0xFFFF);
        // Only prefixes: the file name decides.
        assert_eq!(m.form(&[0x26, 0x26], Chip::I286, "f6.7").form, "F6.7");
        assert_eq!(m.form(&[0x55], Chip::I286, "55").status, "");
    }

    #[test]
    fn revocations_ignore_comments_and_case() {
        let m = meta();
        assert!(m.is_revoked(Some("abcd")));
        assert!(!m.is_revoked(Some("abce")) && !m.is_revoked(None));
    }
}
