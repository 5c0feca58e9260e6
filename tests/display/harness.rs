//! What the display tests drive: a machine behind its control socket, PNG pictures, a private
//! tmux server, an Xvfb server, and /proc readings.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::common::*;

/// A FreeDOS floppy copy with PATTERN.COM (tests/display/pattern.asm) on it.
pub fn floppy(dir: &Path) -> PathBuf {
    let com = dir.join("pattern.com");
    let st = Command::new("nasm")
        .args(["-f", "bin", "-o"])
        .arg(&com)
        .arg(repo().join("tests/display/pattern.asm"))
        .status()
        .expect("nasm is needed (apt-get install nasm)");
    assert!(st.success(), "nasm failed on pattern.asm");
    let img = dir.join("freedos.img");
    std::fs::copy(testdata().join("images/freedos-boot-1.4MB.img"), &img).unwrap();
    let mut perm = std::fs::metadata(&img).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&img, perm).unwrap();
    let st = Command::new("mcopy")
        .arg("-i")
        .arg(&img)
        .arg(&com)
        .arg("::PATTERN.COM")
        .status()
        .expect("mtools is needed (apt-get install mtools)");
    assert!(st.success());
    img
}

/// A machine running in the background, driven through its control socket.
pub struct Machine {
    pub child: Option<Child>,
    pub sock: PathBuf,
    pub dir: PathBuf,
}

impl Machine {
    /// `cloister run` on a fresh floppy with `extra` arguments; stdout and stderr to files;
    /// the debug port to the file `debugcon` of the machine's directory.
    pub fn start(name: &str, extra: &[&str], env: &[(&str, &str)]) -> Machine {
        let dir = scratch(&format!("display-{name}"));
        let debugcon = format!("file:{}", dir.join("debugcon").display());
        let img = floppy(&dir);
        let sock = dir.join("ctl.sock");
        let mut cmd = Command::new(cloister());
        cmd.args(["run", "--timeout", "180", "--fda"])
            .arg(&img)
            .arg("--control")
            .arg(&sock)
            .args(["--debugcon", &debugcon])
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap());
        let child = cmd.spawn().unwrap();
        let m = Machine {
            child: Some(child),
            sock,
            dir,
        };
        assert!(
            wait_for(Duration::from_secs(20), || m.sock.exists()),
            "no control socket; stderr:\n{}",
            m.stderr()
        );
        m
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    pub fn ctl(&self, args: &[&str]) -> Run {
        let mut all = vec!["ctl", "--control", self.sock.to_str().unwrap()];
        all.extend_from_slice(args);
        run(&all)
    }

    pub fn screen_text(&self) -> String {
        self.ctl(&["screen-text"]).stdout
    }

    pub fn wait_text(&self, text: &str, limit: Duration) {
        let found = wait_for(limit, || self.screen_text().contains(text));
        assert!(
            found,
            "{text:?} never appeared; screen:\n{}\nstderr:\n{}",
            self.screen_text(),
            self.stderr()
        );
    }

    /// Waits until DOS sits at its prompt: the screen's last line is `A:\>` twice, 300 ms
    /// apart (AUTOEXEC.BAT clears the screen after showing a prompt or two).
    pub fn wait_prompt(&self) {
        let at_prompt = || {
            let text = self.screen_text();
            text.lines().rev().find(|l| !l.trim().is_empty()) == Some("A:\\>")
        };
        let found = wait_for(Duration::from_secs(60), || {
            at_prompt() && {
                std::thread::sleep(Duration::from_millis(300));
                at_prompt()
            }
        });
        assert!(
            found,
            "DOS never settled at its prompt; screen:\n{}\nstderr:\n{}",
            self.screen_text(),
            self.stderr()
        );
    }

    /// `ctl screenshot`, decoded.
    pub fn screenshot(&self) -> Image {
        let file = self.dir.join("shot.png");
        let r = self.ctl(&["screenshot", file.to_str().unwrap()]);
        assert_eq!(r.status, Some(0), "ctl screenshot: {}", r.stderr);
        read_png(&file)
    }

    /// `ctl quit` and the exit status.
    pub fn quit(mut self) -> Option<i32> {
        let r = self.ctl(&["quit"]);
        assert_eq!(r.status, Some(0), "ctl quit: {}", r.stderr);
        self.child.take().unwrap().wait().unwrap().code()
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// An RGB picture.
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Image {
    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

pub fn read_png(path: &Path) -> Image {
    let bytes = std::fs::read(path).unwrap();
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for px in buf[..w * h * channels].chunks(channels) {
        match channels {
            1 | 2 => rgb.extend_from_slice(&[px[0], px[0], px[0]]),
            _ => rgb.extend_from_slice(&px[..3]),
        }
    }
    Image {
        width: w,
        height: h,
        rgb,
    }
}

/// A private tmux server for one test.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn new(name: &str, cols: u16, rows: u16, command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("cloister-{name}-{}", std::process::id()),
        };
        let st = t
            .cmd()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .arg(command)
            .status()
            .expect("tmux is needed (apt-get install tmux)");
        assert!(st.success());
        t
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    pub fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into()
    }

    pub fn send(&self, keys: &[&str]) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Types `text` as it is (no key names).
    pub fn send_literal(&self, text: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    pub fn wait(&self, text: &str, limit: Duration) {
        assert!(
            wait_for(limit, || self.capture().contains(text)),
            "{text:?} never appeared in the terminal:\n{}",
            self.capture()
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// The shell command that runs cloister in a terminal, then reports its status and lingers.
pub fn term_command(dir: &Path, img: &Path, extra: &str) -> String {
    format!(
        "{} run --display term --timeout 120 --fda {} --control {} {extra}; echo EXITED $?; \
         stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 60",
        cloister(),
        img.display(),
        dir.join("ctl.sock").display()
    )
}

/// An Xvfb server for one test; `None` (with the reason printed) if Xvfb is not installed.
pub struct Xvfb {
    pub child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Option<Xvfb> {
        use std::io::BufRead;
        let spawned = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1024x768x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                eprintln!("SKIPPED: Xvfb is not installed ({e}); apt-get install xvfb x11-apps imagemagick");
                return None;
            }
        };
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let n: u32 = line
            .trim()
            .parse()
            .expect("Xvfb printed its display number");
        Some(Xvfb {
            child,
            display: format!(":{n}"),
        })
    }

    /// The whole screen, from the X server.
    pub fn screenshot(&self, path: &Path) -> Image {
        let st = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(format!("png:{}", path.display()))
            .status()
            .expect("ImageMagick's import is needed (apt-get install imagemagick)");
        assert!(st.success(), "import failed");
        read_png(path)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs xdotool on the Xvfb display; false if it is not installed.
pub fn xdotool(x: &Xvfb, args: &[&str]) -> bool {
    match Command::new("xdotool")
        .args(args)
        .env("DISPLAY", &x.display)
        .status()
    {
        Ok(st) => {
            assert!(st.success(), "xdotool {args:?} failed");
            true
        }
        Err(_) => false,
    }
}

/// Where `small` appears in `big` (pixel for pixel, but for at most 2% of its lit pixels, so
/// that a cursor blinking between the two captures does not matter), if it does.
pub fn find(big: &Image, small: &Image) -> Option<(usize, usize)> {
    let lit: Vec<(usize, usize)> = (0..small.height)
        .flat_map(|y| (0..small.width).map(move |x| (x, y)))
        .filter(|&(x, y)| small.at(x, y) != [0, 0, 0])
        .collect();
    assert!(lit.len() > 1000, "the picture to look for is nearly blank");
    let allowed = lit.len() / 50;
    for oy in 0..=big.height.saturating_sub(small.height) {
        for ox in 0..=big.width.saturating_sub(small.width) {
            let mut bad = 0;
            for &(x, y) in &lit {
                if big.at(ox + x, oy + y) != small.at(x, y) {
                    bad += 1;
                    if bad > allowed {
                        break;
                    }
                }
            }
            if bad <= allowed {
                return Some((ox, oy));
            }
        }
    }
    None
}

/// The title of the machine's window.
pub fn window_title(x: &Xvfb) -> String {
    let out = Command::new("xdotool")
        .args(["search", "--name", "^Cloister", "getwindowname"])
        .env("DISPLAY", &x.display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into()
}

/// User plus system CPU time of a process or thread so far, from /proc.
pub fn cpu_time(stat: &Path) -> Duration {
    let s = std::fs::read_to_string(stat).unwrap();
    let after = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<u64> = after
        .split(' ')
        .skip(11)
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let out = Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let hz: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    Duration::from_millis((f[0] + f[1]) * 1000 / hz)
}

/// The pid of the process (the supervisor) behind `m`'s control socket: the CPU's parent.
pub fn supervisor_pid(m: &Machine) -> u32 {
    let status = m.ctl(&["status"]).stdout;
    let cpu: u32 = status
        .lines()
        .find(|l| l.split_whitespace().next() == Some("cpu"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no cpu in:\n{status}"));
    let stat = std::fs::read_to_string(format!("/proc/{cpu}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The pid of a process of the machine behind `m`'s control socket, by its `ctl status` name.
pub fn process_pid(m: &Machine, name: &str) -> u32 {
    let status = m.ctl(&["status"]).stdout;
    status
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{status}"))
}

/// The names of a process's threads.
pub fn threads(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .map(|c| c.trim().to_owned())
        .collect()
}

/// How often a thread has given up the CPU of its own accord so far (each sleep is one).
pub fn voluntary_switches(pid: u32, tid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("voluntary_ctxt_switches in /proc status")
}

/// Sends a signal to a process with kill(1).
pub fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill -{sig} {pid}");
}

/// Waits until the FreeDOS floppy sits at a fresh prompt: its AUTOEXEC.BAT ends with CLS, so
/// the screen then holds the prompt alone. (Keys typed before that may go to AUTOEXEC.BAT's
/// commands or to a screen about to be cleared.)
pub fn wait_fresh_prompt(m: &Machine, limit: Duration) {
    let fresh = || {
        let text = m.screen_text();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines == ["A:\\>"]
    };
    assert!(
        wait_for(limit, fresh),
        "DOS never came to a fresh prompt; screen:\n{}\nstderr:\n{}",
        m.screen_text(),
        m.stderr()
    );
}

/// The last line of the guest's screen that is not blank.
pub fn last_line(m: &Machine) -> String {
    let text = m.screen_text();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_end()
        .to_owned()
}
