//! The CPU process's machine: the CPU, its bus, and the loop that runs it.

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use cloister_cpu::{Bus, Cpu, Exit};
use cloister_shared::control::{self, FromCpu, ToCpu};
use cloister_shared::plane::layout::{view, MachineRegion};
use cloister_shared::plane::{now_ns, wait};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::IoWidth;

use super::memory::GuestMemory;
use super::ports::PortBus;

/// Instructions run between looks at IRQ lines, timers and the control channel.
const SLICE: u64 = 20_000;
/// The longest a halted CPU sleeps without looking around.
const MAX_HALT_SLEEP: Duration = Duration::from_millis(10);
/// How long a halted CPU keeps looking (yielding between looks) while a device process still
/// works on what it was sent: a guest that starts a floppy command and halts until its IRQ gets
/// the IRQ without paying for a wake-up (70 µs or more here).
const HALT_WATCH: Duration = Duration::from_micros(100);
/// The longest a paused CPU sleeps without looking at its control channel.
const MAX_PAUSE_SLEEP: Duration = Duration::from_millis(100);

/// The address mask with the A20 gate off. The CPU starts with the gate on (its first fetch is at
/// FFFFFFF0h); the keyboard controller's output port decides from then on.
const A20_OFF: u32 = !(1 << 20);

/// Everything the CPU reaches.
pub struct MachineBus {
    pub mem: GuestMemory,
    pub ports: PortBus,
    a20_mask: u32,
}

impl MachineBus {
    pub fn new(mem: GuestMemory, ports: PortBus) -> Self {
        MachineBus {
            mem,
            ports,
            a20_mask: !0,
        }
    }

    #[cold]
    fn read_slow(&mut self, addr: u32, width: IoWidth) -> u32 {
        if let Some(i) = self.ports.window(addr) {
            return self.ports.mem_read(i, addr, width);
        }
        let mut v = 0u32;
        for k in 0..width.bytes() {
            let a = addr.wrapping_add(k) & self.a20_mask;
            let b = if self.mem.is_ram(a) || self.mem.upper_ram(a) {
                self.mem.ram_read::<1>(a)[0]
            } else {
                self.mem.rom_byte(a).unwrap_or(0xFF)
            };
            v |= (b as u32) << (8 * k);
        }
        v
    }

    #[cold]
    fn write_slow(&mut self, addr: u32, width: IoWidth, value: u32) {
        if let Some(i) = self.ports.window(addr) {
            return self.ports.mem_write(i, addr, width, value);
        }
        for k in 0..width.bytes() {
            let a = addr.wrapping_add(k) & self.a20_mask;
            if self.mem.is_ram(a) || self.mem.upper_ram(a) {
                self.mem.ram_write(a, [(value >> (8 * k)) as u8]);
            }
            // ROM and unbacked addresses ignore writes.
        }
    }

    /// The A20 gate as the keyboard controller last said, in force from the next access on.
    #[inline]
    fn take_a20(&mut self) {
        if let Some(a20) = self.ports.lines.a20.take() {
            self.a20_mask = if a20 { !0 } else { A20_OFF };
        }
    }

    /// Applies what devices signalled to the machine; true if the CPU must be reset.
    fn apply_lines(&mut self, cpu: &mut Cpu) -> bool {
        self.take_a20();
        let lines = &mut self.ports.lines;
        let ram = self.mem.ram_len();
        for (addr, len) in lines.dirty.drain(..) {
            // Only RAM holds code that changes; a device's claim beyond it is clamped.
            if addr < ram {
                cpu.invalidate_code(addr, len.min(ram - addr));
            }
        }
        std::mem::take(&mut lines.reset_requested)
    }
}

macro_rules! ram_access {
    ($read:ident, $write:ident, $t:ty, $n:literal, $w:expr) => {
        #[inline(always)]
        fn $read(&mut self, addr: u32) -> $t {
            let a = addr & self.a20_mask;
            if self.mem.is_ram(a) && self.mem.is_ram(a.wrapping_add($n - 1)) && a <= u32::MAX - $n {
                <$t>::from_le_bytes(self.mem.ram_read::<$n>(a))
            } else {
                self.read_slow(addr, $w) as $t
            }
        }
        #[inline(always)]
        fn $write(&mut self, addr: u32, value: $t) {
            let a = addr & self.a20_mask;
            if self.mem.is_ram(a) && self.mem.is_ram(a.wrapping_add($n - 1)) && a <= u32::MAX - $n {
                self.mem.ram_write::<$n>(a, value.to_le_bytes())
            } else {
                self.write_slow(addr, $w, value as u32)
            }
        }
    };
}

impl Bus for MachineBus {
    fn ram_window(&mut self) -> cloister_cpu::RamWindow {
        self.mem.low_ram_window()
    }

    ram_access!(read8, write8, u8, 1, IoWidth::Byte);
    ram_access!(read16, write16, u16, 2, IoWidth::Word);
    ram_access!(read32, write32, u32, 4, IoWidth::Dword);

    #[inline]
    fn io_read(&mut self, port: u16, width: IoWidth) -> u32 {
        let v = self.ports.read(port, width);
        self.take_a20();
        v
    }
    #[inline]
    fn io_write(&mut self, port: u16, width: IoWidth, value: u32) {
        self.ports.write(port, width, value);
        self.take_a20();
    }
    fn io_read_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u32,
        count: u32,
        backward: bool,
    ) -> Option<u32> {
        self.block(true, port, width, addr, count, backward)
    }
    fn io_write_block(
        &mut self,
        port: u16,
        width: IoWidth,
        addr: u32,
        count: u32,
        backward: bool,
    ) -> Option<u32> {
        self.block(false, port, width, addr, count, backward)
    }
    #[inline]
    fn intr_pending(&mut self) -> bool {
        self.ports.pic.intr_pending()
    }
    fn intr_ack(&mut self) -> u8 {
        self.ports.pic.ack()
    }
}

impl MachineBus {
    /// A block transfer goes to the device only when the whole range is plain RAM: the device
    /// checks bounds against guest RAM, but ROM, windows and the A20 wrap are the CPU's business.
    fn block(
        &mut self,
        to_ram: bool,
        port: u16,
        width: IoWidth,
        addr: u32,
        count: u32,
        backward: bool,
    ) -> Option<u32> {
        let bytes = (count as u64) * width.bytes() as u64;
        let (lo, hi) = if backward {
            (
                (addr as u64 + width.bytes() as u64).checked_sub(bytes)?,
                addr as u64 + width.bytes() as u64,
            )
        } else {
            (addr as u64, addr as u64 + bytes)
        };
        if count == 0
            || hi > self.mem.ram_len() as u64
            || !self.mem.is_ram(lo as u32)
            || !self.mem.is_ram((hi - 1) as u32)
        {
            return None;
        }
        if (lo as u32) < super::memory::HOLE_START && hi > super::memory::HOLE_START as u64 {
            return None;
        }
        if self.a20_mask != !0 && hi > 0x10_0000 {
            return None;
        }
        let moved = self
            .ports
            .block(to_ram, port, width, addr, count, backward)?;
        if to_ram {
            self.ports.lines.dirty.push((lo as u32, (hi - lo) as u32));
        }
        Some(moved)
    }
}

/// How a machine run ended.
pub enum Ended {
    /// The guest wrote the exit port.
    Exit(i32),
    /// The supervisor asked us to stop.
    Quit,
    /// Something failed (named device, message).
    Fatal(Option<String>, String),
}

/// The CPU process's main loop.
pub struct Machine {
    pub cpu: Cpu,
    pub bus: MachineBus,
    pub control: UnixStream,
    pub machine_region: Arc<SharedRegion>,
    pub instructions: u64,
}

impl Machine {
    fn region(&self) -> &MachineRegion {
        // SAFETY: the supervisor created the region with at least `machine_region_size()` bytes
        // (checked when it was mapped); MachineRegion is all atomics.
        unsafe { view(self.machine_region.as_ptr()) }
    }

    pub fn run(&mut self) -> Ended {
        self.bus.ports.start_inline();
        // From zero, not the count now: a message sent while this process was starting rang
        // before we could look, and must still be read.
        let mut control_seen = 0;
        let mut paused = false;
        loop {
            if paused {
                // Paused (ctl pause): run nothing, sleep until the supervisor rings.
                let r = self.region();
                let seen = control_seen;
                let ready = || r.control.load(std::sync::atomic::Ordering::Acquire) != seen;
                wait::sleep_on(&r.cpu_sleep_gen, &r.doorbell, MAX_PAUSE_SLEEP, ready);
                let rung = r.control.load(std::sync::atomic::Ordering::Acquire);
                if rung != control_seen {
                    control_seen = rung;
                    if let Some(end) = self.handle_control(&mut paused) {
                        return end;
                    }
                }
                continue;
            }
            let exit = self.cpu.run(&mut self.bus, SLICE);
            self.instructions += SLICE;
            let now = now_ns();
            // Posted writes reach their devices at the latest here (and before any HLT sleep).
            self.bus.ports.flush();
            let next_timer = self.bus.ports.run_inline_timers(now);
            self.bus.ports.drain_inline_output();
            self.bus.ports.poll_lines();
            if self.bus.apply_lines(&mut self.cpu) {
                self.cpu.reset();
            }
            if let Some(f) = self.bus.ports.fault.take() {
                self.bus.ports.platform.flush();
                return Ended::Fatal(Some(f.device), f.error.to_string());
            }
            if let Some(status) = self.bus.ports.platform.exit {
                self.bus.ports.platform.flush();
                return Ended::Exit(status);
            }
            let rung = self
                .region()
                .control
                .load(std::sync::atomic::Ordering::Acquire);
            if rung != control_seen {
                control_seen = rung;
                if let Some(end) = self.handle_control(&mut paused) {
                    return end;
                }
            }
            match exit {
                Exit::Budget => {}
                Exit::Shutdown => {
                    self.bus.ports.platform.flush();
                    let why = match self.cpu.unimplemented() {
                        Some(what) => {
                            format!("the guest needs {what}, which the CPU does not do yet")
                        }
                        None => "the CPU shut down (triple fault)".to_owned(),
                    };
                    return Ended::Fatal(None, why);
                }
                Exit::Halted => {
                    self.bus.ports.platform.flush();
                    if !self.bus.ports.pic.intr_pending() {
                        self.sleep_halted(next_timer, control_seen);
                    }
                }
            }
        }
    }

    /// Sleeps while halted, until a device or the supervisor rings, or an inline timer is due.
    fn sleep_halted(&self, next_timer: u64, control_seen: u32) {
        let wait = Duration::from_nanos(next_timer.saturating_sub(now_ns())).min(MAX_HALT_SLEEP);
        let r = self.region();
        let bus = &self.bus;
        let ready = || {
            r.control.load(std::sync::atomic::Ordering::Acquire) != control_seen
                || bus.ports.any_irq_signalled()
        };
        if bus.ports.any_in_flight()
            && wait::spin_until_for(HALT_WATCH.min(wait), || {
                ready() || !bus.ports.any_in_flight()
            })
            && ready()
        {
            return;
        }
        wait::sleep_on(&r.cpu_sleep_gen, &r.doorbell, wait, ready);
    }

    fn handle_control(&mut self, paused: &mut bool) -> Option<Ended> {
        loop {
            match control::try_recv::<ToCpu>(&mut self.control) {
                Ok(Some(ToCpu::Quit)) => return Some(Ended::Quit),
                Ok(Some(ToCpu::Pause)) => *paused = true,
                Ok(Some(ToCpu::Resume)) => *paused = false,
                Ok(Some(ToCpu::Status)) => {
                    let ports = &self.bus.ports;
                    let reply = FromCpu::Status {
                        instructions: self.instructions,
                        devices: ports
                            .devices
                            .iter()
                            .map(|d| (d.manifest.name.clone(), d.counters.clone()))
                            .collect(),
                        unmapped_reads: ports.unmapped_reads,
                        unmapped_writes: ports.unmapped_writes,
                    };
                    if control::send(&mut self.control, &reply).is_err() {
                        return Some(Ended::Quit);
                    }
                }
                Ok(Some(ToCpu::Input { device, input })) => {
                    self.bus.ports.host_input(&device, &input)
                }
                Ok(None) => return None,
                Err(_) => return Some(Ended::Quit), // the supervisor is gone
            }
        }
    }
}
