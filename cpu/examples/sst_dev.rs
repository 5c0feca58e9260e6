//! Developer driver for the SingleStepTests runner without the frontend:
//! `cargo run --release -p cloister-cpu --example sst_dev -- [--8086] [-v N] PATH...`
//! Prints `file passed/ran` for files with failures, the first N failures of each with -v,
//! and the totals.

use std::path::PathBuf;

use cloister_cpu::sst::{self, Metadata, Outcome, RunOptions};
use cloister_cpu::CpuModel;

fn main() {
    let mut model = None;
    let mut verbose = 0usize;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--8086" => model = Some(CpuModel::I8086),
            "-v" => verbose = args.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            _ => paths.push(PathBuf::from(a)),
        }
    }
    let files = sst::collect_files(&paths, &[]).expect("listing files");
    let opts = RunOptions {
        model,
        limit: None,
        // SST_ALL_FORMS=1 also runs the forms the metadata marks prefix, undefined or fpu.
        all_forms: std::env::var_os("SST_ALL_FORMS").is_some(),
    };
    sst::quiet_panics();
    let (mut passed, mut failed) = (0, 0);
    let mut meta: Option<(PathBuf, Metadata)> = None;
    for file in &files {
        let dir = file.parent().unwrap().to_owned();
        if meta.as_ref().map(|m| &m.0) != Some(&dir) {
            meta = Some((dir.clone(), Metadata::load_dir(&dir).expect("metadata")));
        }
        let report = sst::run_file(file, &meta.as_ref().unwrap().1, &opts).expect("run");
        if report.failed() > 0 {
            println!(
                "{}  {}/{}",
                file.display(),
                report.passed,
                report.passed + report.failed()
            );
            for f in report.failures.iter().take(verbose) {
                println!("  #{} {} ({})", f.index, f.name, f.status);
                match &f.outcome {
                    Outcome::Panicked(msg) => println!("      panicked: {msg}"),
                    Outcome::Fail(ms) => ms.iter().for_each(|m| println!("      {m}")),
                    Outcome::Pass => {}
                }
            }
        }
        passed += report.passed;
        failed += report.failed();
    }
    println!("{passed} passed, {failed} failed");
}
