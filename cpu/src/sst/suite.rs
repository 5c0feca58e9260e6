//! Running whole files: which tests run (metadata status, revocations, limit), and the tally.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::Once;

use super::{load_file, run_test, Chip, Exception, Metadata, Outcome, RunRules, SstError};
use crate::CpuModel;

/// Opcode-form statuses not run unless asked: `prefix` forms have no tests of their own,
/// `undefined` forms have no behaviour worth matching, and `fpu` forms were recorded on a chip
/// without a coprocessor (an i686 has one built in).
pub const SKIPPED_STATUSES: [&str; 3] = ["prefix", "undefined", "fpu"];

/// How to run a set of files.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The CPU model; `None`: the 8086 model for 808x recordings, i686 otherwise.
    pub model: Option<CpuModel>,
    /// Run only the first `limit` tests of each file.
    pub limit: Option<usize>,
    /// Also run forms whose status is in [`SKIPPED_STATUSES`].
    pub all_forms: bool,
}

/// One failed test.
#[derive(Clone, Debug)]
pub struct TestFailure {
    pub index: usize,
    pub name: String,
    pub hash: Option<String>,
    /// The opcode form (e.g. `F6.7`) and its metadata status.
    pub form: String,
    pub status: String,
    /// The exception the chip took, when the recording says (286 data).
    pub exception: Option<Exception>,
    pub outcome: Outcome,
}

/// Tests not run for one reason: a metadata status (with the forms it hit) or `revoked`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skip {
    pub reason: String,
    pub forms: Vec<String>,
    pub count: usize,
}

/// The tally of one file.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    pub path: PathBuf,
    pub passed: usize,
    pub failures: Vec<TestFailure>,
    pub skipped: Vec<Skip>,
}

impl FileReport {
    pub fn failed(&self) -> usize {
        self.failures.len()
    }
    pub fn skipped_count(&self) -> usize {
        self.skipped.iter().map(|s| s.count).sum()
    }
    fn skip(&mut self, reason: &str, form: &str) {
        let i = match self.skipped.iter().position(|s| s.reason == reason) {
            Some(i) => i,
            None => {
                self.skipped.push(Skip {
                    reason: reason.to_owned(),
                    ..Skip::default()
                });
                self.skipped.len() - 1
            }
        };
        let s = &mut self.skipped[i];
        s.count += 1;
        if let Err(at) = s.forms.binary_search_by(|f| f.as_str().cmp(form)) {
            s.forms.insert(at, form.to_owned());
        }
    }
}

/// The file's opcode form from its name: `80.3.MOO.gz` → `80.3`.
pub fn file_form(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let mut stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    stem = stem
        .strip_suffix(".moo")
        .or_else(|| stem.strip_suffix(".json"))
        .unwrap_or(stem);
    name[..stem.len()].to_owned()
}

/// Loads and runs one file. `meta` is the metadata of the file's folder.
pub fn run_file(path: &Path, meta: &Metadata, opts: &RunOptions) -> Result<FileReport, SstError> {
    let file = load_file(path)?;
    let form_of_file = file_form(path);
    let model = opts.model.unwrap_or(match file.chip {
        Chip::I808x => CpuModel::I8086,
        Chip::I286 => CpuModel::I686,
    });
    // 286 real mode: the top four FLAGS bits read differently from later chips.
    let chip_flags_mask: u16 = if file.chip == Chip::I286 {
        0x0FFF
    } else {
        0xFFFF
    };
    let mut report = FileReport {
        path: path.to_owned(),
        ..FileReport::default()
    };
    for test in file.tests.iter().take(opts.limit.unwrap_or(usize::MAX)) {
        let form = meta.form(&test.bytes, file.chip, &form_of_file);
        if meta.is_revoked(test.hash.as_deref()) {
            report.skip("revoked", &form.form);
            continue;
        }
        if !opts.all_forms && SKIPPED_STATUSES.contains(&form.status.as_str()) {
            report.skip(&form.status, &form.form);
            continue;
        }
        let rules = RunRules {
            model,
            chip: file.chip,
            flags_mask: form.flags_mask & chip_flags_mask,
        };
        match run_test(test, &rules) {
            Outcome::Pass => report.passed += 1,
            outcome => report.failures.push(TestFailure {
                index: test.index,
                name: test.name.clone(),
                hash: test.hash.clone(),
                form: form.form,
                status: form.status,
                exception: test.exception,
                outcome,
            }),
        }
    }
    Ok(report)
}

fn is_test_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".moo", ".moo.gz", ".json", ".json.gz"]
        .iter()
        .any(|s| name.ends_with(s))
        && name != "metadata.json"
}

/// The test files named by `paths`: files as given, folders expanded to their test files
/// (sorted). With `filters`, only files whose form is a filter or starts with `filter.`
/// (`80` selects `80.0` … `80.7`), case-insensitively.
pub fn collect_files(paths: &[PathBuf], filters: &[String]) -> Result<Vec<PathBuf>, SstError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let io = |error| SstError::Io {
                path: p.clone(),
                error,
            };
            let mut found = Vec::new();
            for entry in std::fs::read_dir(p).map_err(io)? {
                let path = entry.map_err(io)?.path();
                if path.is_file() && is_test_file(&path) {
                    found.push(path);
                }
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(SstError::Io {
                path: p.clone(),
                error: std::io::ErrorKind::NotFound.into(),
            });
        }
    }
    if !filters.is_empty() {
        out.retain(|p| {
            let form = file_form(p).to_ascii_uppercase();
            filters
                .iter()
                .map(|f| f.to_ascii_uppercase())
                .any(|f| form == f || form.starts_with(&format!("{f}.")))
        });
    }
    Ok(out)
}

thread_local! {
    /// Where the last panic inside [`run_test`] on this thread happened (see [`quiet_panics`]).
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Whether this thread is inside [`run_test`], whose panics are caught and reported.
    static IN_TEST: Cell<bool> = const { Cell::new(false) };
}

/// Makes panics inside [`run_test`] silent (their location is kept for the report), so a run
/// over thousands of failing tests is not buried in messages. Other panics print as before.
pub fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TEST.get() {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LAST_PANIC.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, a test on the CPU, with its panics counted as inside a test.
pub(super) fn inside_test<T>(f: impl FnOnce() -> T) -> T {
    IN_TEST.set(true);
    let out = f();
    IN_TEST.set(false);
    out
}

/// A caught panic's message, with its location when [`quiet_panics`] recorded it.
pub(super) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    match LAST_PANIC.with(|p| p.borrow_mut().take()) {
        Some(at) => format!("{msg} (at {at})"),
        None => msg,
    }
}
