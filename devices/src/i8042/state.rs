//! Save and restore of the keyboard group (a version byte, then postcard).

use cloister_shared::StateError;

use super::Controller;

const VERSION: u8 = 1;

pub fn save(c: &Controller) -> Vec<u8> {
    let mut out = vec![VERSION];
    out.extend(postcard::to_stdvec(c).expect("serialising plain data cannot fail"));
    out
}

pub fn restore(bytes: &[u8]) -> Result<Controller, StateError> {
    match bytes.split_first() {
        Some((&VERSION, rest)) => {
            let c: Controller =
                postcard::from_bytes(rest).map_err(|e| StateError::Malformed(e.to_string()))?;
            if c.ram.len() != 32 {
                return Err(StateError::Malformed("8042 RAM must be 32 bytes".into()));
            }
            Ok(c)
        }
        Some((v, _)) => Err(StateError::Malformed(format!(
            "keyboard state version {v}, expected {VERSION}"
        ))),
        None => Err(StateError::Malformed("empty keyboard state".into())),
    }
}
