//! A `DeviceBus` for unit tests: guest RAM in a vector, a log of IRQ changes, a clock the test
//! sets, and a record of what the device published and asked for.

use std::collections::HashMap;

use cloister_shared::{DeviceBus, Hold, IoWidth, PortDevice, Published};

/// One change a device made to an IRQ line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqEvent {
    Level(u8, bool),
    Pulse(u8),
}

pub struct TestBus {
    pub ram: Vec<u8>,
    pub now: u64,
    pub irqs: Vec<IrqEvent>,
    pub levels: [bool; 16],
    pub published: HashMap<u16, (Published, bool)>,
    /// The hold of each port last published with one (see [`DeviceBus::publish_held`]).
    pub holds: HashMap<u16, Hold>,
    pub timer_at: Option<u64>,
    pub a20: Option<bool>,
    pub resets: u32,
}

impl TestBus {
    pub fn new(ram_bytes: usize) -> Self {
        TestBus {
            ram: vec![0; ram_bytes],
            now: 0,
            irqs: Vec::new(),
            levels: [false; 16],
            published: HashMap::new(),
            holds: HashMap::new(),
            timer_at: None,
            a20: None,
            resets: 0,
        }
    }

    /// Rising edges (level changes to high, and pulses) seen on `line`, then forgets the log.
    pub fn take_edges(&mut self, line: u8) -> usize {
        let n = self
            .irqs
            .iter()
            .filter(|e| matches!(e, IrqEvent::Level(l, true) | IrqEvent::Pulse(l) if *l == line))
            .count();
        self.irqs.clear();
        n
    }

    /// The value a read of `port` would get from what is published, if anything.
    pub fn published_value(&self, port: u16) -> Option<u32> {
        self.published
            .get(&port)
            .and_then(|(p, _)| p.evaluate(self.now))
    }

    /// Advances the clock to `at_ns` and fires the device's timer while it is due.
    pub fn run_until(&mut self, dev: &mut dyn PortDevice, at_ns: u64) {
        // Bounded, so a device that keeps asking for "now" fails the test instead of hanging.
        for round in 0.. {
            assert!(
                round < 100_000,
                "the device keeps asking for wake-ups that are already due"
            );
            match self.timer_at {
                Some(t) if t <= at_ns => {
                    self.now = self.now.max(t);
                    self.timer_at = None;
                    let now = self.now;
                    dev.timer(now, self);
                }
                _ => break,
            }
        }
        self.now = at_ns;
    }

    pub fn inb(&mut self, dev: &mut dyn PortDevice, port: u16) -> u8 {
        dev.io_read(port, IoWidth::Byte, self) as u8
    }

    pub fn outb(&mut self, dev: &mut dyn PortDevice, port: u16, value: u8) {
        dev.io_write(port, IoWidth::Byte, value as u32, self)
    }
}

impl DeviceBus for TestBus {
    fn set_irq(&mut self, line: u8, level: bool) {
        if let Some(l) = self.levels.get_mut(line as usize) {
            *l = level;
        }
        self.irqs.push(IrqEvent::Level(line, level));
    }

    fn pulse_irq(&mut self, line: u8) {
        self.irqs.push(IrqEvent::Pulse(line));
    }

    fn now_ns(&self) -> u64 {
        self.now
    }

    fn read_ram(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        let Some(end) = addr.checked_add(buf.len() as u64) else {
            return false;
        };
        if end > self.ram.len() as u64 {
            return false;
        }
        buf.copy_from_slice(&self.ram[addr as usize..end as usize]);
        true
    }

    fn write_ram(&mut self, addr: u64, buf: &[u8]) -> bool {
        let Some(end) = addr.checked_add(buf.len() as u64) else {
            return false;
        };
        if end > self.ram.len() as u64 {
            return false;
        }
        self.ram[addr as usize..end as usize].copy_from_slice(buf);
        true
    }

    fn publish(&mut self, port: u16, value: Published, notify: bool) {
        self.publish_held(port, value, notify, None);
    }

    fn publish_held(&mut self, port: u16, value: Published, notify: bool, hold: Option<Hold>) {
        self.published.insert(port, (value, notify));
        match hold {
            Some(h) => self.holds.insert(port, h),
            None => self.holds.remove(&port),
        };
    }

    fn set_a20(&mut self, enabled: bool) {
        self.a20 = Some(enabled);
    }

    fn request_reset(&mut self) {
        self.resets += 1;
    }

    fn request_timer(&mut self, at_ns: u64) {
        self.timer_at = if at_ns == u64::MAX { None } else { Some(at_ns) };
    }

    fn region(&mut self, _index: usize) -> Option<&mut [u8]> {
        None
    }
}

/// A small deterministic generator for fuzz-style tests.
pub struct XorShift(pub u32);

impl XorShift {
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Restores mutated copies of `saved` into fresh devices from `make` and drives every one that
/// loads through random accesses to `ports`, timers and block transfers: whatever a state
/// holds, nothing may panic.
pub fn fuzz_restore(
    make: &dyn Fn() -> Box<dyn PortDevice>,
    saved: &[u8],
    ports: &[u16],
    rounds: usize,
) -> usize {
    let mut rng = XorShift(0x1234_5678 ^ saved.len() as u32);
    let mut loaded = 0;
    // CLOISTER_FUZZ_SCALE=n runs n times as many rounds, for a longer search by hand.
    let scale = std::env::var("CLOISTER_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1usize);
    for round in 0..rounds * scale {
        let mut state = saved.to_vec();
        match round % 4 {
            // Truncated.
            0 => state.truncate(1 + rng.next_u32() as usize % state.len().max(1)),
            // A few bytes changed.
            _ => {
                for _ in 0..1 + rng.next_u32() % 3 {
                    let i = 1 + rng.next_u32() as usize % (state.len() - 1).max(1);
                    if i < state.len() {
                        state[i] = rng.next_u32() as u8;
                    }
                }
            }
        }
        let mut dev = make();
        if dev.restore(&state).is_err() {
            continue;
        }
        loaded += 1;
        let mut bus = TestBus::new(1 << 16);
        dev.start(&mut bus);
        for _ in 0..300 {
            let r = rng.next_u32();
            let port = ports[r as usize % ports.len()];
            let width = [IoWidth::Byte, IoWidth::Word, IoWidth::Dword][(r >> 8) as usize % 3];
            match (r >> 12) % 5 {
                0 | 1 => dev.io_write(port, width, rng.next_u32(), &mut bus),
                2 => {
                    dev.io_read(port, width, &mut bus);
                }
                3 => {
                    dev.io_read_block(
                        port,
                        width,
                        (rng.next_u32() & 0x7FFF) as u64,
                        rng.next_u32() % 600,
                        false,
                        &mut bus,
                    );
                }
                _ => {
                    bus.now += (rng.next_u32() % 5_000_000) as u64;
                    let now = bus.now;
                    dev.timer(now, &mut bus);
                    dev.read_notify(port, width, &mut bus);
                }
            }
        }
        let _ = dev.save();
    }
    loaded
}
