//! FreeDOS, which nobody on this team wrote, boots from each floppy of ../shared/testdata in
//! process mode (every device in its own process) to its prompt, and `ver`, `dir` and `mem` give
//! the right answers. `dir` is checked against mtools' reading of the same image; `mem` is our
//! MEMINFO.COM (tests/dos: the floppies have no MEM) checked against the machine's configuration.

mod common;

use std::process::Command;

use common::*;

/// One FreeDOS machine at a time: each is eight processes, and CI has two cores.
static ONE_MACHINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

const FLOPPIES: [&str; 5] = [
    "freedos-boot-1.4MB.img",
    "freedos-boot-1200K.img",
    "freedos-boot-720K.img",
    "freedos-boot-360K.img",
    "freedos-boot-160K.img",
];

/// A writable copy of a test floppy with MEM.COM added (mtools).
fn floppy_with_mem(name: &str) -> std::path::PathBuf {
    let dir = scratch(&format!("freedos-{name}"));
    let img = dir.join(name);
    std::fs::copy(testdata().join("images").join(name), &img).unwrap();
    let mut perm = std::fs::metadata(&img).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&img, perm).unwrap();
    let st = Command::new("mcopy")
        .arg("-i")
        .arg(&img)
        .arg(repo().join("tests/dos/meminfo.com"))
        .arg("::MEM.COM")
        .status()
        .expect("mtools is needed (apt-get install mtools, or run .ci/run)");
    assert!(st.success());
    img
}

/// Runs the floppy with a key script until `until`; the text screen at the end.
fn session(img: &std::path::Path, keys: &str, until: &str) -> String {
    session_with(&["--fda", img.to_str().unwrap()], img, keys, until)
}

/// "1,337,344" → 1337344
fn number(s: &str) -> u64 {
    s.chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The free bytes mtools reads from the image.
fn mtools_free_bytes(img: &std::path::Path) -> u64 {
    let out = Command::new("mdir")
        .arg("-i")
        .arg(img)
        .arg("::")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("bytes free")).unwrap();
    number(line.split("bytes free").next().unwrap())
}

#[test]
fn every_floppy_boots_to_the_prompt_and_ver_dir_mem_work() {
    let _one = ONE_MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    for name in FLOPPIES {
        let img = floppy_with_mem(name);
        let free = mtools_free_bytes(&img);

        let screen = session(
            &img,
            "{wait:A:\\>}ver\\r{wait:FreeCom version}dir\\r",
            "bytes free",
        );
        assert!(
            screen.contains("FreeCom version 0.82 pl 3"),
            "{name}: ver\n{screen}"
        );
        for file in [
            "KERNEL   SYS        45,450",
            "COMMAND  COM        66,090",
            "AUTOEXEC BAT           408",
            "MEM      COM",
        ] {
            assert!(
                screen.contains(file),
                "{name}: dir does not list {file:?}\n{screen}"
            );
        }
        assert!(screen.contains("6 file(s)"), "{name}\n{screen}");
        let dos_free = screen
            .lines()
            .find(|l| l.contains("bytes free"))
            .map(|l| number(l.split("dir(s)").nth(1).unwrap()))
            .unwrap();
        assert_eq!(
            dos_free, free,
            "{name}: DOS and mtools disagree on the free space\n{screen}"
        );

        let screen = session(&img, "{wait:A:\\>}mem\\r", "Largest free DOS block");
        assert!(
            screen.contains("INT 12h base memory:      639 KiB"),
            "{name}\n{screen}"
        );
        assert!(
            screen.contains("INT 15h/88h extended:     15360 KiB"),
            "{name}: 16 MiB of RAM\n{screen}"
        );
        eprintln!("{name}: prompt, ver, dir ({free} bytes free), mem: ok");
    }
}

#[test]
fn a_hard_disk_made_with_mtools_boots_with_boot_c_and_keeps_what_the_guest_writes() {
    let _one = ONE_MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    // A 20 MiB MBR + FAT16 image: mformat's file system, our boot sector, and KERNEL.SYS and
    // COMMAND.COM copied from the FreeDOS floppy with mcopy (tests/dos/hdboot/mkbootdisk.sh).
    let dir = scratch("harddisk");
    let img = dir.join("hd.img");
    let floppy = testdata().join("images/freedos-boot-1.4MB.img");
    let st = Command::new("sh")
        .arg(repo().join("tests/dos/hdboot/mkbootdisk.sh"))
        .arg(&img)
        .arg(&floppy)
        .status()
        .unwrap();
    assert!(
        st.success(),
        "mkbootdisk.sh failed (needs nasm, mtools, python3)"
    );
    let screen = session_with(
        &["--hda", img.to_str().unwrap(), "--boot", "c"],
        &img,
        "{wait:C:\\>}echo written by the guest>NOTE.TXT\\r{sleep:300}dir\\r",
        "NOTE     TXT",
    );
    assert!(screen.contains("NOTE     TXT            22"), "{screen}");
    // The partition starts at sector 63; mtools reads the file the guest wrote.
    let out = Command::new("mtype")
        .arg("-i")
        .arg(format!("{}@@{}", img.display(), 63 * 512))
        .arg("::NOTE.TXT")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        "written by the guest"
    );
}

/// Like [`session`], with the machine's disks given as arguments.
fn session_with(disks: &[&str], img: &std::path::Path, keys: &str, until: &str) -> String {
    let screen = img.with_extension("screen.txt");
    let mut args = vec!["run", "--display", "none"];
    args.extend_from_slice(disks);
    let screen_arg = screen.to_str().unwrap().to_owned();
    args.extend_from_slice(&[
        "--keys",
        keys,
        "--until",
        until,
        "--timeout",
        "60",
        "--screen-text-on-exit",
        &screen_arg,
    ]);
    let r = run(&args);
    let text = std::fs::read_to_string(&screen).unwrap_or_default();
    assert_eq!(
        r.status,
        Some(0),
        "did not show {until:?}; stderr:\n{}\nscreen:\n{text}",
        r.stderr
    );
    text
}
