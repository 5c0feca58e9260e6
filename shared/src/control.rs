//! The control plane: setup, lifecycle and status, as postcard messages over a Unix stream
//! socket (one per process, created by the supervisor). Port traffic never comes here.
//!
//! Frames are a little-endian u32 length and a postcard body. The length is bounded, so a peer
//! cannot make us allocate without limit; a malformed body is an error, never a panic.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::io::HostInput;
use crate::manifest::DeviceManifest;

/// Largest frame accepted (a BIOS image travels in one).
pub const MAX_FRAME: usize = 32 << 20;

/// A control message could not be sent or received.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// the peer closed the control channel
    #[error("the peer closed the control channel")]
    Closed,
    /// control channel I/O failed: {0}
    #[error("control channel I/O failed: {0}")]
    Io(#[from] io::Error),
    /// the peer sent a frame of {0} bytes, more than the limit
    #[error("the peer sent a frame of {0} bytes, more than the limit")]
    TooLarge(usize),
    /// the peer sent a malformed message: {0}
    #[error("the peer sent a malformed message: {0}")]
    Malformed(#[from] postcard::Error),
}

/// Sends one message.
pub fn send<T: Serialize>(sock: &mut UnixStream, msg: &T) -> Result<(), ControlError> {
    let body = postcard::to_stdvec(msg)?;
    if body.len() > MAX_FRAME {
        return Err(ControlError::TooLarge(body.len()));
    }
    let mut frame = Vec::with_capacity(body.len() + 4);
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    sock.write_all(&frame)?;
    Ok(())
}

/// Receives one message, blocking.
pub fn recv<T: DeserializeOwned>(sock: &mut UnixStream) -> Result<T, ControlError> {
    let mut len = [0u8; 4];
    read_exact(sock, &mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(ControlError::TooLarge(len));
    }
    let mut body = vec![0u8; len];
    read_exact(sock, &mut body)?;
    Ok(postcard::from_bytes(&body)?)
}

/// Receives a message if one is waiting; never blocks for a message that has not started.
pub fn try_recv<T: DeserializeOwned>(sock: &mut UnixStream) -> Result<Option<T>, ControlError> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let mut fds = [PollFd::new(sock.as_fd(), PollFlags::POLLIN)];
    let ready = poll(&mut fds, PollTimeout::ZERO).map_err(io::Error::from)?;
    if ready == 0 {
        return Ok(None);
    }
    recv(sock).map(Some)
}

fn read_exact(sock: &mut UnixStream, buf: &mut [u8]) -> Result<(), ControlError> {
    sock.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ControlError::Closed
        } else {
            e.into()
        }
    })
}

/// Where a device process finds what it was handed at exec (file descriptor numbers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFds {
    pub region: i32,
    pub machine: i32,
    pub guest_ram: Option<i32>,
    /// The device's extra regions (VGA memory, framebuffer), in manifest order.
    pub regions: Vec<i32>,
    /// Device-specific files (disk images), by role (`fda`, `hda`, ...).
    pub files: Vec<(String, i32)>,
    /// Where host output (bytes a UART sends) goes.
    pub output: Option<i32>,
}

/// A fault to inject into a device process, for testing that the machine survives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Abort in the middle of the next request the CPU waits on.
    Crash,
    /// At the next request the CPU waits on: scribble a wrong sequence number into the reply
    /// slot, claim to have processed entries never written, and never answer.
    GarbageReply,
    /// At the next request the CPU waits on: raise every IRQ line (declared or not), every edge,
    /// an invalid A20 value and reset requests, then carry on normally.
    GarbageLines,
}

/// Supervisor → device process: what to be and where things are.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceSetup {
    /// Which device model to build (`timer`, `keyboard`, ...), and which implementation.
    pub kind: String,
    pub implementation: String,
    /// Device-specific configuration (postcard of the device's own config type).
    pub config: Vec<u8>,
    pub manifest: DeviceManifest,
    pub fds: DeviceFds,
    pub guest_ram_size: u64,
    /// A fault to inject (tests only).
    pub fault: Option<Fault>,
}

/// Supervisor → device process, after setup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ToDevice {
    Input(HostInput),
    Quit,
}

/// Supervisor → CPU process: one device as the CPU dispatches to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CpuDevice {
    pub manifest: DeviceManifest,
    /// The device region's fd, when it runs in its own process.
    pub region_fd: Option<i32>,
    /// When it runs inline: its setup, to build it in the CPU process.
    pub inline: Option<DeviceSetup>,
    /// Whether the CPU obeys its A20 gate and reset requests (the keyboard controller's job).
    pub machine_lines: bool,
}

/// Supervisor → CPU process: the machine to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CpuSetup {
    pub model: String,
    pub guest_ram_fd: i32,
    pub guest_ram_size: u64,
    pub machine_fd: i32,
    pub bios: Vec<u8>,
    pub devices: Vec<CpuDevice>,
    /// Where bytes written to port 0xE9 go.
    pub debugcon_fd: Option<i32>,
    /// Print every byte written to port 0x80 on stderr.
    pub post_codes: bool,
}

/// Supervisor → CPU process, after setup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ToCpu {
    Status,
    Quit,
    /// Stop running guest instructions until [`ToCpu::Resume`] (devices keep their own time).
    Pause,
    Resume,
    /// Host input for a device running inline, by name.
    Input {
        device: String,
        input: HostInput,
    },
}

/// Counters of one device's traffic, as the CPU saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortCounters {
    pub writes: u64,
    pub reads: u64,
    pub published_reads: u64,
    pub block_transfers: u64,
    pub mem_writes: u64,
    pub mem_reads: u64,
}

/// CPU process → supervisor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum FromCpu {
    /// The guest ended the machine through the exit port with this status.
    Exit { status: i32 },
    /// Something went wrong that ends the machine (a device broke its protocol, a triple fault).
    Fatal {
        device: Option<String>,
        message: String,
    },
    Status {
        instructions: u64,
        devices: Vec<(String, PortCounters)>,
        unmapped_reads: u64,
        unmapped_writes: u64,
    },
}
