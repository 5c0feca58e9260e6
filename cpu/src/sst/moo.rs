//! The MOO format: little-endian chunks (4-byte id, u32 payload length, payload), nested.
//! Unknown chunk ids are stepped over by their length, so newer files still parse.

use std::path::Path;

use super::{Chip, Exception, Regs16, SstError, State, TestCase, TestFile};

/// A bounds-checked reader over `data[pos..end]`; errors carry the absolute file offset.
struct Reader<'a> {
    path: &'a Path,
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, at: usize, what: impl Into<String>) -> SstError {
        SstError::Malformed {
            path: self.path.to_owned(),
            offset: at as u64,
            what: what.into(),
        }
    }
    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], SstError> {
        if self.end - self.pos < n {
            return Err(self.err(
                self.pos,
                format!("{what}: needs {n} bytes, {} left", self.end - self.pos),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8, SstError> {
        Ok(self.bytes(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, SstError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, SstError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// The next chunk: its id and a reader over exactly its payload. `None` at the end.
    fn chunk(&mut self) -> Result<Option<([u8; 4], Reader<'a>)>, SstError> {
        if self.pos == self.end {
            return Ok(None);
        }
        let at = self.pos;
        let id: [u8; 4] = self.bytes(4, "chunk id")?.try_into().expect("4 bytes");
        let len = self.u32("chunk length")? as usize;
        if self.end - self.pos < len {
            return Err(self.err(
                at,
                format!(
                    "chunk {:?} claims {len} bytes, {} left",
                    show(&id),
                    self.end - self.pos
                ),
            ));
        }
        let sub = Reader {
            path: self.path,
            data: self.data,
            pos: self.pos,
            end: self.pos + len,
        };
        self.pos += len;
        Ok(Some((id, sub)))
    }
    /// A u32 count followed by that many bytes (NAME, BYTS, QUEU).
    fn counted(&mut self, what: &str) -> Result<&'a [u8], SstError> {
        let n = self.u32(what)? as usize;
        self.bytes(n, what)
    }
}

fn show(id: &[u8; 4]) -> String {
    String::from_utf8_lossy(id).into_owned()
}

/// REGS and RMSK: a u16 bitmask, then one u16 per set bit.
fn regs(r: &mut Reader) -> Result<Regs16, SstError> {
    let at = r.pos;
    let present = r.u16("register bitmask")?;
    if present >> 14 != 0 {
        return Err(r.err(
            at,
            format!("register bitmask {present:#06x} names registers past flags"),
        ));
    }
    let mut out = Regs16::default();
    for i in 0..14 {
        if present >> i & 1 != 0 {
            out.set(i, r.u16("register value")?);
        }
    }
    Ok(out)
}

/// INIT or FINA; a FINA may carry an RMSK, returned separately.
fn state(r: &mut Reader, what: &str) -> Result<(State, Option<Regs16>), SstError> {
    let at = r.pos;
    let (mut regs16, mut ram, mut mask) = (None, Vec::new(), None);
    while let Some((id, mut sub)) = r.chunk()? {
        match &id {
            b"REGS" => regs16 = Some(regs(&mut sub)?),
            b"RMSK" => mask = Some(regs(&mut sub)?),
            b"RAM " => {
                let n = sub.u32("RAM entry count")? as usize;
                if n > (sub.end - sub.pos) / 5 {
                    return Err(
                        sub.err(sub.pos, format!("{n} RAM entries do not fit in the chunk"))
                    );
                }
                ram.reserve(n);
                for _ in 0..n {
                    ram.push((sub.u32("RAM address")?, sub.u8("RAM value")?));
                }
            }
            _ => {} // QUEU (prefetch queue), EA32, RG32...: not needed to run a test.
        }
    }
    let regs = regs16.ok_or_else(|| {
        r.err(
            at,
            format!("{what} has no REGS chunk (32-bit tests are not supported)"),
        )
    })?;
    Ok((State { regs, ram }, mask))
}

fn test(r: &mut Reader, index: usize, file_mask: Option<Regs16>) -> Result<TestCase, SstError> {
    let at = r.pos;
    let _moo_index = r.u32("test index")?;
    let (mut name, mut bytes, mut initial, mut fin, mut exception, mut hash) =
        (None, None, None, None, None, None);
    let mut mask = file_mask;
    while let Some((id, mut sub)) = r.chunk()? {
        match &id {
            b"NAME" => name = Some(String::from_utf8_lossy(sub.counted("NAME")?).into_owned()),
            b"BYTS" => bytes = Some(sub.counted("BYTS")?.to_vec()),
            b"INIT" => initial = Some(state(&mut sub, "INIT")?.0),
            b"FINA" => {
                let (s, m) = state(&mut sub, "FINA")?;
                if let Some(m) = m {
                    mask = Some(merge_masks(mask, m));
                }
                fin = Some(s);
            }
            b"EXCP" => {
                let number = sub.u8("EXCP number")?;
                exception = Some(Exception {
                    number,
                    flag_address: sub.u32("EXCP flag address")?,
                });
            }
            b"HASH" => {
                hash = Some(
                    sub.bytes(20, "HASH")?
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                )
            }
            _ => {} // CYCL (bus cycles), GMET, IDX ...
        }
    }
    let missing = |what: &str| r.err(at, format!("test {index} has no {what} chunk"));
    Ok(TestCase {
        index,
        name: name.unwrap_or_default(),
        bytes: bytes.ok_or_else(|| missing("BYTS"))?,
        initial: initial.ok_or_else(|| missing("INIT"))?,
        final_state: fin.ok_or_else(|| missing("FINA"))?,
        reg_masks: mask.unwrap_or_default(),
        exception,
        hash,
    })
}

/// Both masks apply: a bit counts only if neither leaves it undefined.
pub(super) fn merge_masks(a: Option<Regs16>, b: Regs16) -> Regs16 {
    let mut out = a.unwrap_or_default();
    for i in 0..14 {
        if let Some(v) = b.get(i) {
            out.set(i, out.get(i).unwrap_or(0xFFFF) & v);
        }
    }
    out
}

pub(super) fn parse(path: &Path, data: &[u8]) -> Result<TestFile, SstError> {
    let mut r = Reader {
        path,
        data,
        pos: 0,
        end: data.len(),
    };
    let (id, mut head) = r.chunk()?.ok_or_else(|| r.err(0, "empty file"))?;
    if &id != b"MOO " {
        return Err(r.err(0, "does not start with a MOO chunk"));
    }
    let _version = head.bytes(4, "MOO version")?;
    let count = head.u32("MOO test count")? as usize;
    let cpu = head.bytes(4, "MOO CPU id")?;
    let chip = match cpu {
        b"8088" | b"8086" | b"V20 " | b"V30 " => Chip::I808x,
        _ => Chip::I286,
    };
    let mut tests = Vec::with_capacity(count.min(100_000));
    let mut file_mask = None;
    while let Some((id, mut sub)) = r.chunk()? {
        match &id {
            b"TEST" => tests.push(test(&mut sub, tests.len(), file_mask)?),
            b"RMSK" => file_mask = Some(regs(&mut sub)?),
            _ => {} // META and anything newer.
        }
    }
    if tests.len() != count {
        // Also catches a file cut off at a chunk boundary.
        return Err(r.err(
            data.len(),
            format!("header promises {count} tests, file holds {}", tests.len()),
        ));
    }
    Ok(TestFile {
        path: path.to_owned(),
        chip,
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn header(cpu: &[u8; 4], count: u32) -> Vec<u8> {
        let mut p = vec![1, 1, 0, 0];
        p.extend_from_slice(&count.to_le_bytes());
        p.extend_from_slice(cpu);
        chunk(b"MOO ", &p)
    }

    fn regs_payload(present: u16, values: &[u16]) -> Vec<u8> {
        let mut p = present.to_le_bytes().to_vec();
        values
            .iter()
            .for_each(|v| p.extend_from_slice(&v.to_le_bytes()));
        p
    }

    fn one_test(extra_fina: &[u8]) -> Vec<u8> {
        let mut init = chunk(b"REGS", &regs_payload(0x3FFF, &[7; 14]));
        init.extend(chunk(b"RAM ", &[1, 0, 0, 0, 0x10, 0, 0, 0, 0xAB]));
        let mut fina = chunk(b"REGS", &regs_payload(1 << 13, &[0x46]));
        fina.extend_from_slice(extra_fina);
        let mut t = 0u32.to_le_bytes().to_vec();
        t.extend(chunk(b"NAME", b"\x03\0\0\0nop"));
        t.extend(chunk(b"ZZZZ", b"unknown, skipped"));
        t.extend(chunk(b"BYTS", &[1, 0, 0, 0, 0x90]));
        t.extend(chunk(b"INIT", &init));
        t.extend(chunk(b"FINA", &fina));
        t.extend(chunk(b"EXCP", &[6, 0x34, 0x12, 0, 0]));
        chunk(b"TEST", &t)
    }

    #[test]
    fn parses_a_built_file_with_unknown_chunks_and_masks() {
        let mut f = header(b"C286", 1);
        f.extend(chunk(b"RMSK", &regs_payload(1 << 13, &[0xF0FF])));
        f.extend(one_test(&chunk(
            b"RMSK",
            &regs_payload((1 << 13) | 1, &[0x00FF, 0xFFEF]),
        )));
        let tf = parse(Path::new("x.MOO"), &f).unwrap();
        assert_eq!(tf.chip, Chip::I286);
        let t = &tf.tests[0];
        assert_eq!((t.name.as_str(), t.bytes.as_slice()), ("nop", &[0x90][..]));
        assert_eq!(t.initial.regs.get(3), Some(7));
        assert_eq!(t.initial.ram, vec![(0x10, 0xAB)]);
        assert_eq!(t.final_state.regs.present, 1 << 13);
        assert_eq!(t.reg_masks.get(13), Some(0xF0EF)); // file mask AND test mask
        assert_eq!(t.reg_masks.get(0), Some(0x00FF));
        assert_eq!(
            t.exception,
            Some(Exception {
                number: 6,
                flag_address: 0x1234
            })
        );
    }

    #[test]
    fn truncation_anywhere_is_an_error_not_a_panic() {
        let mut f = header(b"8086", 1);
        f.extend(one_test(&[]));
        for cut in 0..f.len() {
            let r = parse(Path::new("t.MOO"), &f[..cut]);
            assert!(r.is_err(), "cut at {cut} parsed");
        }
        // A chunk length running past its parent is reported with its offset.
        let mut bad = header(b"8086", 1);
        let at = bad.len();
        bad.extend_from_slice(b"TEST\xff\xff\0\0");
        match parse(Path::new("t.MOO"), &bad) {
            Err(SstError::Malformed { offset, .. }) => assert_eq!(offset, at as u64),
            other => panic!("{other:?}"),
        }
    }
}
