//! What the device saves for a replacement process: every register and the latches. Video
//! memory is not here: it lives in shared memory (region 0) and survives a restart by itself.

use cloister_shared::StateError;
use serde::{Deserialize, Serialize};

use super::attribute::Attribute;
use super::crtc::Crtc;
use super::dac::Dac;
use super::graphics::Graphics;
use super::memory::Planes;
use super::sequencer::Sequencer;

/// Bumped whenever [`VgaState`] changes shape.
const STATE_VERSION: u8 = 1;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VgaState {
    /// Miscellaneous output (3C2h write, 3CCh read).
    pub misc: u8,
    /// Feature control (3BAh/3DAh write, 3CAh read).
    pub feature: u8,
    /// Video subsystem enable (3C3h).
    pub enable: u8,
    pub seq: Sequencer,
    pub crtc: Crtc,
    pub gc: Graphics,
    pub attr: Attribute,
    pub dac: Dac,
    pub latches: Planes,
    /// When the retrace clock's frames are counted from.
    pub epoch_ns: u64,
}

impl VgaState {
    /// Colour I/O addresses (misc output bit 0): CRTC at 3D4h, status at 3DAh; else 3B4h, 3BAh.
    pub fn colour_io(&self) -> bool {
        self.misc & 0x01 != 0
    }

    /// CPU access to video memory enabled (misc output bit 1).
    pub fn ram_enabled(&self) -> bool {
        self.misc & 0x02 != 0
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![STATE_VERSION];
        // Serialising plain integers and vectors into a Vec cannot fail.
        out.extend(postcard::to_allocvec(self).expect("VGA state serialises"));
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<VgaState, StateError> {
        match bytes.split_first() {
            Some((&STATE_VERSION, rest)) => {
                let state: VgaState = postcard::from_bytes(rest)
                    .map_err(|e| StateError::Malformed(format!("VGA state: {e}")))?;
                let dac = &state.dac;
                if dac.colours.len() != 768 || dac.write_step > 2 || dac.read_step > 2 {
                    return Err(StateError::Malformed("VGA state: bad DAC".into()));
                }
                Ok(state)
            }
            Some((v, _)) => Err(StateError::Malformed(format!(
                "VGA state version {v}, expected {STATE_VERSION}"
            ))),
            None => Err(StateError::Malformed("VGA state is empty".into())),
        }
    }
}
