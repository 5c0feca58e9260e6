//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Cloister: an x86 PC emulator whose devices run in separate, restartable processes.
///
/// `cloister run` starts a PC: a CPU process holding guest RAM in shared memory and one process
/// per device, serving the CPU's port I/O through rings in shared memory. With no disk it boots a
/// built-in guest that shows the machine works.
#[derive(Parser)]
#[command(name = "cloister", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start a PC.
    Run(RunArgs),
    /// Talk to a running machine through its control socket.
    Ctl(crate::cmd::ctl::CtlArgs),
    /// Run CPU conformance tests from SingleStepTests files (MOO or JSON, gzipped or not).
    Sst(crate::cmd::sst::SstArgs),
    /// (internal) The CPU process of a machine.
    #[command(name = "__cpu", hide = true)]
    CpuProcess,
    /// (internal) A device process of a machine.
    #[command(name = "__device", hide = true)]
    DeviceProcess,
}

/// How devices run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Isolation {
    /// Each device in its own process, reached through shared-memory rings.
    Process,
    /// Every device called directly inside the CPU process (the yardstick for the isolation tax).
    Inline,
}

/// Where the machine's processes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Affinity {
    /// The CPU process and every device process that serves its ports share one core: the core
    /// this command started on, among those it may use (so `taskset -c N cloister run …` puts the
    /// machine on core N). A hand-off between them is then a context switch on that core.
    OneCore,
    /// The kernel places every process wherever it likes.
    Any,
}

/// Where the machine is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Display {
    /// Headless.
    None,
    /// A window on the X11 or Wayland display server.
    Window,
    /// The terminal: text modes cell for cell, graphics as half blocks.
    Term,
}

/// Exit statuses of `cloister run`:
///   (v<<1)|1  the guest wrote v to the exit port 0xF4
///   0         the guest powered off, or --until found its text
///   1         an error: bad arguments or images, a device process died, a triple fault
///   124       --timeout expired
///   130/143   interrupted by SIGINT/SIGTERM
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Exit status: (v<<1)|1 when the guest writes v to port 0xF4; 0 when --until matched; \
1 on an error (bad input, a device process died, a triple fault); 124 when --timeout expired; 130/143 on SIGINT/SIGTERM."
)]
pub struct RunArgs {
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=3072))]
    pub mem: u32,

    /// A BIOS ROM image (a multiple of 4 KiB, at most 256 KiB), mapped so it ends at 0xFFFFF and
    /// at 0xFFFFFFFF; the CPU starts at the reset vector F000:FFF0. Default: Cloister's BIOS.
    #[arg(long, value_name = "FILE")]
    pub bios: Option<PathBuf>,

    /// How devices run.
    #[arg(long, value_enum, default_value_t = Isolation::Process)]
    pub isolation: Isolation,

    /// Where the machine's processes run. With one-core, a device's answer costs a context switch
    /// instead of waking another core, which takes 30–170 µs on a virtual machine and far longer
    /// when the host takes that core away for a while: FreeDOS boots in 1.02–1.12 × the inline
    /// time either way (docs/PERFORMANCE.md). With any, devices can work beside the CPU on
    /// another core: a little faster on a quiet machine, much slower on a busy host. The display
    /// process is never confined.
    #[arg(long, value_enum, default_value_t = Affinity::OneCore)]
    pub affinity: Affinity,

    /// Where to show the machine. Default: a window when a display server (DISPLAY or
    /// WAYLAND_DISPLAY) takes connections, else the terminal when stdin and stdout are one, else
    /// none.
    ///
    /// Window: keys go to the guest; Right Ctrl alone releases the keyboard to the host or grabs
    /// it again; Right Ctrl + D (or Del) sends Ctrl-Alt-Del, + 1…9 0 - = sends F1…F12, + P pauses
    /// or resumes, + Q quits. Term: the same shortcuts after Ctrl-] (Ctrl-] twice sends Ctrl-]);
    /// the terminal is put back when the machine ends.
    #[arg(long, value_enum, value_name = "none|window|term")]
    pub display: Option<Display>,

    /// Where bytes written to port 0xE9 go: `stdio` or `file:PATH`.
    #[arg(long, value_name = "stdio|file:PATH")]
    pub debugcon: Option<String>,

    /// End the machine after SECS seconds with exit status 124.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,

    /// Print every byte written to port 0x80 on stderr as `POST xx`.
    #[arg(long)]
    pub post_codes: bool,

    /// The control socket's path (for `cloister ctl`). Default: one per machine under
    /// $XDG_RUNTIME_DIR/cloister or /tmp/cloister-$UID.
    #[arg(long, value_name = "PATH")]
    pub control: Option<PathBuf>,

    /// Floppy image for drive A: (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M or 2.88M; the
    /// drive type follows the size). The guest's writes reach the file.
    #[arg(long, value_name = "IMG")]
    pub fda: Option<PathBuf>,

    /// Floppy image for drive B:.
    #[arg(long, value_name = "IMG")]
    pub fdb: Option<PathBuf>,

    /// Hard disk image for drive C: (raw, a whole number of sectors). The guest's writes reach
    /// the file.
    #[arg(long, value_name = "IMG")]
    pub hda: Option<PathBuf>,

    /// Boot from the floppy (a) or the hard disk (c). Default: a, or c when only --hda is given.
    #[arg(long, value_parser = ["a", "c"])]
    pub boot: Option<String>,

    /// Where the COM1 serial port goes: `stdio`, `file:PATH` or `none`.
    #[arg(long, value_name = "stdio|file:PATH|none", default_value = "none")]
    pub serial: String,

    /// Type into the guest after it starts: plain text on a US layout with escapes (\r Enter, \t,
    /// \b, \e Esc) and commands in braces: {wait:TEXT} waits until TEXT is on the screen,
    /// {sleep:MS} pauses, {F1}..{F12}, {up}, {down}, {left}, {right}, {home}, {end}, {pgup},
    /// {pgdn}, {ins}, {del}, {esc}, {ctrl-alt-del}.
    #[arg(long, value_name = "SCRIPT")]
    pub keys: Option<String>,

    /// End the run with status 0 as soon as TEXT is on the text screen or comes out of the
    /// serial port.
    #[arg(long, value_name = "TEXT")]
    pub until: Option<String>,

    /// When the machine ends, write its text screen to FILE (code page 437 as UTF-8).
    #[arg(long, value_name = "FILE")]
    pub screen_text_on_exit: Option<PathBuf>,

    /// When the machine ends, write its screen to FILE as a PNG (the picture the VGA shows,
    /// pixel for pixel).
    #[arg(long, value_name = "FILE")]
    pub screenshot_on_exit: Option<PathBuf>,

    /// Attach the probe, a device for testing and measuring the data plane (ports 300h–307h,
    /// IRQ 5).
    #[arg(long)]
    pub probe: bool,

    /// (testing) Make a device process misbehave: DEVICE=crash|garbage-reply|garbage-lines.
    #[arg(long, value_name = "DEVICE=KIND", hide = true)]
    pub inject_fault: Vec<String>,

    /// CPU model.
    #[arg(long, default_value = "i686", value_parser = ["i686", "8086"])]
    pub cpu: String,
}
