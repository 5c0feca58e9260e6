//! `cloister sst`: runs SingleStepTests files through the CPU and prints a tally per file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use cloister_cpu::sst::{self, Metadata, Outcome, RunOptions};
use cloister_cpu::CpuModel;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Model {
    I686,
    #[value(name = "8086")]
    I8086,
}

/// How results are judged and what the exit status means; shown by `--help` (the one-line
/// summary comes from the subcommand list in main.rs).
const AFTER_HELP: &str = "\
Each folder's metadata.json masks the flags an opcode form leaves undefined (in FLAGS and in the
FLAGS an exception pushes) and marks the forms skipped unless --all-forms is given (prefix,
undefined, fpu); its revocation_list.txt excludes known-bad tests. 286 recordings end at the HLT
after the instruction and ignore the top four FLAGS bits; 8086 recordings run one instruction.

Output: one line per file (`80.3.MOO.gz  498/500`), then `N passed, M failed[, K skipped]`.

Exit status: 0 when every test that ran passed; 1 when any failed or a file could not be read;
2 on bad arguments.";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SstArgs {
    /// CPU model [default: 8086 for 8086/8088 recordings, i686 otherwise]
    #[arg(long, value_enum)]
    model: Option<Model>,
    /// Show each failing test: index, name, the registers and RAM bytes that differ
    #[arg(long, short)]
    verbose: bool,
    /// Run only the first N tests of each file
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Only files of these opcode forms (`80` also selects 80.0 … 80.7); repeat or comma-separate
    #[arg(long, value_name = "OPCODE", value_delimiter = ',', num_args = 1)]
    filter: Vec<String>,
    /// Also run the forms the metadata marks prefix, undefined or fpu
    #[arg(long)]
    all_forms: bool,
    /// Test files, or folders of them (*.MOO, *.MOO.gz, *.json, *.json.gz)
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: SstArgs) -> anyhow::Result<()> {
    let files = sst::collect_files(&args.paths, &args.filter).context("listing test files")?;
    anyhow::ensure!(!files.is_empty(), "no test files matched");
    let opts = RunOptions {
        model: args.model.map(|m| match m {
            Model::I686 => CpuModel::I686,
            Model::I8086 => CpuModel::I8086,
        }),
        limit: args.limit,
        all_forms: args.all_forms,
    };
    sst::quiet_panics();
    let mut metas: HashMap<PathBuf, Metadata> = HashMap::new();
    let (mut passed, mut failed, mut skipped, mut unreadable) = (0, 0, 0, 0);
    let width = files
        .iter()
        .map(|f| display_name(f).len())
        .max()
        .unwrap_or(0);
    for file in &files {
        let dir = file.parent().unwrap_or(Path::new(".")).to_owned();
        if !metas.contains_key(&dir) {
            let m = Metadata::load_dir(&dir)
                .with_context(|| format!("reading the metadata of {}", dir.display()))?;
            metas.insert(dir.clone(), m);
        }
        let report = match sst::run_file(file, &metas[&dir], &opts) {
            Ok(r) => r,
            Err(e) => {
                // A broken file counts against the run but does not stop it.
                println!("{:width$}  error: {e}", display_name(file));
                unreadable += 1;
                continue;
            }
        };
        let ran = report.passed + report.failed();
        let mut line = format!("{:width$}  {}/{}", display_name(file), report.passed, ran);
        if report.skipped_count() > 0 {
            let why: Vec<_> = report
                .skipped
                .iter()
                .map(|s| format!("{} {}: {}", s.count, s.reason, s.forms.join(" ")))
                .collect();
            line += &format!("  (skipped {})", why.join("; "));
        }
        println!("{line}");
        if args.verbose {
            print_failures(&report);
        }
        passed += report.passed;
        failed += report.failed();
        skipped += report.skipped_count();
    }
    let mut last = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        last += &format!(", {skipped} skipped");
    }
    println!("{last}");
    if unreadable > 0 {
        eprintln!("{unreadable} file(s) could not be read");
    }
    if failed > 0 || unreadable > 0 {
        std::process::exit(1);
    }
    Ok(())
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Mismatches shown per failing test; a CPU that ran away can leave hundreds of stray writes.
const MAX_SHOWN: usize = 12;

fn print_failures(report: &sst::FileReport) {
    for f in &report.failures {
        let hash = f
            .hash
            .as_deref()
            .map(|h| format!(" [{h}]"))
            .unwrap_or_default();
        let exc = f
            .exception
            .map(|e| format!(", recorded exception {}", e.number))
            .unwrap_or_default();
        println!(
            "  #{} {} ({} {}{exc}){hash}",
            f.index, f.name, f.form, f.status
        );
        match &f.outcome {
            Outcome::Panicked(msg) => println!("      panicked: {msg}"),
            Outcome::Fail(mismatches) => {
                mismatches
                    .iter()
                    .take(MAX_SHOWN)
                    .for_each(|m| println!("      {m}"));
                if mismatches.len() > MAX_SHOWN {
                    println!("      ... and {} more", mismatches.len() - MAX_SHOWN);
                }
            }
            Outcome::Pass => {}
        }
    }
}
