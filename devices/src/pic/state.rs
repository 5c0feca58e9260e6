//! Save and restore of the PIC pair's registers (a version byte, then postcard).

use cloister_shared::StateError;
use serde::{Deserialize, Serialize};

use super::chip::Chip;
use super::PicPair;

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct PicState {
    chips: [Chip; 2],
}

pub fn save(pic: &PicPair) -> Vec<u8> {
    let mut out = vec![VERSION];
    let state = PicState {
        chips: pic.chips.clone(),
    };
    out.extend(postcard::to_stdvec(&state).expect("serialising plain data cannot fail"));
    out
}

pub fn restore(pic: &mut PicPair, bytes: &[u8]) -> Result<(), StateError> {
    match bytes.split_first() {
        Some((&VERSION, rest)) => {
            let state: PicState =
                postcard::from_bytes(rest).map_err(|e| StateError::Malformed(e.to_string()))?;
            pic.chips = state.chips;
            pic.update();
            Ok(())
        }
        Some((v, _)) => Err(StateError::Malformed(format!(
            "PIC state version {v}, expected {VERSION}"
        ))),
        None => Err(StateError::Malformed("empty PIC state".into())),
    }
}
