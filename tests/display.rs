//! The display and input: `ctl screenshot` of graphics modes against the pictures our
//! PATTERN.COM draws, `ctl screen-text` / `sendkeys` / `pause` / `resume`, the terminal front
//! end driven through tmux, the window front end under Xvfb, and what an idle front end costs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A FreeDOS floppy copy with PATTERN.COM (tests/display/pattern.asm) on it.
fn floppy(dir: &Path) -> PathBuf {
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
struct Machine {
    child: Option<Child>,
    sock: PathBuf,
    dir: PathBuf,
}

impl Machine {
    /// `cloister run` on a fresh floppy with `extra` arguments; stdout and stderr to files;
    /// the debug port to the file `debugcon` of the machine's directory.
    fn start(name: &str, extra: &[&str], env: &[(&str, &str)]) -> Machine {
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

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    fn ctl(&self, args: &[&str]) -> Run {
        let mut all = vec!["ctl", "--control", self.sock.to_str().unwrap()];
        all.extend_from_slice(args);
        run(&all)
    }

    fn screen_text(&self) -> String {
        self.ctl(&["screen-text"]).stdout
    }

    fn wait_text(&self, text: &str, limit: Duration) {
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
    fn wait_prompt(&self) {
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
    fn screenshot(&self) -> Image {
        let file = self.dir.join("shot.png");
        let r = self.ctl(&["screenshot", file.to_str().unwrap()]);
        assert_eq!(r.status, Some(0), "ctl screenshot: {}", r.stderr);
        read_png(&file)
    }

    /// `ctl quit` and the exit status.
    fn quit(mut self) -> Option<i32> {
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
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

fn read_png(path: &Path) -> Image {
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

/// A 6-bit DAC value as 8 bits, as a VGA's DAC drives the monitor (the top bits repeated).
fn widen(v: u8) -> u8 {
    (v << 2) | (v >> 4)
}

/// What PATTERN.COM draws in mode 13h at (x, y), through the DAC it programs.
fn mode13_expected(x: usize, y: usize) -> [u8; 3] {
    let i = ((x + 3 * y) & 255) as u8;
    [
        widen(i >> 2),
        widen(i.wrapping_mul(5) & 63),
        widen((i >> 2) ^ 63),
    ]
}

/// The sixteen colours of the VGA BIOS's default 16-colour palette (6-bit).
const EGA: [[u8; 3]; 16] = [
    [0, 0, 0],
    [0, 0, 42],
    [0, 42, 0],
    [0, 42, 42],
    [42, 0, 0],
    [42, 0, 42],
    [42, 21, 0],
    [42, 42, 42],
    [21, 21, 21],
    [21, 21, 63],
    [21, 63, 21],
    [21, 63, 63],
    [63, 21, 21],
    [63, 21, 63],
    [63, 63, 21],
    [63, 63, 63],
];

/// What PATTERN.COM draws in mode 12h at (x, y).
fn mode12_expected(x: usize, y: usize) -> [u8; 3] {
    EGA[((x >> 3) + (y >> 3)) & 15].map(widen)
}

/// Pixels of `img` that differ from a `w`×`h` picture `want` (scaled by whole numbers to the
/// image), and the first of them.
fn mismatches(img: &Image, w: usize, h: usize, want: fn(usize, usize) -> [u8; 3]) -> String {
    if img.width / w * w != img.width || img.height / h * h != img.height {
        return format!(
            "size {}x{} is no multiple of {w}x{h}",
            img.width, img.height
        );
    }
    let (sx, sy) = (img.width / w, img.height / h);
    let mut bad = 0;
    let mut first = None;
    for y in 0..img.height {
        for x in 0..img.width {
            let (got, exp) = (img.at(x, y), want(x / sx, y / sy));
            if got != exp {
                bad += 1;
                first.get_or_insert((x, y, got, exp));
            }
        }
    }
    match first {
        None => String::new(),
        Some((x, y, got, exp)) => {
            format!("{bad} pixels differ; first at ({x},{y}): {got:?}, expected {exp:?}")
        }
    }
}

/// Takes screenshots until one shows the picture (the VGA renders on its own clock), at most
/// 10 s; the last difference otherwise.
fn wait_picture(m: &Machine, w: usize, h: usize, want: fn(usize, usize) -> [u8; 3]) -> String {
    let start = Instant::now();
    loop {
        let diff = mismatches(&m.screenshot(), w, h, want);
        if diff.is_empty() || start.elapsed() > Duration::from_secs(10) {
            return diff;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn debug_output(m: &Machine) -> String {
    std::fs::read_to_string(m.dir.join("debugcon")).unwrap_or_default()
}

#[test]
fn ctl_screenshots_of_mode_13h_and_mode_12h_match_the_guests_pictures() {
    for isolation in ["process", "inline"] {
        let m = Machine::start(
            &format!("pattern-{isolation}"),
            &[
                "--display",
                "none",
                "--isolation",
                isolation,
                "--keys",
                "{wait:A:\\>}pattern\\r",
            ],
            &[],
        );
        let up = wait_for(Duration::from_secs(60), || debug_output(&m).contains("P13"));
        assert!(
            up,
            "{isolation}: PATTERN.COM never drew mode 13h; screen:\n{}\nstderr:\n{}",
            m.screen_text(),
            m.stderr()
        );
        let diff = wait_picture(&m, 320, 200, mode13_expected);
        assert!(diff.is_empty(), "{isolation}: mode 13h: {diff}");

        let r = m.ctl(&["sendkeys", " "]);
        assert_eq!(r.status, Some(0), "sendkeys: {}", r.stderr);
        let up = wait_for(Duration::from_secs(30), || debug_output(&m).contains("P12"));
        assert!(
            up,
            "{isolation}: PATTERN.COM never drew mode 12h; stderr:\n{}",
            m.stderr()
        );
        let diff = wait_picture(&m, 640, 480, mode12_expected);
        assert!(diff.is_empty(), "{isolation}: mode 12h: {diff}");

        m.ctl(&["sendkeys", " "]);
        assert!(wait_for(Duration::from_secs(30), || debug_output(&m).contains("P03")));
        assert_eq!(m.quit(), Some(0));
        eprintln!("{isolation}: mode 13h and mode 12h screenshots match");
    }
}

/// The instruction count `ctl status` reports.
fn instructions(m: &Machine) -> u64 {
    let r = m.ctl(&["status"]);
    assert_eq!(r.status, Some(0), "ctl status: {}", r.stderr);
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("instructions: "))
        .and_then(|l| l.split(';').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in:\n{}", r.stdout))
}

#[test]
fn ctl_reads_the_screen_types_pauses_resumes_and_run_saves_a_screenshot_on_exit() {
    for isolation in ["process", "inline"] {
        let name = format!("ctl-{isolation}");
        let exit_png = scratch(&format!("{name}-out")).join("exit.png");
        let m = Machine::start(
            &name,
            &[
                "--display",
                "none",
                "--isolation",
                isolation,
                "--screenshot-on-exit",
                exit_png.to_str().unwrap(),
            ],
            &[],
        );
        m.wait_prompt();
        let r = m.ctl(&["sendkeys", "ver\\r"]);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        m.wait_text("FreeCom version", Duration::from_secs(30));

        let bad = m.ctl(&["sendkeys", "{nope}"]);
        assert_eq!(bad.status, Some(1));
        assert!(bad.stderr.contains("unknown command"), "{}", bad.stderr);

        let r = m.ctl(&["pause"]);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        let a = instructions(&m);
        std::thread::sleep(Duration::from_millis(300));
        let b = instructions(&m);
        assert_eq!(a, b, "{isolation}: the CPU ran while paused");
        let r = m.ctl(&["resume"]);
        assert_eq!(r.status, Some(0), "{}", r.stderr);
        assert!(
            wait_for(Duration::from_secs(10), || instructions(&m) > b),
            "{isolation}: the CPU did not run again after resume"
        );

        let before = m.screenshot();
        assert_eq!((before.width, before.height), (720, 400), "text mode 3");
        assert_eq!(m.quit(), Some(0));
        let after = read_png(&exit_png);
        assert_eq!((after.width, after.height), (720, 400));
        // Only the blinking cursor may differ (one 9×16 cell).
        let differ = (0..400)
            .flat_map(|y| (0..720).map(move |x| (x, y)))
            .filter(|&(x, y)| before.at(x, y) != after.at(x, y))
            .count();
        assert!(
            differ <= 9 * 16,
            "{isolation}: exit screenshot differs in {differ} pixels"
        );
        let lit = (0..400)
            .flat_map(|y| (0..720).map(move |x| (x, y)))
            .filter(|&(x, y)| after.at(x, y) != [0, 0, 0])
            .count();
        assert!(
            lit > 1000,
            "the exit screenshot shows the prompt, not a blank screen"
        );
    }
}

#[test]
fn window_without_a_display_server_is_a_clear_error() {
    for display in [None, Some(":97")] {
        let mut cmd = Command::new(cloister());
        cmd.args(["run", "--display", "window", "--timeout", "5"])
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY");
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("--display window needs a display server"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // And the terminal front end with no terminal.
    let r = run(&["run", "--display", "term", "--timeout", "5"]);
    assert_eq!(r.status, Some(1));
    assert!(r.stderr.contains("needs a terminal"), "{}", r.stderr);
}

/// A private tmux server for one test.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str, cols: u16, rows: u16, command: &str) -> Tmux {
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

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into()
    }

    fn send(&self, keys: &[&str]) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn wait(&self, text: &str, limit: Duration) {
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
fn term_command(dir: &Path, img: &Path, extra: &str) -> String {
    format!(
        "{} run --display term --timeout 120 --fda {} --control {} {extra}; echo EXITED $?; \
         stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 60",
        cloister(),
        img.display(),
        dir.join("ctl.sock").display()
    )
}

#[test]
fn term_display_in_tmux_shows_the_prompt_and_runs_typed_commands() {
    for isolation in ["process", "inline"] {
        let dir = scratch(&format!("display-term-{isolation}"));
        let img = floppy(&dir);
        let t = Tmux::new(
            &format!("term-{isolation}"),
            100,
            30,
            &term_command(
                &dir,
                &img,
                &format!(
                    "--isolation {isolation} --debugcon file:{}",
                    dir.join("debugcon").display()
                ),
            ),
        );
        t.wait("A:\\>", Duration::from_secs(60));
        let ctl = Machine {
            child: None,
            sock: dir.join("ctl.sock"),
            dir: dir.clone(),
        };
        ctl.wait_prompt();
        // The status line fits below the 25 text rows.
        t.wait("Ctrl-] then: q quit", Duration::from_secs(5));
        t.send(&["ver", "Enter"]);
        t.wait("FreeCom version", Duration::from_secs(30));
        t.send(&["echo Hello, World!", "Enter"]);
        t.wait("\nHello, World!", Duration::from_secs(30));
        // Graphics modes as half blocks: PATTERN.COM's mode 13h, then its mode 12h.
        t.send(&["pattern", "Enter"]);
        t.wait("▀▀▀▀▀▀▀▀", Duration::from_secs(30));
        t.send(&["Space"]);
        assert!(wait_for(Duration::from_secs(30), || {
            std::fs::read_to_string(dir.join("debugcon")).is_ok_and(|d| d.contains("P12"))
        }));
        t.send(&["Space"]);
        ctl.wait_prompt();
        // Process mode: Ctrl-] q quits. Inline: SIGTERM. Either way the terminal is put back
        // (main screen, canonical mode) for the shell.
        let want = if isolation == "process" {
            t.send(&["C-]", "q"]);
            "EXITED 0"
        } else {
            let pid = supervisor_pid(&ctl);
            assert!(Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .unwrap()
                .success());
            "EXITED 143"
        };
        t.wait(want, Duration::from_secs(20));
        t.wait("\nicanon", Duration::from_secs(5));
        let screen = t.capture();
        assert!(
            !screen.contains("FreeCom version") && !screen.contains("-icanon"),
            "{isolation}: the terminal was not put back:\n{screen}"
        );
        eprintln!("{isolation}: term front end ok");
    }
}

/// An Xvfb server for one test; `None` (with the reason printed) if Xvfb is not installed.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Option<Xvfb> {
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
    fn screenshot(&self, path: &Path) -> Image {
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
fn xdotool(x: &Xvfb, args: &[&str]) -> bool {
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
fn find(big: &Image, small: &Image) -> Option<(usize, usize)> {
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

#[test]
fn window_display_under_xvfb_shows_the_prompt() {
    let Some(x) = Xvfb::start() else { return };
    for isolation in ["process", "inline"] {
        let m = Machine::start(
            &format!("window-{isolation}"),
            // Inline mode is also left to choose: with a display server, a window.
            &if isolation == "process" {
                vec!["--display", "window", "--isolation", isolation]
            } else {
                vec!["--isolation", isolation]
            },
            &[("DISPLAY", x.display.as_str())],
        );
        m.wait_prompt();
        // Keys typed into the window (X events, as a user's) reach the guest, Shift included.
        if xdotool(
            &x,
            &[
                "search",
                "--sync",
                "--name",
                "^Cloister",
                "windowfocus",
                "--sync",
            ],
        ) {
            assert!(xdotool(&x, &["type", "--delay", "40", "echo Typed In X"]));
            assert!(xdotool(&x, &["key", "--delay", "40", "Return"]));
            m.wait_text("\nTyped In X", Duration::from_secs(30));
            // Right Ctrl alone releases the keyboard (the title says so): keys stay with the
            // host until it is pressed again.
            assert!(xdotool(&x, &["key", "Control_R"]));
            assert!(wait_for(Duration::from_secs(5), || window_title(&x)
                .contains("keyboard released")));
            assert!(xdotool(&x, &["type", "--delay", "40", "zzz"]));
            assert!(xdotool(&x, &["key", "Control_R"]));
            assert!(wait_for(Duration::from_secs(5), || window_title(&x)
                .contains("keyboard grabbed")));
            assert!(xdotool(&x, &["type", "--delay", "40", "echo grabbed"]));
            assert!(xdotool(&x, &["key", "Return"]));
            m.wait_text("\ngrabbed", Duration::from_secs(30));
            assert!(!m.screen_text().contains("zzz"), "{}", m.screen_text());
        } else {
            eprintln!("xdotool is not installed: keys go through ctl sendkeys instead");
        }
        let r = m.ctl(&["sendkeys", "ver\\r"]);
        assert_eq!(r.status, Some(0));
        m.wait_text("FreeCom version", Duration::from_secs(30));
        let mut shown = None;
        let found = wait_for(Duration::from_secs(10), || {
            let fb = m.screenshot();
            let root = x.screenshot(&m.dir.join("root.png"));
            shown = find(&root, &fb);
            shown.is_some()
        });
        assert!(
            found,
            "{isolation}: the X screen does not show the machine's picture (see {})",
            m.dir.join("root.png").display()
        );
        eprintln!("{isolation}: the window shows the prompt at {shown:?} of the X screen");
        // Right Ctrl + Q quits.
        if xdotool(&x, &["key", "Control_R+q"]) {
            let mut m = m;
            let mut child = m.child.take().unwrap();
            let ended = wait_for(Duration::from_secs(20), || {
                child.try_wait().unwrap().is_some()
            });
            assert!(ended, "Right Ctrl+Q did not end the machine");
            assert_eq!(child.wait().unwrap().code(), Some(0));
        } else {
            assert_eq!(m.quit(), Some(0));
        }
    }
}

/// The title of the machine's window.
fn window_title(x: &Xvfb) -> String {
    let out = Command::new("xdotool")
        .args(["search", "--name", "^Cloister", "getwindowname"])
        .env("DISPLAY", &x.display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into()
}

/// User plus system CPU time of a process or thread so far, from /proc.
fn cpu_time(stat: &Path) -> Duration {
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
fn supervisor_pid(m: &Machine) -> u32 {
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

/// The supervisor's front-end thread (`cloister-window` / `cloister-term`), and the display
/// device process, of the machine behind `m`'s control socket.
fn display_stats(m: &Machine) -> (PathBuf, PathBuf) {
    let status = m.ctl(&["status"]).stdout;
    let pid = |name: &str| -> u32 {
        status
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{status}"))
    };
    let supervisor = supervisor_pid(m);
    let thread = std::fs::read_dir(format!("/proc/{supervisor}/task"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| {
            std::fs::read_to_string(e.path().join("comm"))
                .is_ok_and(|c| c.trim().starts_with("cloister-"))
        })
        .expect("the supervisor has a front-end thread")
        .path()
        .join("stat");
    (
        thread,
        PathBuf::from(format!("/proc/{}/stat", pid("display"))),
    )
}

#[test]
fn an_idle_screen_costs_under_5_percent_of_a_core() {
    let x = Xvfb::start();
    let mut machines = Vec::new();
    if let Some(x) = &x {
        let m = Machine::start(
            "cost-window",
            &["--display", "window"],
            &[("DISPLAY", x.display.as_str())],
        );
        machines.push(("window", m, None));
    }
    // The terminal machine runs inside tmux; its control socket is in its own directory.
    let dir = scratch("display-cost-term");
    let img = floppy(&dir);
    let t = Tmux::new("cost", 100, 30, &term_command(&dir, &img, ""));
    let term = Machine {
        child: None,
        sock: dir.join("ctl.sock"),
        dir: dir.clone(),
    };
    assert!(wait_for(Duration::from_secs(20), || term.sock.exists()));
    machines.push(("term", term, Some(t)));
    for (_, m, _) in &machines {
        m.wait_prompt();
    }
    std::thread::sleep(Duration::from_secs(1));
    let span = Duration::from_secs(10);
    let before: Vec<_> = machines
        .iter()
        .map(|(_, m, _)| {
            let (t, d) = display_stats(m);
            (cpu_time(&t), cpu_time(&d), t, d)
        })
        .collect();
    std::thread::sleep(span);
    for ((name, _, _), (t0, d0, t, d)) in machines.iter().zip(before) {
        let front = (cpu_time(&t) - t0).as_secs_f64() / span.as_secs_f64() * 100.0;
        let device = (cpu_time(&d) - d0).as_secs_f64() / span.as_secs_f64() * 100.0;
        eprintln!(
            "idle DOS prompt, {} s: {name} front end {front:.2}% of a core; display device process {device:.2}%",
            span.as_secs()
        );
        assert!(front <= 5.0, "{name} front end: {front:.2}% of a core");
        assert!(
            device <= 5.0,
            "display device process: {device:.2}% of a core"
        );
    }
    for (_, m, t) in machines {
        if t.is_some() {
            m.ctl(&["quit"]);
        } else {
            assert_eq!(m.quit(), Some(0));
        }
    }
}
