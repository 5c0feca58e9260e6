//! The older JSON form of SingleStepTests: an array of
//! `{"name", "bytes", "initial": {"regs": {"ax": ..}, "ram": [[addr, value], ..]}, "final": {..},
//! "exception": {"number", "flag_address"}, "hash", "idx"}`.

use std::path::Path;

use serde_json::Value;

use super::{Chip, Exception, Regs16, SstError, State, TestCase, TestFile, REG_NAMES};

struct Ctx<'a> {
    path: &'a Path,
    index: usize,
}

impl Ctx<'_> {
    fn err(&self, what: impl std::fmt::Display) -> SstError {
        SstError::Json {
            path: self.path.to_owned(),
            what: format!("test {}: {what}", self.index),
        }
    }
    fn uint(&self, v: &Value, what: &str, max: u64) -> Result<u64, SstError> {
        v.as_u64()
            .filter(|n| *n <= max)
            .ok_or_else(|| self.err(format!("{what} is not an integer ≤ {max:#x}")))
    }
}

fn regs(c: &Ctx, v: Option<&Value>, what: &str) -> Result<Regs16, SstError> {
    let obj = v
        .and_then(Value::as_object)
        .ok_or_else(|| c.err(format!("{what}.regs is missing")))?;
    let mut out = Regs16::default();
    for (name, value) in obj {
        // Registers a 16-bit runner does not know (a 386 file's eax...) make the test unusable.
        let i = Regs16::index_of(name)
            .ok_or_else(|| c.err(format!("{what}.regs.{name} is not a 16-bit register")))?;
        out.set(
            i,
            c.uint(value, &format!("{what}.regs.{}", REG_NAMES[i]), 0xFFFF)? as u16,
        );
    }
    Ok(out)
}

fn state(c: &Ctx, v: Option<&Value>, what: &str) -> Result<State, SstError> {
    let v = v.ok_or_else(|| c.err(format!("{what} is missing")))?;
    let regs = regs(c, v.get("regs"), what)?;
    let mut ram = Vec::new();
    if let Some(list) = v.get("ram") {
        let list = list
            .as_array()
            .ok_or_else(|| c.err(format!("{what}.ram is not an array")))?;
        for e in list {
            match e.as_array().map(Vec::as_slice) {
                Some([a, b]) => ram.push((
                    c.uint(a, "ram address", 0xFFFF_FFFF)? as u32,
                    c.uint(b, "ram value", 0xFF)? as u8,
                )),
                _ => return Err(c.err(format!("{what}.ram entry {e} is not [address, value]"))),
            }
        }
    }
    Ok(State { regs, ram })
}

fn test(c: &Ctx, t: &Value) -> Result<TestCase, SstError> {
    let bytes = t
        .get("bytes")
        .and_then(Value::as_array)
        .ok_or_else(|| c.err("bytes is missing"))?;
    let bytes = bytes
        .iter()
        .map(|b| c.uint(b, "bytes entry", 0xFF).map(|b| b as u8))
        .collect::<Result<_, _>>()?;
    let exception = match t.get("exception") {
        None | Some(Value::Null) => None,
        Some(e) => Some(Exception {
            number: c.uint(
                e.get("number").unwrap_or(&Value::Null),
                "exception.number",
                0xFF,
            )? as u8,
            flag_address: c.uint(
                e.get("flag_address").unwrap_or(&Value::Null),
                "exception.flag_address",
                0xFFFF_FFFF,
            )? as u32,
        }),
    };
    Ok(TestCase {
        index: c.index,
        name: t
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        bytes,
        initial: state(c, t.get("initial"), "initial")?,
        final_state: state(c, t.get("final"), "final")?,
        reg_masks: Regs16::default(),
        exception,
        hash: t
            .get("hash")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase),
    })
}

pub(super) fn parse(path: &Path, data: &[u8]) -> Result<TestFile, SstError> {
    let root: Value = serde_json::from_slice(data).map_err(|e| SstError::Json {
        path: path.to_owned(),
        what: format!("line {} column {}: {e}", e.line(), e.column()),
    })?;
    let list = root.as_array().ok_or_else(|| SstError::Json {
        path: path.to_owned(),
        what: "not an array of tests".into(),
    })?;
    let tests = list
        .iter()
        .enumerate()
        .map(|(index, t)| test(&Ctx { path, index }, t))
        .collect::<Result<Vec<_>, _>>()?;
    // JSON names no chip: 808x files prefill the queue and end without a HLT; 286 files end in one.
    let first = list.first();
    let queued = first
        .and_then(|t| t["initial"]["queue"].as_array())
        .is_some_and(|q| !q.is_empty());
    let halts = tests.first().is_some_and(|t| t.bytes.last() == Some(&0xF4));
    let chip = if !queued && halts {
        Chip::I286
    } else {
        Chip::I808x
    };
    Ok(TestFile {
        path: path.to_owned(),
        chip,
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[{"name": "add cl, ah", "bytes": [0, 225],
        "initial": {"regs": {"ax": 13212, "bx": 1, "cx": 47784, "dx": 0, "cs": 59545, "ss": 1, "ds": 2,
                    "es": 3, "sp": 4, "bp": 5, "si": 6, "di": 0, "ip": 22673, "flags": 64663},
                    "ram": [[975393, 0], [975394, 225]], "queue": [0, 225]},
        "final": {"regs": {"cx": 47835, "ip": 22675, "flags": 62598}, "ram": [], "queue": []},
        "hash": "3CEF51", "idx": 0}]"#;

    #[test]
    fn parses_the_readme_shape() {
        let f = parse(Path::new("00.json"), SAMPLE.as_bytes()).unwrap();
        assert_eq!(f.chip, Chip::I808x);
        let t = &f.tests[0];
        assert_eq!(t.bytes, vec![0, 225]);
        assert_eq!(t.initial.regs.present, 0x3FFF);
        assert_eq!(t.final_state.regs.get(2), Some(47835)); // cx
        assert_eq!(t.final_state.regs.get(0), None);
        assert_eq!(t.initial.ram[1], (975394, 225));
        assert_eq!(t.hash.as_deref(), Some("3cef51"));
    }

    #[test]
    fn bad_values_are_errors() {
        for bad in [
            SAMPLE.replace("47835", "70000"),
            SAMPLE.replace("[975394, 225]", "[975394]"),
            SAMPLE[..40].into(),
        ] {
            assert!(
                matches!(
                    parse(Path::new("x.json"), bad.as_bytes()),
                    Err(SstError::Json { .. })
                ),
                "{bad}"
            );
        }
    }
}
