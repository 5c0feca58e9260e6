//! Save and restore of the timer group (a version byte, then postcard). Counter state is kept
//! in machine-clock ticks, which every process shares, so a replacement carries on in phase.

use cloister_shared::StateError;
use serde::{Deserialize, Serialize};

use super::Timer;
use crate::cmos::Cmos;
use crate::pit::Pit;

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct TimerState {
    pit: Pit,
    cmos: Cmos,
    port61: u8,
    irq0_until: u64,
    irq0_owed: u8,
}

pub fn save(t: &Timer) -> Vec<u8> {
    let state = TimerState {
        pit: t.pit.clone(),
        cmos: t.cmos.clone(),
        port61: t.port61,
        irq0_until: t.irq0_until,
        irq0_owed: t.irq0_owed,
    };
    let mut out = vec![VERSION];
    out.extend(postcard::to_stdvec(&state).expect("serialising plain data cannot fail"));
    out
}

pub fn restore(t: &mut Timer, bytes: &[u8]) -> Result<(), StateError> {
    match bytes.split_first() {
        Some((&VERSION, rest)) => {
            let s: TimerState =
                postcard::from_bytes(rest).map_err(|e| StateError::Malformed(e.to_string()))?;
            if s.cmos.ram.len() != 128 {
                return Err(StateError::Malformed("CMOS RAM must be 128 bytes".into()));
            }
            t.pit = s.pit;
            t.cmos = s.cmos;
            t.cmos.index &= 0x7F;
            t.port61 = s.port61 & 0x0F;
            t.irq0_until = s.irq0_until;
            t.irq0_owed = s.irq0_owed.min(super::MAX_OWED);
            Ok(())
        }
        Some((v, _)) => Err(StateError::Malformed(format!(
            "timer state version {v}, expected {VERSION}"
        ))),
        None => Err(StateError::Malformed("empty timer state".into())),
    }
}
