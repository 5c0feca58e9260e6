//! The automation ports, served inside the CPU process (QEMU and Bochs conventions):
//! 0xE9 debug console, 0xF4 exit (isa-debug-exit), 0x80 POST codes.

use std::fs::File;
use std::io::Write;

pub const DEBUGCON: u16 = 0xE9;
pub const EXIT: u16 = 0xF4;
pub const POST: u16 = 0x80;

/// State of the automation ports.
pub struct Platform {
    debugcon: Option<File>,
    pending: Vec<u8>,
    post_codes: bool,
    last_post: u8,
    /// Set when the guest wrote the exit port: the machine's exit status.
    pub exit: Option<i32>,
}

impl Platform {
    pub fn new(debugcon: Option<File>, post_codes: bool) -> Self {
        Platform {
            debugcon,
            pending: Vec::new(),
            post_codes,
            last_post: 0,
            exit: None,
        }
    }

    /// Whether the platform serves this port.
    pub fn serves(port: u16) -> bool {
        matches!(port, DEBUGCON | POST) || (EXIT..EXIT + 4).contains(&port)
    }

    pub fn read(&mut self, port: u16) -> u32 {
        match port {
            DEBUGCON => 0xE9, // Bochs' "port E9 hack": reading it tells a guest it is there
            POST => self.last_post as u32,
            _ => 0xFF,
        }
    }

    pub fn write(&mut self, port: u16, value: u32) {
        match port {
            DEBUGCON => {
                self.pending.push(value as u8);
                if value as u8 == b'\n' || self.pending.len() >= 4096 {
                    self.flush();
                }
            }
            POST => {
                self.last_post = value as u8;
                if self.post_codes {
                    eprintln!("POST {:02x}", value as u8);
                }
            }
            _ => {
                if self.exit.is_none() {
                    self.exit = Some(((value as i32) << 1) | 1);
                }
            }
        }
    }

    /// Writes out what the debug console holds.
    pub fn flush(&mut self) {
        if let Some(f) = self.debugcon.as_mut() {
            let _ = f.write_all(&self.pending);
            let _ = f.flush();
        }
        self.pending.clear();
    }
}
