//! The machine's backbone end to end: a supervisor, a CPU process and one process per device,
//! port traffic through the rings, the automation ports, and a machine that ends cleanly and
//! survives misbehaving devices. The ROMs are ours (tests/roms), built with NASM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// Exit status for a guest writing v to port 0xF4: (v << 1) | 1. Our ROMs write 0x10 on success.
const PASSED: i32 = (0x10 << 1) | 1;

#[test]
fn dataplane_rom_passes_in_process_mode_and_gives_the_same_output_inline() {
    let rom = rom("dataplane");
    let rom = rom.to_str().unwrap();
    let process = run(&[
        "run",
        "--display",
        "none",
        "--bios",
        rom,
        "--probe",
        "--debugcon",
        "stdio",
        "--timeout",
        "30",
    ]);
    assert_eq!(
        process.status,
        Some(PASSED),
        "stdout:\n{}\nstderr:\n{}",
        process.stdout,
        process.stderr
    );
    assert!(
        process.stdout.contains("PASS") && !process.stdout.contains("FAIL"),
        "{}",
        process.stdout
    );
    assert_eq!(
        process.stdout.matches("ok   ").count(),
        14,
        "{}",
        process.stdout
    );
    let inline = run(&[
        "run",
        "--display",
        "none",
        "--bios",
        rom,
        "--probe",
        "--debugcon",
        "stdio",
        "--timeout",
        "30",
        "--isolation",
        "inline",
    ]);
    assert_eq!(inline.status, Some(PASSED), "{}", inline.stderr);
    assert_eq!(inline.stdout, process.stdout);
}

#[test]
fn debugcon_to_a_file_and_post_codes_on_stderr() {
    let dir = scratch("debugcon_file");
    let out = dir.join("debugcon.txt");
    let r = run(&[
        "run",
        "--bios",
        rom("dataplane").to_str().unwrap(),
        "--probe",
        "--debugcon",
        &format!("file:{}", out.display()),
        "--post-codes",
        "--timeout",
        "30",
    ]);
    assert_eq!(r.status, Some(PASSED), "{}", r.stderr);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("dataplane test ROM\n") && written.ends_with("PASS\n"),
        "{written}"
    );
    assert!(
        r.stderr.lines().any(|l| l == "POST 5a"),
        "POST codes missing from stderr:\n{}",
        r.stderr
    );
}

/// Starts the spin ROM (endless round trips to the probe) and waits until it says "ready".
fn start_spinning(extra: &[&str]) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let rom = rom("spin");
    let mut child = Command::new(cloister())
        .args([
            "run",
            "--display",
            "none",
            "--bios",
            rom.to_str().unwrap(),
            "--probe",
            "--debugcon",
            "stdio",
            "--timeout",
            "60",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    (child, out)
}

fn device_pid(supervisor: u32, kind_cpu: bool) -> Vec<u32> {
    children(supervisor)
        .into_iter()
        .filter(|(_, args)| args.contains(if kind_cpu { "__cpu" } else { "__device" }))
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn every_device_runs_in_its_own_process_and_ctl_reports_them() {
    let dir = scratch("ctl");
    let sock = dir.join("ctl.sock");
    let sock = sock.to_str().unwrap();
    let (mut child, _out) = start_spinning(&["--control", sock]);
    let pid = child.id();
    let procs = children(pid);
    assert_eq!(device_pid(pid, true).len(), 1, "{procs:?}");
    // timer, keyboard, vga, disk, serial, display, probe
    assert_eq!(device_pid(pid, false).len(), 7, "{procs:?}");

    let status = run(&["ctl", "--control", sock, "status"]);
    assert_eq!(status.status, Some(0), "{}", status.stderr);
    for (p, _) in &procs {
        assert!(
            status.stdout.contains(&p.to_string()),
            "pid {p} missing from:\n{}",
            status.stdout
        );
    }
    let probe = status
        .stdout
        .lines()
        .find(|l| l.starts_with("probe"))
        .expect("probe listed");
    let reads: u64 = probe.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert!(reads > 0, "the spinning ROM's reads are counted: {probe}");

    let quit = run(&["ctl", "--control", sock, "quit"]);
    assert_eq!(quit.status, Some(0), "{}", quit.stderr);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    for (p, _) in procs {
        assert!(!alive(p), "process {p} outlived the machine");
    }
}

/// The cores process `pid` may run on, as /proc shows them ("0-1", "1").
fn cores_allowed(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn the_cpu_and_the_devices_serving_its_ports_share_one_core_unless_told_otherwise() {
    let (mut child, _out) = start_spinning(&[]);
    let pid = child.id();
    let all = cores_allowed(pid);
    let cpu = cores_allowed(device_pid(pid, true)[0]);
    let devices: Vec<String> = device_pid(pid, false)
        .into_iter()
        .map(cores_allowed)
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        cpu.parse::<usize>().is_ok(),
        "the CPU process is on one core, not {cpu}"
    );
    // timer, keyboard, vga, disk, serial and probe beside it; the display (no ports) free.
    let beside = devices.iter().filter(|d| **d == cpu).count();
    let free = devices.iter().filter(|d| **d == all).count();
    if all != cpu {
        assert_eq!(
            (beside, free),
            (6, 1),
            "CPU on {cpu}, all {all}: {devices:?}"
        );
    }

    let (mut child, _out) = start_spinning(&["--affinity", "any"]);
    let pid = child.id();
    let mut every = device_pid(pid, false);
    every.extend(device_pid(pid, true));
    let cores: Vec<String> = every.into_iter().map(cores_allowed).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(cores.iter().all(|c| *c == all), "{all}: {cores:?}");
}

#[test]
fn a_device_killed_in_the_middle_of_a_request_stops_the_machine_with_a_clear_error() {
    let (mut child, _out) = start_spinning(&[]);
    let pid = child.id();
    let procs = children(pid);
    let probe = procs
        .iter()
        .rev()
        .find(|(_, a)| a.contains("__device"))
        .map(|(p, _)| *p)
        .unwrap();
    let start = std::time::Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(probe as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || child
            .try_wait()
            .unwrap()
            .is_some()),
        "the machine did not stop"
    );
    let elapsed = start.elapsed();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "device `probe` (pid {probe}) was killed by signal SIGKILL"
        )),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    for (p, _) in procs {
        assert!(!alive(p), "process {p} outlived the machine");
    }
}

#[test]
fn a_device_crashing_mid_request_is_named_with_its_signal() {
    let r = run(&[
        "run",
        "--bios",
        rom("dataplane").to_str().unwrap(),
        "--probe",
        "--timeout",
        "30",
        "--inject-fault",
        "probe=crash",
    ]);
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("device `probe`") && r.stderr.contains("was killed by signal SIGABRT"),
        "{}",
        r.stderr
    );
    assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);
}

#[test]
fn a_device_scribbling_on_its_reply_slot_is_rejected_and_the_cpu_process_survives() {
    let r = run(&[
        "run",
        "--bios",
        rom("dataplane").to_str().unwrap(),
        "--probe",
        "--timeout",
        "30",
        "--inject-fault",
        "probe=garbage-reply",
    ]);
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("device `probe`: the device broke the ring protocol"),
        "{}",
        r.stderr
    );
    // The CPU process reported the violation itself: it was not killed.
    assert!(!r.stderr.contains("the CPU process"), "{}", r.stderr);
    assert!(r.elapsed < Duration::from_secs(15), "took {:?}", r.elapsed);
}

#[test]
fn a_device_raising_lines_it_does_not_own_cannot_reach_the_machine() {
    let r = run(&[
        "run",
        "--bios",
        rom("faults").to_str().unwrap(),
        "--probe",
        "--debugcon",
        "stdio",
        "--timeout",
        "30",
        "--inject-fault",
        "probe=garbage-lines",
    ]);
    assert_eq!(
        r.status,
        Some(PASSED),
        "stdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn timeout_and_signals_end_the_machine_with_their_statuses() {
    let r = run(&[
        "run",
        "--bios",
        rom("spin").to_str().unwrap(),
        "--probe",
        "--timeout",
        "1",
    ]);
    assert_eq!(r.status, Some(124), "{}", r.stderr);
    for (sig, code) in [
        (nix::sys::signal::Signal::SIGTERM, 143),
        (nix::sys::signal::Signal::SIGINT, 130),
    ] {
        let (mut child, _out) = start_spinning(&[]);
        let procs = children(child.id());
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(code));
        for (p, _) in procs {
            assert!(!alive(p), "process {p} outlived the machine");
        }
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = scratch("bad_input");
    let odd = dir.join("odd.rom");
    std::fs::write(&odd, [0u8; 1000]).unwrap();
    let r = run(&["run", "--bios", odd.to_str().unwrap(), "--timeout", "5"]);
    assert_eq!(r.status, Some(1));
    assert!(
        r.stderr
            .contains("1000 bytes; it must be a multiple of 4 KiB"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "run",
        "--fda",
        dir.join("missing.img").to_str().unwrap(),
        "--timeout",
        "5",
    ]);
    assert_eq!(r.status, Some(1));
    assert!(
        r.stderr.contains("opening disk image") && r.stderr.contains("missing.img"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "--fda", odd.to_str().unwrap(), "--timeout", "5"]);
    assert!(
        r.stderr.contains("which is no floppy format"),
        "{}",
        r.stderr
    );
    let r = run(&["run", "--debugcon", "nowhere", "--timeout", "5"]);
    assert!(
        r.stderr
            .contains("--debugcon must be `stdio`, `file:PATH` or `none`"),
        "{}",
        r.stderr
    );
}
