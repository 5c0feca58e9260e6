//! Values a device publishes for its ports, so that the CPU answers reads without asking it.
//!
//! A published value is true as of the last request the device applied. Without a [`Hold`],
//! the CPU uses it only once the device has applied every write sent before the read. A `Hold`
//! lets the device say more: "this stays true across the next N accesses to port P" (a floppy
//! controller's status while a command's bytes arrive), so the CPU can answer a guest that polls
//! the status between writes without waiting for the device to catch up.

use serde::{Deserialize, Serialize};

/// The most bytes a [`Published::Queue`] holds.
pub const QUEUE_MAX: usize = 16;

/// One bit group that follows the clock: set while `(now_ns - epoch_ns) % period_ns < on_ns`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockToggle {
    pub bits: u32,
    pub epoch_ns: u64,
    pub period_ns: u64,
    pub on_ns: u64,
}

impl ClockToggle {
    #[inline]
    fn bits_at(&self, now_ns: u64) -> u32 {
        if self.period_ns == 0 {
            return 0;
        }
        let phase = now_ns.wrapping_sub(self.epoch_ns) % self.period_ns;
        if phase < self.on_ns {
            self.bits
        } else {
            0
        }
    }
}

/// How a port's value may be read without asking the device: the device publishes it, the CPU
/// evaluates it. Only for registers whose read does not change the value read, or for a
/// [`Published::Queue`] under a [`Hold`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Published {
    /// Reads must go to the device.
    None,
    /// Reads return this value (masked to the access width).
    Static(u32),
    /// Reads return `base` with the bits of each toggle that is on at the time of the read.
    /// Models bits that follow the clock, such as the VGA retrace bits or the refresh toggle.
    Clock {
        base: u32,
        toggles: [ClockToggle; 2],
    },
    /// Reads pop these bytes in order, the first `len` of `bytes` (a result FIFO). Answered
    /// without the device only under a [`Hold`] on this same port, which counts the pops; each
    /// pop still reaches the device ([`crate::PortDevice::read_notify`]), which pops its own
    /// copy, so the port must be published with `notify`.
    Queue { bytes: [u8; QUEUE_MAX], len: u8 },
}

impl Published {
    /// The value a read at `now_ns` returns, or `None` when the read must go to the device.
    #[inline]
    pub fn evaluate(&self, now_ns: u64) -> Option<u32> {
        match *self {
            Published::None => None,
            Published::Static(v) => Some(v),
            Published::Clock { base, toggles } => {
                Some(base | toggles[0].bits_at(now_ns) | toggles[1].bits_at(now_ns))
            }
            // Which byte a read gets depends on the pops before it: see `evaluate_held`.
            Published::Queue { .. } => None,
        }
    }

    /// The value a read at `now_ns` returns when `counted` accesses that `hold` counts were sent
    /// after the value was published (and nothing it does not allow). `None`: ask the device.
    #[inline]
    pub fn evaluate_held(&self, hold: &Hold, counted: u32, now_ns: u64) -> Option<u32> {
        let within = counted <= hold.accesses as u32;
        match *self {
            Published::Queue { bytes, len } => (within
                && counted < len.min(QUEUE_MAX as u8) as u32)
                .then(|| bytes[counted as usize] as u32),
            _ if within => self.evaluate(now_ns),
            _ if counted == hold.accesses as u32 + 1 => hold.then,
            _ => None,
        }
    }

    /// Whether evaluating needs the clock.
    pub fn needs_clock(&self) -> bool {
        matches!(self, Published::Clock { .. })
    }
}

/// How long a published value stays true while the CPU sends the device accesses it has not yet
/// applied. Counted from the moment the device published: the CPU looks at what it sent since.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The port whose accesses are counted...
    pub port: u16,
    /// ...and which of them: writes, or reads that reach the device as notices. The other kind
    /// ends the hold.
    pub counting: Access,
    /// The value stays true across up to this many counted accesses...
    pub accesses: u8,
    /// ...and after exactly one more it reads as this, if the device knows.
    pub then: Option<u32>,
    /// Accesses to ports in these inclusive ranges neither count nor end the hold (registers
    /// of another function of the device that cannot change this value). Anything else sent
    /// ends it: the CPU then waits for the device to catch up.
    pub ignoring: [(u16, u16); 2],
}

impl Hold {
    /// No ignored ports.
    pub const IGNORE_NONE: [(u16, u16); 2] = [(1, 0), (1, 0)];

    /// What an access to `port` does to the hold.
    #[inline]
    pub fn classify(&self, access: Access, port: u16) -> HoldStep {
        if port == self.port {
            if access == self.counting {
                HoldStep::Counted
            } else {
                HoldStep::Ends
            }
        } else if self
            .ignoring
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
        {
            HoldStep::Ignored
        } else {
            HoldStep::Ends
        }
    }
}

/// A posted access to a port, as a [`Hold`] sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    Write,
    /// A read answered from a published value, of which the device is notified.
    NotifiedRead,
}

/// What one access sent after publication does to a [`Hold`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStep {
    Counted,
    Ignored,
    Ends,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(accesses: u8, then: Option<u32>) -> Hold {
        Hold {
            port: 0x3F5,
            counting: Access::Write,
            accesses,
            then,
            ignoring: [(0x00, 0x0F), (0x80, 0x8F)],
        }
    }

    #[test]
    fn a_held_value_lasts_its_accesses_then_turns_into_its_successor() {
        let v = Published::Static(0x90);
        let h = hold(2, Some(0xD0));
        assert_eq!(v.evaluate_held(&h, 0, 0), Some(0x90));
        assert_eq!(v.evaluate_held(&h, 2, 0), Some(0x90));
        assert_eq!(v.evaluate_held(&h, 3, 0), Some(0xD0));
        assert_eq!(v.evaluate_held(&h, 4, 0), None);
        let unknown = hold(2, None);
        assert_eq!(v.evaluate_held(&unknown, 3, 0), None);
    }

    #[test]
    fn a_queue_gives_its_bytes_in_order_and_nothing_past_them() {
        let mut bytes = [0u8; QUEUE_MAX];
        bytes[..3].copy_from_slice(&[0x20, 0x00, 0x07]);
        let q = Published::Queue { bytes, len: 3 };
        let h = hold(2, None);
        let popped: Vec<_> = (0..4).map(|i| q.evaluate_held(&h, i, 0)).collect();
        assert_eq!(popped, [Some(0x20), Some(0x00), Some(0x07), None]);
        // Never read without counting.
        assert_eq!(q.evaluate(0), None);
        // A hold shorter than the queue ends it early; a length past QUEUE_MAX is clamped.
        assert_eq!(q.evaluate_held(&hold(0, None), 1, 0), None);
        let long = Published::Queue { bytes, len: 200 };
        assert_eq!(long.evaluate_held(&hold(255, None), 16, 0), None);
    }

    #[test]
    fn accesses_are_counted_ignored_or_end_the_hold() {
        use Access::*;
        let h = hold(1, None);
        assert_eq!(h.classify(Write, 0x3F5), HoldStep::Counted);
        assert_eq!(h.classify(NotifiedRead, 0x3F5), HoldStep::Ends);
        assert_eq!(h.classify(Write, 0x0A), HoldStep::Ignored);
        assert_eq!(h.classify(NotifiedRead, 0x81), HoldStep::Ignored);
        assert_eq!(h.classify(Write, 0x3F2), HoldStep::Ends);
        let reads = Hold {
            counting: NotifiedRead,
            ..h
        };
        assert_eq!(reads.classify(NotifiedRead, 0x3F5), HoldStep::Counted);
        assert_eq!(reads.classify(Write, 0x3F5), HoldStep::Ends);
        let bare = Hold {
            ignoring: Hold::IGNORE_NONE,
            ..h
        };
        assert_eq!(bare.classify(Write, 0x0A), HoldStep::Ends);
        assert_eq!(bare.classify(Write, 0), HoldStep::Ends);
    }
}
