//! Our DOS test programs (tests/dos, assembled here from their sources) run under FreeDOS in
//! process mode and give the results they gave under QEMU with the same BIOS: the CRCs below
//! are the ones tests/dos/README.md records from QEMU 7.2, and the key words are the IBM PC's
//! scan code set 1. Each program also checks itself and prints `NAME: PASS` or `NAME: FAIL`.
//!
//! What each exercises: VGATEST mode 13h and planar mode 12h (pixels, read-back, XOR writes),
//! MODETEST every BIOS mode, CGATEST modes 4 and 6, PITTEST the PIT against the RTC, SERTEST the
//! UART in loopback and out of COM1, DISKTEST INT 13h CHS and LBA reads and writes on a hard
//! disk, KBDTEST INT 16h and typed keys.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const PROGRAMS: [&str; 7] = [
    "vgatest", "modetest", "cgatest", "pittest", "sertest", "disktest", "kbdtest",
];

/// Typed into KBDTEST, and the (scan code << 8 | ASCII) words INT 16h must return for them:
/// scan codes of set 1 as the IBM PC/AT technical reference lists them.
const TYPED: &str = "Cloister!\\e";
const KEY_WORDS: [(u8, char); 10] = [
    (0x2E, 'C'),
    (0x26, 'l'),
    (0x18, 'o'),
    (0x17, 'i'),
    (0x1F, 's'),
    (0x14, 't'),
    (0x12, 'e'),
    (0x13, 'r'),
    (0x02, '!'),
    (0x01, '\x1b'),
];

/// Assembles every program from its source into `dir`.
fn assemble(dir: &Path) {
    for name in PROGRAMS {
        let st = Command::new("nasm")
            .args(["-f", "bin", "-o"])
            .arg(dir.join(format!("{name}.com")))
            .arg(format!("{name}.asm"))
            .current_dir(repo().join("tests/dos"))
            .status()
            .expect("nasm is needed (apt-get install nasm, or run .ci/run)");
        assert!(st.success(), "nasm failed on {name}.asm");
    }
}

/// The 20 MiB MBR + FAT16 test disk holding the programs (tests/dos/mkdisk.sh).
fn test_disk(dir: &Path) -> PathBuf {
    let img = dir.join("dostest.img");
    let st = Command::new("sh")
        .arg(repo().join("tests/dos/mkdisk.sh"))
        .arg(&img)
        .env("DOS_PROGRAMS", dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "mkdisk.sh failed (needs mtools, python3)");
    img
}

fn writable_copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let mut perm = std::fs::metadata(to).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(to, perm).unwrap();
}

/// The lines of `log` from the one starting with `first` up to `NAME: ...`.
fn section<'a>(log: &'a str, first: &str, name: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no line starting {first:?} in:\n{log}"));
    let end = lines[start..]
        .iter()
        .position(|l| l.starts_with(&format!("{name}:")))
        .unwrap_or_else(|| panic!("{name} printed no verdict:\n{log}"));
    lines[start..=start + end].to_vec()
}

fn assert_has(lines: &[&str], want: &str) {
    assert!(
        lines.iter().any(|l| l.contains(want)),
        "expected a line with {want:?} in:\n{}",
        lines.join("\n")
    );
}

#[test]
fn our_dos_programs_give_the_results_they_give_under_qemu() {
    let dir = scratch("dos-programs");
    assemble(&dir);
    let disk = test_disk(&dir);
    let floppy = dir.join("freedos.img");
    writable_copy(&testdata().join("images/freedos-boot-1.4MB.img"), &floppy);
    let disk_before = std::fs::read(&disk).unwrap();
    let (e9, serial, screen) = (
        dir.join("e9.log"),
        dir.join("com1.log"),
        dir.join("screen.txt"),
    );

    let mut keys = String::from("{wait:A:\\>}c:\\r{wait:C:\\>}");
    for (i, name) in PROGRAMS.iter().enumerate() {
        if i > 0 {
            keys += &format!("{{wait:{}:}}", PROGRAMS[i - 1].to_uppercase());
        }
        keys += &format!("{name}\\r");
    }
    keys += &format!("{{wait:Type keys}}{TYPED}");
    let r = run(&[
        "run",
        "--display",
        "none",
        "--fda",
        floppy.to_str().unwrap(),
        "--hda",
        disk.to_str().unwrap(),
        "--debugcon",
        &format!("file:{}", e9.display()),
        "--serial",
        &format!("file:{}", serial.display()),
        "--keys",
        &keys,
        "--until",
        "KBDTEST:",
        "--timeout",
        "120",
        "--screen-text-on-exit",
        screen.to_str().unwrap(),
    ]);
    let log = std::fs::read_to_string(&e9).unwrap_or_default();
    assert_eq!(
        r.status,
        Some(0),
        "the programs did not all run; stderr:\n{}\ndebug port:\n{log}",
        r.stderr
    );
    println!("{log}");

    // Every program's own verdict.
    for name in PROGRAMS {
        let name = name.to_uppercase();
        assert!(
            log.lines().any(|l| l == format!("{name}: PASS")),
            "{name} did not pass:\n{log}"
        );
    }

    // Mode 13h and mode 12h pixels written through INT 10h and read back (BIOS and memory):
    // the CRCs QEMU gave; the XOR write mode's result.
    let vga = section(&log, "mode 13h pixels", "VGATEST");
    assert_has(
        &vga,
        "mode 13h pixels: expected CRC 2FAB got 2FAB mem-mismatch 0000",
    );
    assert_has(&vga, "mode 12h pixels: expected CRC 08BA got 08BA xor 0A");
    let cga = section(&log, "mode 4 pixel CRC", "CGATEST");
    assert_has(&cga, "mode 4 pixel CRC 0E18  mode 6 pixel CRC 54DA");
    let modes = section(&log, "mode 00:", "MODETEST");
    assert_eq!(
        modes.iter().filter(|l| l.starts_with("mode ")).count(),
        14,
        "modes 00h-07h and 0Dh-13h:\n{}",
        modes.join("\n")
    );
    for line in modes.iter().filter(|l| l.starts_with("mode ")) {
        let (got, want) = line
            .split_once("round trip ")
            .and_then(|(_, r)| r.split_once(" want "))
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        assert_eq!(got, &want[..4], "{line}");
    }

    // The PIT against the RTC: about 18.2 ticks a second, both ways of counting.
    let pit = section(&log, "PIT / timer test", "PITTEST");
    let number_after = |what: &str| -> u32 {
        let line = pit.iter().find(|l| l.starts_with(what)).unwrap();
        line[what.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let per_3s = number_after("BIOS ticks in 3 RTC seconds: ");
    let per_1s = number_after("INT 15h AH=86h 1 s delay took ticks: ");
    assert!((50..=59).contains(&per_3s), "{per_3s} ticks in 3 s");
    assert!((17..=20).contains(&per_1s), "{per_1s} ticks in 1 s");

    // The UART: 64 bytes in loopback, and a line out of COM1 to the host.
    let ser = section(&log, "Serial port test", "SERTEST");
    assert_has(&ser, "64 bytes looped back, errors 0000  CRC AD1B");
    let com1 = std::fs::read_to_string(&serial).unwrap();
    assert!(
        com1.contains("Hello from Cloister SERTEST on COM1"),
        "{com1:?}"
    );

    // INT 13h: CHS and LBA reads agree on the MBR (the CRC QEMU gave on the same image), an LBA
    // write reads back, the floppy's boot sector is the one QEMU read.
    let dsk = section(&log, "Disk test", "DISKTEST");
    assert_has(&dsk, "drive 80h CHS (AH=08h): 40/16/63");
    assert_has(&dsk, "MBR+1 CHS == LBA read, CRC 5EF2");
    assert_has(&dsk, "AH=48h total sectors: 40960");
    assert_has(&dsk, "LBA write/read-back of the last sector: OK");
    assert_has(&dsk, "floppy A: boot sector CRC 2A53");
    // DISKTEST put the last sector back as it promises, and nothing else on the disk changed.
    assert!(std::fs::read(&disk).unwrap() == disk_before);

    // The keys typed, as INT 16h returned them.
    let kbd = section(&log, "Keyboard test", "KBDTEST");
    assert_has(&kbd, "round trip mismatches: 0000");
    let want: Vec<String> = KEY_WORDS
        .iter()
        .map(|&(scan, ch)| format!("{:04X}", (scan as u16) << 8 | ch as u16))
        .collect();
    assert_has(&kbd, &want.join(" "));
    assert_has(&kbd, "keys: 10");
}
