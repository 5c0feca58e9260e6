//! The isolation tax, measured in one run: the same port traffic through the CPU process's port
//! bus (`PortBus`, exactly what the interpreter calls) to the probe device, once in its own
//! process (`cloister __device`, reached through its ring) and once inline. Then FreeDOS booted to
//! its prompt in both modes, alternating. `cargo bench -p cloister --bench dataplane`.

use std::os::fd::OwnedFd;
use std::sync::atomic::Ordering::Release;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloister::supervisor::children::spawn_exe;
use cloister::vm::platform::Platform;
use cloister::vm::ports::{Link, PortBus};
use cloister_devices::pic::PicPair;
use cloister_devices::probe::{Probe, BASE};
use cloister_shared::control::{self, DeviceFds, DeviceSetup, ToDevice};
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::layout::{device_region_size, machine_region_size, view, DeviceRegion};
use cloister_shared::plane::{wait, PeerState, RingClient};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::IoWidth;

const RAM: u64 = 1 << 20;
const BUFFER: u32 = 0x1000;

struct Figures {
    outs_per_s: f64,
    published_ns: f64,
    round_trip_median_ns: f64,
    round_trip_p99_ns: f64,
    insw_512_us: f64,
}

fn measure(ports: &mut PortBus) -> Figures {
    // Posted OUTs: a burst, then one IN that must see them all (so the time covers the device
    // consuming them, not only the CPU posting them).
    let n = 5_000_000u32;
    ports.write(BASE + 2, IoWidth::Byte, 0);
    let t = Instant::now();
    for i in 0..n {
        ports.write(BASE, IoWidth::Word, i & 0xFFFF);
    }
    let seen = ports.read(BASE, IoWidth::Dword);
    let outs_per_s = n as f64 / t.elapsed().as_secs_f64();
    assert_eq!(seen, n, "the device saw every OUT");

    // A published register: answered in the CPU process.
    ports.write(BASE + 4, IoWidth::Byte, 0x42);
    let n = 20_000_000u32;
    let t = Instant::now();
    let mut acc = 0u32;
    for _ in 0..n {
        acc = acc.wrapping_add(ports.read(BASE + 4, IoWidth::Byte));
    }
    let published_ns = t.elapsed().as_nanos() as f64 / n as f64;
    assert_eq!(acc, 0x42u32.wrapping_mul(n));

    // IN round trips to an awake device, each timed.
    let mut samples: Vec<u64> = (0..200_000)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(ports.read(BASE, IoWidth::Word));
            t.elapsed().as_nanos() as u64
        })
        .collect();
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize] as f64;

    // REP INSW of one 512-byte sector as one request.
    let n = 50_000u32;
    let t = Instant::now();
    for _ in 0..n {
        assert_eq!(
            ports.block(true, BASE + 7, IoWidth::Word, BUFFER, 256, false),
            Some(256)
        );
    }
    let insw_512_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    Figures {
        outs_per_s,
        published_ns,
        round_trip_median_ns: pct(0.5),
        round_trip_p99_ns: pct(0.99),
        insw_512_us,
    }
}

fn process_mode(
    ram: &Arc<SharedRegion>,
) -> (
    PortBus,
    nix::unistd::Pid,
    std::os::unix::net::UnixStream,
    Arc<SharedRegion>,
) {
    let region = Arc::new(SharedRegion::create("bench-probe", device_region_size()).unwrap());
    let machine = Arc::new(SharedRegion::create("bench-machine", machine_region_size()).unwrap());
    let dup = |r: &SharedRegion| -> OwnedFd { r.fd().try_clone_to_owned().unwrap() };
    let fds = vec![(dup(&region), 10), (dup(&machine), 11), (dup(ram), 12)];
    let (pid, mut sock) =
        spawn_exe(env!("CARGO_BIN_EXE_cloister").as_ref(), "__device", fds).unwrap();
    let setup = DeviceSetup {
        kind: "probe".into(),
        implementation: "probe".into(),
        config: postcard::to_stdvec(&cloister_devices::registry::MachineConfig::default()).unwrap(),
        manifest: Probe::manifest(),
        fds: DeviceFds {
            region: 10,
            machine: 11,
            guest_ram: Some(12),
            regions: vec![],
            files: vec![],
            output: None,
        },
        guest_ram_size: RAM,
        fault: None,
    };
    control::send(&mut sock, &setup).unwrap();
    // SAFETY: a fresh region of device_region_size() bytes; DeviceRegion is all atomics.
    let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
    r.supervisor
        .peer_state
        .store(PeerState::Running as u32, Release);
    let mut ports = PortBus::new(Platform::new(None, false), PicPair::new());
    ports
        .attach(
            Probe::manifest(),
            Link::Ring(RingClient::new(region.clone())),
            false,
        )
        .unwrap();
    (ports, pid, sock, region)
}

fn inline_mode(ram: &Arc<SharedRegion>) -> PortBus {
    let mut ports = PortBus::new(Platform::new(None, false), PicPair::new());
    let link = Link::Inline {
        device: Box::new(Probe::new()),
        deadline: u64::MAX,
        regions: vec![],
        ram: Some(GuestRam::new(ram.clone())),
        output: None,
    };
    ports.attach(Probe::manifest(), link, false).unwrap();
    ports
}

/// Seconds from start to `A:\>` for FreeDOS from the 1.44 MB floppy.
fn boot_seconds(isolation: &str) -> Option<f64> {
    let floppy = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/images/freedos-boot-1.4MB.img");
    if !floppy.exists() {
        return None;
    }
    let t = Instant::now();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args([
            "run",
            "--display",
            "none",
            "--isolation",
            isolation,
            "--until",
            "A:\\>",
            "--timeout",
            "30",
            "--fda",
        ])
        .arg(&floppy)
        .status()
        .ok()?;
    status.success().then(|| t.elapsed().as_secs_f64())
}

/// (steal, total) jiffies of all CPUs so far, from /proc/stat: the time the host's hypervisor
/// gave our vCPUs to someone else. Process mode needs two vCPUs at once; inline needs one.
fn cpu_steal() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    Some((*v.get(7)?, v.iter().take(8).sum()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let ram = Arc::new(SharedRegion::create("bench-ram", RAM).unwrap());
    let (mut process, pid, mut sock, region) = process_mode(&ram);
    let p = measure(&mut process);
    let mut inline = inline_mode(&ram);
    let i = measure(&mut inline);
    let _ = control::send(&mut sock, &ToDevice::Quit);
    // SAFETY: as in process_mode.
    let doorbell = &unsafe { view::<DeviceRegion>(region.as_ptr()) }.doorbell;
    wait::ring_control(&doorbell.control, &doorbell.ring);
    let _ = nix::sys::wait::waitpid(pid, None);

    println!("Data plane through PortBus to the probe device, process mode vs inline (one run):");
    println!("| measure | process | inline | target (process) |");
    println!("|---|---|---|---|");
    println!(
        "| posted OUTs per second | {:.1} M/s | {:.1} M/s | ≥ 20 M/s |",
        p.outs_per_s / 1e6,
        i.outs_per_s / 1e6
    );
    println!(
        "| published-register IN | {:.1} ns | {:.1} ns | ≤ 20 ns |",
        p.published_ns, i.published_ns
    );
    println!(
        "| IN round trip, median | {:.0} ns | {:.0} ns | ≤ 1 µs |",
        p.round_trip_median_ns, i.round_trip_median_ns
    );
    println!(
        "| IN round trip, p99 | {:.0} ns | {:.0} ns | (printed) |",
        p.round_trip_p99_ns, i.round_trip_p99_ns
    );
    println!(
        "| REP INSW of 512 bytes, one request | {:.2} µs | {:.2} µs | |",
        p.insw_512_us, i.insw_512_us
    );

    let reps = 11;
    let (mut bp, mut bi) = (Vec::new(), Vec::new());
    let steal_before = cpu_steal();
    for _ in 0..reps {
        // Alternate, so that drift in the machine's speed hits both alike.
        bp.extend(boot_seconds("process"));
        bi.extend(boot_seconds("inline"));
    }
    if bp.len() == reps && bi.len() == reps {
        let (mp, mi) = (median(bp.clone()), median(bi.clone()));
        println!();
        println!("FreeDOS 1.44 MB floppy to A:\\> (whole run, median of {reps}, alternating):");
        println!("| process | inline | process / inline |");
        println!("|---|---|---|");
        println!("| {mp:.3} s | {mi:.3} s | {:.3} |", mp / mi);
        println!("runs: process {bp:.3?}, inline {bi:.3?}");
        if let (Some((s0, t0)), Some((s1, t1))) = (steal_before, cpu_steal()) {
            let pct = 100.0 * s1.saturating_sub(s0) as f64 / t1.saturating_sub(t0).max(1) as f64;
            println!("host steal during the boots: {pct:.1}% of our vCPUs' time (/proc/stat)");
        }
    } else {
        println!("FreeDOS boot timing skipped (no ../shared/testdata, or a boot failed)");
    }
    let _ = Duration::ZERO;
}
