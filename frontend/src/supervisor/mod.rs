//! The supervisor: creates guest RAM and the device regions, starts the CPU process and one
//! process per device, and ends them all cleanly when the machine ends.

pub(crate) mod automation;
mod builtin;
pub mod children;
pub mod control_socket;
pub(crate) mod keys;
pub mod placement;
pub mod plan;
mod ui;

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::Ordering::Release;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use cloister_shared::control::{self, CpuDevice, CpuSetup, Fault, FromCpu, ToCpu, ToDevice};
use cloister_shared::plane::layout::{machine_region_size, view, DeviceRegion, MachineRegion};
use cloister_shared::plane::{wait, PeerState};
use cloister_shared::sys::memfd::SharedRegion;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};

use crate::cli::{Isolation, RunArgs};
use crate::roles;
use children::{describe, spawn, ChildProc};
use control_socket::{ControlSocket, CtlReply, ProcessStatus};

/// The exit status for an expired --timeout, as timeout(1) has it.
pub const TIMEOUT_STATUS: i32 = 124;

/// A running machine, as the supervisor holds it.
struct Machine {
    children: Vec<ChildProc>,
    machine_region: Arc<SharedRegion>,
    device_regions: Vec<(String, Arc<SharedRegion>)>,
    signals: SignalFd,
    control: ControlSocket,
    /// The VGA framebuffer region (screen text for --until and --screen-text-on-exit).
    framebuffer: Option<Arc<SharedRegion>>,
    /// The serial port's output (pipe) and where it goes on to.
    serial_tap: (std::fs::File, Option<std::fs::File>),
    automation: automation::Automation,
    /// Keys typed in the window or terminal, paced.
    live_keys: automation::LiveKeys,
    /// The core the CPU process and the port-serving devices share (`--affinity`).
    placement: placement::Placement,
    /// Whether the keyboard runs inline (keys then go through the CPU process).
    inline: bool,
    /// ctl clients waiting for the CPU's status report.
    waiting_status: Vec<std::os::unix::net::UnixStream>,
    /// The channel from the display process's front end (window or terminal), if it has one.
    display_link: Option<crate::display::link::SupervisorEnd>,
    /// Whether the CPU was told to pause.
    paused: bool,
}

pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    let keys = match &args.keys {
        Some(script) => keys::parse(script)?,
        None => Vec::new(),
    };
    let display = crate::display::choose(args.display)?;
    let term = display == crate::cli::Display::Term;
    if term && (args.serial == "stdio" || args.debugcon.as_deref() == Some("stdio")) {
        anyhow::bail!("--display term draws on the terminal: send --serial and --debugcon to file:PATH, not stdio");
    }
    // While the terminal shows the machine, stderr (ours and the children's) waits aside.
    let _stderr_aside = term.then(crate::display::StderrAside::begin).transpose()?;
    // The display process takes the terminal; whatever it leaves is put back when the machine
    // ends (dropped before the stderr kept aside is copied out).
    let _terminal = term.then(crate::display::SavedTerminal::save).transpose()?;
    // The front end's channel: our end, and the display process's.
    let (display_link, mut display_fd) = match display {
        crate::cli::Display::None => (None, None),
        _ => {
            let (ours, theirs) =
                crate::display::link::pair().context("creating the display's channel")?;
            (Some(ours), Some(theirs))
        }
    };
    let mut plan = plan::plan(&args)?;
    let faults = parse_faults(&args.inject_fault)?;
    // Block the signals we handle so they queue on the signalfd; children unblock them.
    let mut mask = SigSet::empty();
    for s in [Signal::SIGCHLD, Signal::SIGINT, Signal::SIGTERM] {
        mask.add(s);
    }
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&mask), None)
        .context("blocking signals")?;
    let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .context("creating a signalfd")?;

    let ram_size = args.mem as u64 * 1024 * 1024;
    let ram = SharedRegion::create("cloister-guest-ram", ram_size).context("creating guest RAM")?;
    let machine_region = Arc::new(SharedRegion::create(
        "cloister-machine",
        machine_region_size(),
    )?);
    let control = ControlSocket::bind(args.control.clone())?;
    let mut m = Machine {
        children: Vec::new(),
        machine_region,
        device_regions: Vec::new(),
        signals,
        control,
        waiting_status: Vec::new(),
        framebuffer: None,
        serial_tap: plan.serial_tap,
        automation: automation::Automation::new(keys, args.until.clone()),
        inline: args.isolation == Isolation::Inline,
        display_link,
        paused: false,
        live_keys: automation::LiveKeys::default(),
        placement: placement::Placement::new(args.affinity),
    };
    let config_bytes = postcard::to_stdvec(&plan.config)?;

    let dup =
        |fd: std::os::fd::BorrowedFd| -> anyhow::Result<OwnedFd> { Ok(fd.try_clone_to_owned()?) };
    let mut cpu_fds: Vec<(OwnedFd, i32)> =
        vec![(dup(ram.fd())?, 10), (dup(m.machine_region.fd())?, 11)];
    let mut next_cpu_fd = 20;
    let mut cpu_devices = Vec::new();
    let mut regions_by_kind = std::collections::HashMap::new();
    // Device processes, with the index of their region, to start once the CPU process is.
    let mut pending = Vec::new();
    for mut dev in std::mem::take(&mut plan.devices) {
        if dev.kind == "display" {
            dev.implementation = crate::display::implementation(display).into();
            if let Some(fd) = display_fd.take() {
                dev.files
                    .push((roles::device::UI_ROLE.into(), std::fs::File::from(fd)));
            }
        }
        // A device's extra regions are its own, or borrowed from the device that writes them
        // (the display reads the VGA's framebuffer).
        let extra: Vec<Arc<SharedRegion>> = match &dev.borrows {
            Some((owner, index)) => vec![regions_by_kind
                .get(owner)
                .and_then(|r: &Vec<Arc<SharedRegion>>| r.get(*index))
                .cloned()
                .with_context(|| format!("device `{}` needs a region of `{owner}`", dev.kind))?],
            None => dev
                .manifest
                .regions
                .iter()
                .enumerate()
                .map(|(i, &size)| {
                    SharedRegion::create(&format!("cloister-{}-{i}", dev.kind), size).map(Arc::new)
                })
                .collect::<Result<_, _>>()?,
        };
        regions_by_kind.insert(dev.kind.clone(), extra.clone());
        let machine_lines = dev.kind == "keyboard";
        let start = children::DeviceStart {
            machine_region: &m.machine_region,
            ram: &ram,
            config: &config_bytes,
            fault: faults.get(dev.kind.as_str()).copied(),
            terminal: dev.kind == "display" && term,
        };
        // The display is a process of its own in inline mode too: it serves no ports (so inline
        // mode's yardstick is unchanged) and its front end needs a thread and the terminal.
        if args.isolation == Isolation::Process || dev.kind == "display" {
            let device = children::prepare_device(dev, &extra, start)?;
            if args.isolation == Isolation::Process {
                cpu_fds.push((dup(device.region.fd())?, next_cpu_fd));
                cpu_devices.push(CpuDevice {
                    manifest: device.setup.manifest.clone(),
                    region_fd: Some(next_cpu_fd),
                    inline: None,
                    machine_lines,
                });
                next_cpu_fd += 1;
            }
            m.device_regions
                .push((device.setup.kind.clone(), device.region.clone()));
            pending.push((m.device_regions.len() - 1, device));
        } else {
            let setup =
                children::device_setup(dev, &extra, &start, &mut cpu_fds, &mut next_cpu_fd)?;
            cpu_devices.push(CpuDevice {
                manifest: setup.manifest.clone(),
                region_fd: None,
                inline: Some(setup),
                machine_lines,
            });
        }
    }
    let debugcon_fd = match args.debugcon.as_deref() {
        None => None,
        Some(spec) => plan::sink(spec, "--debugcon")?.map(|f| {
            cpu_fds.push((OwnedFd::from(f), next_cpu_fd));
            next_cpu_fd
        }),
    };
    // The CPU process starts before the device processes, so that its exec and set-up overlap
    // theirs instead of following them (starting a process takes milliseconds here). It needs
    // nothing of theirs but their regions, which exist. Until a device is up, the CPU's requests
    // to it wait in its ring (the region's `peer_state` reads Starting, not Dead), none of its
    // ports has a published value (the CPU asks), and its IRQ lines are low.
    let (pid, sock) = spawn("__cpu", cpu_fds, false)?;
    m.placement.place(pid, "the CPU process");
    // children[0] is the CPU.
    m.children.push(ChildProc {
        name: "cpu".into(),
        implementation: args.cpu.clone(),
        pid,
        control: sock,
        device: None,
        ended: None,
    });
    let setup = CpuSetup {
        model: args.cpu.clone(),
        guest_ram_fd: 10,
        guest_ram_size: ram_size,
        machine_fd: 11,
        bios: plan.bios,
        devices: cpu_devices,
        debugcon_fd,
        post_codes: args.post_codes,
    };
    let started = control::send(&mut m.children[0].control, &setup)
        .context("setting up the CPU process")
        .and_then(|()| m.start_devices(pending));
    if let Err(e) = started {
        m.shutdown();
        return Err(e);
    }
    drop(ram);
    m.framebuffer = regions_by_kind.get("vga").and_then(|r| r.get(1)).cloned();

    let deadline = args
        .timeout
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let status = m.serve(deadline);
    if let Some(path) = &args.screenshot_on_exit {
        let png = m.screenshot().map_err(anyhow::Error::msg);
        let written = png.and_then(|png| {
            std::fs::write(path, png)
                .with_context(|| format!("writing the screenshot {}", path.display()))
        });
        if let Err(e) = written {
            eprintln!("cloister: no screenshot: {e:#}");
        }
    }
    if let Some(path) = &args.screen_text_on_exit {
        let text = m.automation.screen_text(m.framebuffer.as_deref());
        automation::write_screen_text(path, text)?;
    }
    m.shutdown();
    status
}

/// `--inject-fault DEVICE=KIND` (tests only).
fn parse_faults(specs: &[String]) -> anyhow::Result<std::collections::HashMap<String, Fault>> {
    specs
        .iter()
        .map(|spec| {
            let (dev, kind) = spec
                .split_once('=')
                .with_context(|| format!("--inject-fault takes DEVICE=KIND, not `{spec}`"))?;
            let fault = match kind {
                "crash" => Fault::Crash,
                "garbage-reply" => Fault::GarbageReply,
                "garbage-lines" => Fault::GarbageLines,
                other => {
                    anyhow::bail!("unknown fault `{other}` (crash, garbage-reply, garbage-lines)")
                }
            };
            Ok((dev.to_owned(), fault))
        })
        .collect()
}

fn region_view(r: &SharedRegion) -> &DeviceRegion {
    // SAFETY: every device region is created with device_region_size() bytes, page aligned, and
    // DeviceRegion is all atomics.
    unsafe { view(r.as_ptr()) }
}

/// Tells a CPU waiting on this region's device that no answer is coming: its process ended, or
/// never started.
fn mark_dead(r: &SharedRegion) {
    let r = region_view(r);
    r.supervisor
        .peer_state
        .store(PeerState::Dead as u32, Release);
    wait::ring(&r.reply.seq);
}

impl Machine {
    /// Starts the prepared device processes in plan order, each with the index of its region.
    fn start_devices(
        &mut self,
        pending: Vec<(usize, children::PendingDevice)>,
    ) -> anyhow::Result<()> {
        for (i, dev) in pending {
            let child = children::start_device(dev, &self.placement)?;
            self.children.push(ChildProc {
                device: Some(i),
                ..child
            });
        }
        Ok(())
    }

    /// Reaps children until `done` or `limit`; a device that ends is marked dead in its region.
    fn reap_until(&mut self, done: impl Fn(&Machine) -> bool, limit: Duration) {
        let give_up = Instant::now() + limit;
        while !done(self) && Instant::now() < give_up {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => self.await_sigchld(give_up),
                Ok(status) => {
                    if let Some(c) = status
                        .pid()
                        .and_then(|p| self.children.iter_mut().find(|c| c.pid == p))
                    {
                        c.ended = Some(describe(&status));
                        if let Some(i) = c.device {
                            mark_dead(&self.device_regions[i].1);
                        }
                    }
                }
                Err(_) => break, // no children left
            }
        }
    }

    /// Waits (at most until `limit`, and 2 ms at a time) for a child to change state: SIGCHLD
    /// queues on the signalfd. What else is queued there is dropped: the machine is stopping.
    fn await_sigchld(&mut self, limit: Instant) {
        let left = limit.saturating_duration_since(Instant::now());
        let ms = left.as_millis().clamp(1, 2) as u16;
        let mut fds = [PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
        let _ = poll(&mut fds, PollTimeout::from(ms));
        while let Ok(Some(_)) = self.signals.read_signal() {}
    }

    fn machine_view(&self) -> &MachineRegion {
        // SAFETY: created with machine_region_size() bytes; MachineRegion is all atomics.
        unsafe { view(self.machine_region.as_ptr()) }
    }

    /// Tells the CPU process that a control message waits (waking it if it sleeps in HLT).
    fn ring_cpu(&self) {
        let m = self.machine_view();
        wait::ring_control(&m.control, &m.doorbell);
    }

    /// Tells device region `i`'s process that a control message waits (waking it if it sleeps).
    fn ring_device(&self, i: usize) {
        let d = &region_view(&self.device_regions[i].1).doorbell;
        wait::ring_control(&d.control, &d.ring);
    }

    /// Runs until the machine ends; the exit status.
    fn serve(&mut self, deadline: Option<Instant>) -> anyhow::Result<i32> {
        loop {
            let timeout = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        eprintln!("cloister: the --timeout expired; stopping the machine");
                        return Ok(TIMEOUT_STATUS);
                    }
                    PollTimeout::try_from(left.as_millis().min(60_000) as i32 + 1)
                        .unwrap_or(PollTimeout::MAX)
                }
                None => PollTimeout::try_from(60_000).unwrap_or(PollTimeout::MAX),
            };
            // A script to type or text to wait for: look at the screen often.
            let timeout = if self.automation.active() || self.live_keys.active() {
                timeout.min(PollTimeout::try_from(10).unwrap_or(timeout))
            } else {
                timeout
            };
            let (sig_ready, cpu_ready, ctl_ready, serial_ready, ui_ready) = {
                let mut fds = vec![
                    PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.children[0].control.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.control.listener.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.serial_tap.0.as_fd(), PollFlags::POLLIN),
                ];
                if let Some(link) = &self.display_link {
                    fds.push(PollFd::new(link.fd(), PollFlags::POLLIN));
                }
                match poll(&mut fds, timeout) {
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(e).context("waiting for events"),
                }
                let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (
                    ready(&fds[0]),
                    ready(&fds[1]),
                    ready(&fds[2]),
                    ready(&fds[3]),
                    fds.get(4).is_some_and(ready),
                )
            };
            if ui_ready {
                if let Some(status) = self.on_display() {
                    return Ok(status);
                }
            }
            if serial_ready && self.on_serial() {
                return Ok(0);
            }
            if self.automation.active() && self.step_automation() {
                return Ok(0);
            }
            if self.live_keys.active() {
                let mut due = Vec::new();
                self.live_keys.tick(|k, p| due.push((k, p)));
                for (k, p) in due {
                    self.send_key(k, p);
                }
            }
            if cpu_ready {
                if let Some(status) = self.on_cpu_message() {
                    return Ok(status);
                }
            }
            if sig_ready {
                if let Some(status) = self.on_signals() {
                    return Ok(status);
                }
            }
            if ctl_ready {
                if let Some(status) = self.on_ctl()? {
                    return Ok(status);
                }
            }
        }
    }

    fn on_signals(&mut self) -> Option<i32> {
        while let Ok(Some(info)) = self.signals.read_signal() {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGINT) => {
                    eprintln!("cloister: interrupted; stopping the machine");
                    return Some(130);
                }
                Ok(Signal::SIGTERM) => return Some(143),
                _ => {}
            }
        }
        // SIGCHLD (or a coalesced batch of them): reap whatever ended.
        while let Ok(status) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            let Some(pid) = status.pid() else { break };
            let Some(child) = self.children.iter_mut().find(|c| c.pid == pid) else {
                continue;
            };
            let how = describe(&status);
            child.ended = Some(how.clone());
            if let Some(i) = child.device {
                mark_dead(&self.device_regions[i].1);
                eprintln!("cloister: device `{}` (pid {pid}) {how}; stopping the machine (device restart is not available yet)", child.name);
            } else {
                // The CPU reports how the machine ended before it exits: read that first.
                if let Ok(Some(msg)) = control::try_recv::<FromCpu>(&mut self.children[0].control) {
                    if let Some(status) = self.on_cpu_report(msg) {
                        return Some(status);
                    }
                }
                eprintln!("cloister: the CPU process (pid {pid}) {how}; stopping the machine");
            }
            return Some(1);
        }
        None
    }

    /// Passes serial output on; true if it holds the --until text.
    fn on_serial(&mut self) -> bool {
        use std::io::{Read, Write};
        let mut buf = [0u8; 4096];
        match self.serial_tap.0.read(&mut buf) {
            Ok(n) if n > 0 => {
                if let Some(sink) = self.serial_tap.1.as_mut() {
                    let _ = sink.write_all(&buf[..n]);
                    let _ = sink.flush();
                }
                self.automation.serial(&buf[..n])
            }
            _ => false,
        }
    }

    /// Types what the key script says; true if the --until text is on the screen.
    fn step_automation(&mut self) -> bool {
        let mut events = Vec::new();
        let found = self
            .automation
            .tick(self.framebuffer.as_deref(), |key, pressed| {
                events.push((key, pressed))
            });
        for (key, pressed) in events {
            self.send_key(key, pressed);
        }
        found
    }

    /// Delivers one key event to the keyboard device, wherever it runs.
    fn send_key(&mut self, key: keys::Key, pressed: bool) {
        tracing::trace!(code = key.code, extended = key.extended, pressed, "key");
        {
            let input = cloister_shared::HostInput::Key {
                code: key.code,
                extended: key.extended,
                pressed,
            };
            if self.inline {
                let _ = control::send(
                    &mut self.children[0].control,
                    &ToCpu::Input {
                        device: "keyboard".into(),
                        input,
                    },
                );
                self.ring_cpu();
            } else if let Some(c) = self
                .children
                .iter_mut()
                .find(|c| c.name == "keyboard" && c.ended.is_none())
            {
                let _ = control::send(&mut c.control, &ToDevice::Input(input));
                if let Some(i) = c.device {
                    self.ring_device(i);
                }
            }
        }
    }

    fn on_cpu_message(&mut self) -> Option<i32> {
        match control::recv::<FromCpu>(&mut self.children[0].control) {
            Ok(msg) => self.on_cpu_report(msg),
            Err(e) => {
                // The CPU closed its channel: it is exiting; SIGCHLD will tell how.
                tracing::debug!("CPU control channel: {e}");
                std::thread::sleep(Duration::from_millis(50));
                self.on_signals().or(Some(1))
            }
        }
    }

    fn on_cpu_report(&mut self, msg: FromCpu) -> Option<i32> {
        match msg {
            FromCpu::Exit { status } => Some(status),
            FromCpu::Fatal { device, message } => {
                match device {
                    Some(d) => eprintln!("cloister: device `{d}`: {message}; stopping the machine"),
                    None => eprintln!("cloister: {message}; stopping the machine"),
                }
                Some(1)
            }
            FromCpu::Status {
                instructions,
                devices,
                unmapped_reads,
                unmapped_writes,
            } => {
                let processes = self
                    .children
                    .iter()
                    .map(|c| ProcessStatus {
                        name: c.name.clone(),
                        pid: c.pid.as_raw(),
                        implementation: c.implementation.clone(),
                        counters: devices
                            .iter()
                            .find(|(n, _)| *n == c.name)
                            .map(|(_, k)| k.clone()),
                    })
                    .collect();
                let reply = CtlReply::Status {
                    processes,
                    instructions,
                    unmapped_reads,
                    unmapped_writes,
                    paused: self.paused,
                    inline: devices
                        .iter()
                        .filter(|(n, _)| !self.children.iter().any(|c| &c.name == n))
                        .cloned()
                        .collect(),
                };
                for mut client in self.waiting_status.drain(..) {
                    let _ = control::send(&mut client, &reply);
                }
                None
            }
        }
    }

    /// Stops the CPU first (so nothing waits on a device that is leaving), then the devices;
    /// whatever does not stop in time is killed; everything is reaped.
    fn shutdown(&mut self) {
        // A region whose process never started (one failed to start before it) has no one to
        // answer the CPU: say so, or the CPU waits in a request until the hang limit.
        for (i, (_, region)) in self.device_regions.iter().enumerate() {
            if !self.children.iter().any(|c| c.device == Some(i)) {
                mark_dead(region);
            }
        }
        let _ = control::send(&mut self.children[0].control, &ToCpu::Quit);
        self.ring_cpu();
        self.reap_until(|m| m.children[0].ended.is_some(), Duration::from_secs(1));
        let mut told = Vec::new();
        for c in self.children.iter_mut().filter(|c| c.ended.is_none()) {
            if let Some(i) = c.device {
                let _ = control::send(&mut c.control, &ToDevice::Quit);
                told.push(i);
            }
        }
        for i in told {
            self.ring_device(i);
        }
        self.reap_until(
            |m| m.children.iter().all(|c| c.ended.is_some()),
            Duration::from_secs(2),
        );
        for c in self.children.iter().filter(|c| c.ended.is_none()) {
            tracing::warn!("{} (pid {}) did not stop; killing it", c.name, c.pid);
            let _ = nix::sys::signal::kill(c.pid, Signal::SIGKILL);
        }
        self.reap_until(
            |m| m.children.iter().all(|c| c.ended.is_some()),
            Duration::from_secs(5),
        );
        self.control.remove();
        let _ = self.signals.as_fd().as_raw_fd();
    }
}
