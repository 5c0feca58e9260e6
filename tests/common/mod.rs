//! Helpers for the end-to-end tests: build our test ROMs with NASM, run `cloister`, find the
//! machine's processes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `cloister` binary under test.
pub fn cloister() -> &'static str {
    env!("CARGO_BIN_EXE_cloister")
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The team's test data (../shared/testdata beside the repository).
pub fn testdata() -> PathBuf {
    repo().parent().unwrap().join("shared/testdata")
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Assembles tests/roms/NAME.asm into a ROM image.
pub fn rom(name: &str) -> PathBuf {
    let src = repo().join("tests/roms").join(format!("{name}.asm"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.rom"));
    let status = Command::new("nasm")
        .arg("-f")
        .arg("bin")
        .arg("-i")
        .arg(repo().join("tests/roms/"))
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("nasm is needed to build the test ROMs (apt-get install nasm, or run .ci/run)");
    assert!(status.success(), "nasm failed on {}", src.display());
    out
}

/// What a run gave.
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `cloister ARGS` to its end.
pub fn run(args: &[&str]) -> Run {
    let start = Instant::now();
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(cloister())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into(),
        stderr: String::from_utf8_lossy(&stderr).into(),
        elapsed: start.elapsed(),
    }
}

/// The children of `pid`: (pid, command line).
pub fn children(pid: u32) -> Vec<(u32, String)> {
    let out = Command::new("ps")
        .args(["--ppid", &pid.to_string(), "-o", "pid=,args="])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (pid, args) = l.split_once(' ')?;
            Some((pid.parse().ok()?, args.trim().to_owned()))
        })
        .collect()
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.split(' ').nth(2).is_some_and(|st| st == "Z"))
}

/// Waits until `cond` holds, at most `limit`.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}
