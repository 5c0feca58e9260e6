//! Interpreter speed: runs a loop of ordinary 16-bit real-mode code in RAM through a plain
//! RAM bus and prints guest MIPS (per CPU second: the machine is shared).
//! `cargo run --release -p cloister-cpu --example bench -- [COUNT] [mixed|regs] [run|step]
//! [no-window]` (`no-window`: every memory access through the bus's methods)

use std::time::Instant;

use cloister_cpu::{Bus, Cpu, CpuModel, Exit, IoWidth, RamWindow, SegReg};

/// 1 MiB of RAM, nothing else.
struct RamBus {
    ram: Vec<u8>,
    /// Offer the RAM as a window (`no-window` turns it off).
    window: bool,
}

impl Bus for RamBus {
    fn ram_window(&mut self) -> RamWindow {
        if !self.window {
            return RamWindow::NONE;
        }
        // SAFETY: the vector is never resized, so its 1 MiB stay where they are while the bus
        // lives, and they are plain memory: the methods below read and write them directly.
        unsafe { RamWindow::new(self.ram.as_mut_ptr(), self.ram.len()) }
    }
    #[inline]
    fn read8(&mut self, addr: u32) -> u8 {
        self.ram[(addr & 0xF_FFFF) as usize]
    }
    #[inline]
    fn write8(&mut self, addr: u32, value: u8) {
        self.ram[(addr & 0xF_FFFF) as usize] = value;
    }
    #[inline]
    fn read16(&mut self, addr: u32) -> u16 {
        let a = (addr & 0xF_FFFF) as usize;
        if a < 0xF_FFFF {
            u16::from_le_bytes([self.ram[a], self.ram[a + 1]])
        } else {
            u16::from_le_bytes([self.ram[a], self.ram[0]])
        }
    }
    #[inline]
    fn write16(&mut self, addr: u32, value: u16) {
        let a = (addr & 0xF_FFFF) as usize;
        let b = value.to_le_bytes();
        self.ram[a] = b[0];
        self.ram[(a + 1) & 0xF_FFFF] = b[1];
    }
    fn io_read(&mut self, _port: u16, _width: IoWidth) -> u32 {
        0xFFFF_FFFF
    }
    fn io_write(&mut self, _port: u16, _width: IoWidth, _value: u32) {}
}

/// The loop body: arithmetic, memory reads and writes, a conditional branch and LOOP.
const PROGRAM: &[u8] = &[
    0xB9, 0x00, 0x00, // start: mov cx,0
    0x01, 0xD8, // top: add ax,bx
    0x43, // inc bx
    0x89, 0x04, // mov [si],ax
    0x83, 0xC6, 0x02, // add si,2
    0x81, 0xE6, 0xFF, 0x03, // and si,3FFh
    0x8B, 0x14, // mov dx,[si]
    0x31, 0xD0, // xor ax,dx
    0xD1, 0xE0, // shl ax,1
    0x3D, 0x34, 0x12, // cmp ax,1234h
    0x74, 0x01, // je +1
    0x90, // nop
    0xE2, 0xE6, // loop top
    0xEB, 0xE1, // jmp start
];

/// Register-only instructions: the interpreter's fixed cost per instruction.
const REGS_ONLY: &[u8] = &[
    0x40, // inc ax
    0x4B, // dec bx
    0x01, 0xD8, // add ax,bx
    0x89, 0xC1, // mov cx,ax
    0x90, // nop
    0x31, 0xCA, // xor dx,cx
    0xEB, 0xF5, // jmp 0
];

fn main() {
    let mut bus = RamBus {
        ram: vec![0; 1 << 20],
        window: std::env::args().nth(4).as_deref() != Some("no-window"),
    };
    let base = 0x1_0000usize;
    let program = if std::env::args().nth(2).as_deref() == Some("regs") {
        REGS_ONLY
    } else {
        PROGRAM
    };
    bus.ram[base..base + program.len()].copy_from_slice(program);
    let mut cpu = Cpu::new(CpuModel::I686);
    cpu.load_segment_real(SegReg::Cs, 0x1000);
    cpu.load_segment_real(SegReg::Ds, 0x2000);
    cpu.eip = 0;
    let cpu_ns = || {
        // Time this thread spent on a CPU: the machine is shared, wall time is not the measure.
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        s.split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let budget: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000_000);
    let t = Instant::now();
    let c0 = cpu_ns();
    // `step` as third argument: one instruction at a time, decoding every time (no cache).
    let exit = if std::env::args().nth(3).as_deref() == Some("step") {
        let mut e = Exit::Budget;
        for _ in 0..budget {
            e = cpu.step(&mut bus);
        }
        e
    } else {
        cpu.run(&mut bus, budget)
    };
    let cpu_secs = (cpu_ns() - c0) as f64 / 1e9;
    let secs = t.elapsed().as_secs_f64();
    assert!(
        (cpu.eip as usize) < program.len(),
        "the loop ran away: EIP {:#x}",
        cpu.eip
    );
    println!(
        "{exit:?}: {budget} instructions, {secs:.3} s wall, {cpu_secs:.3} s on CPU = {:.1} MIPS (CPU time)",
        budget as f64 / cpu_secs / 1e6
    );
}
