//! Save and restore of the UART (a version byte, then postcard). The host's unread input and
//! undelivered output travel with it.

use std::collections::VecDeque;

use cloister_shared::StateError;
use serde::{Deserialize, Serialize};

use super::uart::Uart;
use super::Serial;

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct SerialState {
    uart: Uart,
    inbox: VecDeque<u8>,
    outbox: Vec<u8>,
    timeout_at: Option<u64>,
}

pub fn save(s: &Serial) -> Vec<u8> {
    let state = SerialState {
        uart: s.uart.clone(),
        inbox: s.inbox.clone(),
        outbox: s.outbox.clone(),
        timeout_at: s.timeout_at,
    };
    let mut out = vec![VERSION];
    out.extend(postcard::to_stdvec(&state).expect("serialising plain data cannot fail"));
    out
}

pub fn restore(s: &mut Serial, bytes: &[u8]) -> Result<(), StateError> {
    match bytes.split_first() {
        Some((&VERSION, rest)) => {
            let st: SerialState =
                postcard::from_bytes(rest).map_err(|e| StateError::Malformed(e.to_string()))?;
            if ![1, 4, 8, 14].contains(&st.uart.trigger) || st.uart.rx.len() > 16 {
                return Err(StateError::Malformed("UART FIFO state out of range".into()));
            }
            s.uart = st.uart;
            s.inbox = st.inbox;
            s.outbox = st.outbox;
            s.timeout_at = st.timeout_at;
            Ok(())
        }
        Some((v, _)) => Err(StateError::Malformed(format!(
            "serial state version {v}, expected {VERSION}"
        ))),
        None => Err(StateError::Malformed("empty serial state".into())),
    }
}
