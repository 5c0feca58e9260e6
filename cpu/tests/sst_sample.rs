//! SingleStepTests: the parser and the judging rules on the real recordings, and a sample of
//! them run through the CPU. The data lives outside the repository, in ../shared/testdata.

use std::path::PathBuf;

use cloister_cpu::sst::{self, Chip, Metadata, Mismatch, RunOptions, RunRules, TestCase, FLAGS};
use cloister_cpu::{Bus, CpuModel};

fn sst_dir(set: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/sst")
        .join(set);
    assert!(dir.is_dir(), "test data missing: {}", dir.display());
    dir
}

fn load(set: &str, file: &str) -> sst::TestFile {
    sst::load_file(&sst_dir(set).join(file)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn parses_a_real_286_file() {
    let f = load("80286", "00.MOO.gz");
    assert_eq!((f.chip, f.tests.len()), (Chip::I286, 500));
    let t = &f.tests[0];
    assert_eq!(t.name, "add [bx+0Eh],bl");
    assert_eq!(t.bytes, [0x00, 0x5F, 0x0E, 0xF4]); // the instruction and the HLT that ends it
    assert_eq!(t.initial.regs.present, 0x3FFF);
    assert_eq!(
        (t.initial.regs.get(0), t.initial.regs.get(4)),
        (Some(715), Some(0xFFFF))
    );
    // FINA lists only what changed.
    assert_eq!(t.final_state.regs.present, 1 << 12 | 1 << 13);
    assert_eq!(
        (t.final_state.regs.get(12), t.final_state.regs.get(FLAGS)),
        (Some(38076), Some(19))
    );
    assert_eq!(t.final_state.ram, [(1075233, 1)]);
    assert_eq!(
        t.hash.as_deref(),
        Some("626be5084b331080eb08256c12a62d24afdf2a03")
    );
    assert_eq!((t.reg_masks.present, t.exception), (0, None));
}

#[test]
fn parses_a_real_8086_file() {
    let f = load("8086", "00.MOO.gz");
    assert_eq!((f.chip, f.tests.len()), (Chip::I808x, 500));
    let t = &f.tests[0];
    assert_eq!(
        (t.name.as_str(), t.bytes.as_slice()),
        ("add cl, ah", &[0x00, 0xE1][..])
    );
    assert_eq!(t.final_state.regs.get(2), Some(47835)); // cx
    assert_eq!(t.hash, None); // 8086 files carry no HASH chunk
    assert!(f.tests.iter().all(|t| t.initial.regs.present == 0x3FFF));
}

#[test]
fn exceptions_are_parsed() {
    let int3 = load("80286", "CC.MOO.gz");
    assert!(int3
        .tests
        .iter()
        .all(|t| t.exception.map(|e| e.number) == Some(3)));
    let div = load("80286", "F6.6.MOO.gz");
    let n = div
        .tests
        .iter()
        .filter(|t| t.exception.is_some_and(|e| e.number == 0))
        .count();
    assert!(n > 100 && n < 500, "{n} divide errors");
}

#[test]
fn metadata_gives_forms_statuses_and_flag_masks() {
    let meta = Metadata::load_dir(&sst_dir("80286")).unwrap();
    let f = load("80286", "8F.MOO.gz");
    let undefined = f
        .tests
        .iter()
        .filter(|t| meta.form(&t.bytes, f.chip, "8F").status == "undefined")
        .count();
    // The README: 5% of 8F tests have an invalid reg field.
    assert!(undefined > 5 && undefined < 60, "{undefined}");
    let idiv = load("80286", "F6.7.MOO.gz");
    let form = meta.form(&idiv.tests[0].bytes, idiv.chip, "F6.7");
    assert_eq!(
        (form.form.as_str(), form.status.as_str(), form.flags_mask),
        ("F6.7", "normal", 63274)
    );
    assert_eq!(
        meta.form(&[0x00, 0xC0], Chip::I286, "00").flags_mask,
        0xFFFF
    );
    assert!(Metadata::load_dir(&sst_dir("8086")).is_ok()); // no revocation list there
}

/// Puts the recorded final state into the CPU and memory: what a perfect CPU would leave.
fn perfect(t: &TestCase, rules: &RunRules) -> (cloister_cpu::Cpu, sst::TestBus) {
    let (mut cpu, mut bus) = sst::prepare(t, rules);
    for i in 0..14 {
        if let Some(v) = t.final_state.regs.get(i) {
            sst::set_reg16(&mut cpu, i, v);
        }
    }
    for &(a, v) in &t.final_state.ram {
        bus.write8(a, v);
    }
    (cpu, bus)
}

#[test]
fn judging_applies_the_masks_and_catches_real_differences() {
    let file = load("80286", "F6.6.MOO.gz");
    let meta = Metadata::load_dir(&sst_dir("80286")).unwrap();
    // A divide error with an odd SP, where EXCP's flag address is one byte low.
    let odd_sp = |t: &&TestCase| t.final_state.regs.get(8).is_some_and(|sp| sp & 1 == 1);
    let t = file
        .tests
        .iter()
        .filter(|t| t.exception.is_some())
        .find(odd_sp)
        .expect("a divide error");
    let form = meta.form(&t.bytes, file.chip, "F6.6");
    let rules = RunRules {
        model: CpuModel::I686,
        chip: Chip::I286,
        flags_mask: form.flags_mask & 0x0FFF,
    };
    let check = |cpu: &cloister_cpu::Cpu, bus: &sst::TestBus| sst::check(cpu, bus, t, &rules);

    let (cpu, bus) = perfect(t, &rules);
    assert_eq!(check(&cpu, &bus), []);

    // Undefined after DIV (AF) and the 286's top four bits: ignored. DF: compared.
    let (mut c, b) = perfect(t, &rules);
    c.set_eflags(c.eflags() ^ 0x10 ^ 0x4000);
    assert_eq!(check(&c, &b), []);
    c.set_eflags(c.eflags() ^ 0x400);
    assert!(matches!(
        check(&c, &b)[..],
        [Mismatch::Reg { name: "flags", .. }]
    ));

    // The FLAGS the exception pushed (at SS:SP+4 after it; EXCP gives that address rounded
    // down to even, the word the bus moved): same mask.
    let reg = |i| t.final_state.regs.get(i).or(t.initial.regs.get(i)).unwrap();
    let fa = ((reg(5) as u32) << 4) + reg(8).wrapping_add(4) as u32;
    assert_eq!(t.exception.unwrap().flag_address, fa - 1);
    let (c, mut b) = perfect(t, &rules);
    let lo = b.read8(fa);
    b.write8(fa, lo ^ 0x10);
    assert_eq!(check(&c, &b), []);
    let hi = b.read8(fa + 1);
    b.write8(fa + 1, hi ^ 0x04);
    assert!(matches!(check(&c, &b)[..], [Mismatch::Ram { .. }]));

    // A register's upper half, a listed RAM byte, a write nobody recorded.
    let (mut c, mut b) = perfect(t, &rules);
    c.gpr[3] |= 0x1_0000;
    b.write8(t.final_state.ram[0].0, !t.final_state.ram[0].1);
    b.write8(0xABCDE, 0x55);
    let m = check(&c, &b);
    assert!(
        matches!(
            m[..],
            [
                Mismatch::Reg { name: "bx", .. },
                Mismatch::Ram { .. },
                Mismatch::StrayWrite { addr: 0xABCDE, .. }
            ]
        ),
        "{m:?}"
    );
}

#[test]
fn revoked_and_skipped_forms_do_not_run() {
    // A folder holding a real file, a revocation list naming its first two tests, and
    // metadata calling its opcode undefined.
    let dir = std::env::temp_dir().join(format!("cloister-sst-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("00.MOO.gz");
    std::fs::copy(sst_dir("80286").join("00.MOO.gz"), &file).unwrap();
    let tests = load("80286", "00.MOO.gz").tests;
    let hashes = [0, 1].map(|i| tests[i].hash.clone().unwrap().to_uppercase());
    std::fs::write(
        dir.join("revocation_list.txt"),
        format!("# bad\n{}\n{}\n", hashes[0], hashes[1]),
    )
    .unwrap();
    let opts = RunOptions {
        limit: Some(10),
        ..RunOptions::default()
    };
    let r = sst::run_file(&file, &Metadata::load_dir(&dir).unwrap(), &opts).unwrap();
    assert_eq!((r.passed + r.failed(), r.skipped_count()), (8, 2));
    assert_eq!(r.skipped[0].reason, "revoked");

    std::fs::write(
        dir.join("metadata.json"),
        r#"{"opcodes": {"00": {"status": "undefined"}}}"#,
    )
    .unwrap();
    let meta = Metadata::load_dir(&dir).unwrap();
    let r = sst::run_file(&file, &meta, &opts).unwrap();
    assert_eq!((r.passed + r.failed(), r.skipped_count()), (0, 10));
    let all = RunOptions {
        all_forms: true,
        ..opts
    };
    let r = sst::run_file(&file, &meta, &all).unwrap();
    assert_eq!((r.passed + r.failed(), r.skipped_count()), (8, 2)); // revoked stays out
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dozen representative forms of each set: ALU, BCD, stack, string, control flow, interrupts,
/// shifts, multiply/divide, port input.
const SAMPLE: [&str; 14] = [
    "00", "01", "27", "3F", "50", "9D", "A4", "C3", "CD", "D3.4", "E5", "F6.6", "F7.5", "F7.7",
];
const PER_FILE: usize = 20;

fn sample(set: &str) -> (usize, usize) {
    sst::quiet_panics();
    let dir = sst_dir(set);
    let meta = Metadata::load_dir(&dir).unwrap();
    let opts = RunOptions {
        limit: Some(PER_FILE),
        ..RunOptions::default()
    };
    let (mut passed, mut ran) = (0, 0);
    for form in SAMPLE {
        let r = sst::run_file(&dir.join(format!("{form}.MOO.gz")), &meta, &opts).unwrap();
        for f in &r.failures {
            println!("{set} {form} #{} {}: {:?}", f.index, f.name, f.outcome);
        }
        passed += r.passed;
        ran += r.passed + r.failed();
    }
    println!("{set}: {passed}/{ran} passed");
    (passed, ran)
}

#[test]
fn sample_of_8086_tests_passes() {
    let (passed, ran) = sample("8086");
    assert_eq!(ran, SAMPLE.len() * PER_FILE);
    assert!(passed * 100 >= ran * 99, "{passed}/{ran}");
}

#[test]
fn sample_of_286_tests_passes() {
    let (passed, ran) = sample("80286");
    assert_eq!(ran, SAMPLE.len() * PER_FILE);
    assert!(passed * 100 >= ran * 99, "{passed}/{ran}");
}
