//! Save and restore of the disk group (a version byte, then postcard). Images are not part of
//! the state: the replacement process is built with the same images, and restore keeps them.

use cloister_shared::StateError;
use serde::{Deserialize, Serialize};

use super::Disk;
use crate::ata::Ata;
use crate::dma::Dma;
use crate::floppy::Fdc;

const VERSION: u8 = 1;

#[derive(Serialize)]
struct SavedRef<'a> {
    dma: &'a Dma,
    fdc: &'a Fdc,
    ata: &'a Ata,
}

#[derive(Deserialize)]
struct Saved {
    dma: Dma,
    fdc: Fdc,
    ata: Ata,
}

pub fn save(d: &Disk) -> Vec<u8> {
    let mut out = vec![VERSION];
    let state = SavedRef {
        dma: &d.dma,
        fdc: &d.fdc,
        ata: &d.ata,
    };
    out.extend(postcard::to_stdvec(&state).expect("serialising plain data cannot fail"));
    out
}

pub fn restore(d: &mut Disk, bytes: &[u8]) -> Result<(), StateError> {
    let (version, rest) = bytes
        .split_first()
        .ok_or_else(|| StateError::Malformed("empty disk state".into()))?;
    if *version != VERSION {
        return Err(StateError::Malformed(format!(
            "disk state version {version}, expected {VERSION}"
        )));
    }
    let mut s: Saved =
        postcard::from_bytes(rest).map_err(|e| StateError::Malformed(e.to_string()))?;
    if !s.ata.consistent() || !s.fdc.consistent() {
        return Err(StateError::Malformed(
            "disk transfer state out of range".into(),
        ));
    }
    if s.ata.drive.is_some() != d.ata.drive.is_some() {
        return Err(StateError::Malformed(
            "saved hard disk presence differs from this machine's".into(),
        ));
    }
    // The images stay with this process; the state only says where the heads are.
    for (new, old) in s.fdc.drives.iter_mut().zip(d.fdc.drives.iter_mut()) {
        new.media = old.media.take();
        if new.media.is_none() {
            new.geometry = None;
        }
    }
    if let (Some(new), Some(old)) = (s.ata.drive.as_mut(), d.ata.drive.as_mut()) {
        new.backend = old.backend.take();
    }
    d.dma = s.dma;
    d.fdc = s.fdc;
    d.ata = s.ata;
    Ok(())
}
