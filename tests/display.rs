//! The display and input: `ctl screenshot` of graphics modes against the pictures our
//! PATTERN.COM draws, `ctl screen-text` / `sendkeys` / `pause` / `resume`, the terminal front
//! end driven through tmux, the window front end under Xvfb, and what an idle front end costs.

mod common;
#[path = "display/harness.rs"]
mod harness;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use harness::*;

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
        assert!(m.ctl(&["status"]).stdout.contains("cpu: paused"));
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
        assert!(m.ctl(&["status"]).stdout.contains("cpu: running"));

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

/// Types `text` into the terminal, waits until the guest echoed all of it on its command line,
/// then presses Enter: every key must arrive, and none is typed before DOS took the ones before
/// (a burst larger than the keyboard's buffers, typed while a loaded host starves the guest,
/// loses keys on a real PC too).
fn type_command(t: &Tmux, ctl: &Machine, text: &str) {
    t.send_literal(text);
    let echoed = wait_for(Duration::from_secs(30), || last_line(ctl).ends_with(text));
    assert!(
        echoed,
        "{text:?} was not echoed; screen:\n{}",
        ctl.screen_text()
    );
    t.send(&["Enter"]);
}

/// A machine in a tmux pane showing it with `--display term`, and its control socket, once
/// DOS sits at a fresh prompt and the pane shows it.
fn term_machine(name: &str, extra: &str) -> (Tmux, Machine) {
    let dir = scratch(&format!("display-{name}"));
    let img = floppy(&dir);
    let extra = format!("{extra} --debugcon file:{}", dir.join("debugcon").display());
    let t = Tmux::new(name, 100, 30, &term_command(&dir, &img, &extra));
    let ctl = Machine {
        child: None,
        sock: dir.join("ctl.sock"),
        dir,
    };
    assert!(
        wait_for(Duration::from_secs(20), || ctl.sock.exists()),
        "no control socket; the terminal shows:\n{}",
        t.capture()
    );
    wait_fresh_prompt(&ctl, Duration::from_secs(60));
    t.wait("A:\\>", Duration::from_secs(10));
    (t, ctl)
}

#[test]
fn term_display_in_tmux_shows_the_prompt_and_runs_typed_commands() {
    for isolation in ["process", "inline"] {
        let (t, ctl) = term_machine(
            &format!("term-{isolation}"),
            &format!("--isolation {isolation}"),
        );
        // The status line fits below the 25 text rows.
        t.wait("Ctrl-] then: q quit", Duration::from_secs(5));
        type_command(&t, &ctl, "ver");
        t.wait("FreeCom version", Duration::from_secs(30));
        type_command(&t, &ctl, "echo Hello, World!");
        t.wait("\nHello, World!", Duration::from_secs(30));
        // F3 (DOS: repeat the last command) straight from the terminal.
        t.send(&["F3"]);
        assert!(
            wait_for(Duration::from_secs(30), || last_line(&ctl)
                .ends_with("echo Hello, World!")),
            "F3 did not bring the command back:\n{}",
            ctl.screen_text()
        );
        t.send(&["Enter"]);
        assert!(
            wait_for(Duration::from_secs(30), || t
                .capture()
                .matches("\nHello, World!")
                .count()
                >= 2),
            "F3 did not repeat the command:\n{}",
            t.capture()
        );
        if isolation == "process" {
            // Ctrl-] d: Ctrl-Alt-Del, which a terminal cannot send; the machine restarts.
            t.send(&["C-]", "d"]);
            ctl.wait_text("Cloister BIOS", Duration::from_secs(30));
            wait_fresh_prompt(&ctl, Duration::from_secs(60));
        }
        // Graphics modes as half blocks: PATTERN.COM's mode 13h, then its mode 12h.
        type_command(&t, &ctl, "pattern");
        t.wait("▀▀▀▀▀▀▀▀", Duration::from_secs(30));
        t.send(&["Space"]);
        assert!(wait_for(Duration::from_secs(30), || {
            debug_output(&ctl).contains("P12")
        }));
        t.send(&["Space"]);
        assert!(wait_for(Duration::from_secs(30), || {
            debug_output(&ctl).contains("P03")
        }));
        ctl.wait_prompt();
        // Process mode: Ctrl-] q quits. Inline: SIGTERM. Either way the terminal is put back
        // (main screen, canonical mode) for the shell.
        let want = if isolation == "process" {
            t.send(&["C-]", "q"]);
            "EXITED 0"
        } else {
            signal(supervisor_pid(&ctl), "TERM");
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

#[test]
fn the_display_process_draws_and_reads_the_terminal_and_its_death_is_reported() {
    for isolation in ["process", "inline"] {
        let (t, ctl) = term_machine(
            &format!("owner-{isolation}"),
            &format!("--isolation {isolation}"),
        );
        let display = process_pid(&ctl, "display");
        // The supervisor has no front-end thread; the display process has its ring thread.
        assert_eq!(threads(supervisor_pid(&ctl)), ["cloister"]);
        assert!(threads(display).contains(&"display-ring".to_owned()));

        // Stopped, the display process neither draws nor reads keys: the guest still runs what
        // ctl types, but the terminal does not show it, and keys typed there wait.
        signal(display, "STOP");
        assert_eq!(ctl.ctl(&["sendkeys", "echo via ctl\\r"]).status, Some(0));
        ctl.wait_text("\nvia ctl", Duration::from_secs(30));
        t.send_literal("echo typed");
        t.send(&["Enter"]);
        // A running front end would have drawn within 15 ms and typed within a second.
        std::thread::sleep(Duration::from_secs(2));
        let (pane, guest) = (t.capture(), ctl.screen_text());
        signal(display, "CONT");
        assert!(
            !pane.contains("via ctl"),
            "{isolation}: drawn while stopped:\n{pane}"
        );
        assert!(
            !guest.contains("typed"),
            "{isolation}: typed while stopped:\n{guest}"
        );
        // Going on, it draws what it missed and types what waited.
        t.wait("\nvia ctl", Duration::from_secs(10));
        ctl.wait_text("\ntyped", Duration::from_secs(30));
        t.wait("\ntyped", Duration::from_secs(10));

        // Killed, it cannot put the terminal back: the supervisor does, and says what died.
        signal(display, "KILL");
        t.wait("EXITED 1", Duration::from_secs(20));
        t.wait("\nicanon", Duration::from_secs(5));
        let screen = t.capture();
        let said = format!("device `display` (pid {display}) was killed by signal SIGKILL");
        assert!(screen.contains(&said), "{isolation}: not said:\n{screen}");
        assert!(
            !screen.contains("via ctl") && !screen.contains("-icanon"),
            "{isolation}: the terminal was not put back:\n{screen}"
        );
        eprintln!("{isolation}: the display process owns the terminal");
    }
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
        // The window belongs to the display process (its main thread; a ring thread beside);
        // the supervisor has no front-end thread.
        assert_eq!(threads(supervisor_pid(&m)), ["cloister"]);
        assert!(threads(process_pid(&m, "display")).contains(&"display-ring".to_owned()));
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
            // Right Ctrl + P pauses (title and ctl agree), and again resumes.
            assert!(xdotool(&x, &["key", "Control_R+p"]));
            assert!(wait_for(Duration::from_secs(5), || window_title(&x)
                .contains("paused")));
            assert!(m.ctl(&["status"]).stdout.contains("cpu: paused"));
            assert!(xdotool(&x, &["key", "Control_R+p"]));
            assert!(wait_for(Duration::from_secs(5), || window_title(&x)
                .contains("running")));
            assert!(m.ctl(&["status"]).stdout.contains("cpu: running"));
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
    let (t, term) = term_machine("cost", "");
    machines.push(("term", term, Some(t)));
    for (_, m, _) in &machines {
        m.wait_prompt();
    }
    std::thread::sleep(Duration::from_secs(1));
    // The display process (front end and ring thread), its front end's thread (the main one,
    // whose tid is the pid; each tick waits once) and the supervisor, which now only routes.
    let span = Duration::from_secs(20);
    let stat = |pid: u32| PathBuf::from(format!("/proc/{pid}/stat"));
    let pids: Vec<_> = machines
        .iter()
        .map(|(_, m, _)| (process_pid(m, "display"), supervisor_pid(m)))
        .collect();
    let before: Vec<_> = pids
        .iter()
        .map(|&(d, s)| {
            (
                cpu_time(&stat(d)),
                cpu_time(&stat(s)),
                voluntary_switches(d, d),
            )
        })
        .collect();
    std::thread::sleep(span);
    let share = |a: Duration, b: Duration| (b - a).as_secs_f64() / span.as_secs_f64() * 100.0;
    for (((name, _, _), &(d, s)), (d0, s0, w0)) in machines.iter().zip(&pids).zip(before) {
        let display = share(d0, cpu_time(&stat(d)));
        let supervisor = share(s0, cpu_time(&stat(s)));
        let rate = (voluntary_switches(d, d) - w0) as f64 / span.as_secs_f64();
        eprintln!(
            "idle DOS prompt, {} s, {name}: display process {display:.2}% of a core (its front end \
             thread blocked {rate:.0} times a second); supervisor {supervisor:.2}%",
            span.as_secs()
        );
        assert!(
            display <= 5.0,
            "{name}: display process {display:.2}% of a core"
        );
        // It must be looking at the screen as often as the screen refreshes, or the figure
        // means nothing.
        assert!(
            rate >= 60.0,
            "{name}: the front end blocked {rate:.0} times a second"
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
