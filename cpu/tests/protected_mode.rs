//! Protected mode as firmware uses it: LGDT, CR0.PE, far jumps through the GDT, data segment
//! loads, 32-bit code segments, and unreal mode after switching back.

use cloister_cpu::{Bus, Cpu, CpuModel, Exit, IoWidth, SegReg};

/// 4 MiB of RAM (addresses wrap around it).
struct Ram(Vec<u8>);

impl Ram {
    fn new() -> Self {
        Ram(vec![0; 4 << 20])
    }
    fn load(&mut self, addr: usize, bytes: &[u8]) {
        self.0[addr..addr + bytes.len()].copy_from_slice(bytes);
    }
    fn word(&self, addr: usize) -> u16 {
        u16::from_le_bytes([self.0[addr], self.0[addr + 1]])
    }
    fn dword(&self, addr: usize) -> u32 {
        u32::from_le_bytes(self.0[addr..addr + 4].try_into().unwrap())
    }
}

impl Bus for Ram {
    fn read8(&mut self, addr: u32) -> u8 {
        let n = self.0.len();
        self.0[addr as usize % n]
    }
    fn write8(&mut self, addr: u32, value: u8) {
        let n = self.0.len();
        self.0[addr as usize % n] = value;
    }
    fn io_read(&mut self, _port: u16, _width: IoWidth) -> u32 {
        0
    }
    fn io_write(&mut self, _port: u16, _width: IoWidth, _value: u32) {}
}

/// Code runs at 1000:0000 (linear 0x10000); DS = 2000 holds the GDTR at 0 and the GDT at 0x10.
const CODE: usize = 0x10000;
const GDT: usize = 0x20010;

const DATA_110000: u16 = 0x08;
const CODE16: u16 = 0x10;
const FLAT: u16 = 0x18;
const CODE32: u16 = 0x20;
/// A code segment used as a data selector: not readable, so #GP on a load into DS.
const EXEC_ONLY: u16 = 0x28;

fn machine() -> (Cpu, Ram) {
    let mut ram = Ram::new();
    let gdt: [[u8; 8]; 6] = [
        [0; 8],
        // Data, base 0x110000, limit 0xFFFF.
        [0xFF, 0xFF, 0x00, 0x00, 0x11, 0x92, 0x00, 0x00],
        // 16-bit code, base 0x10000, limit 0xFFFF (accessed bit clear: the CPU sets it).
        [0xFF, 0xFF, 0x00, 0x00, 0x01, 0x9A, 0x00, 0x00],
        // Data, base 0, limit 4 GiB (G).
        [0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00],
        // 32-bit code, base 0x10000, limit 0xFFFF.
        [0xFF, 0xFF, 0x00, 0x00, 0x01, 0x9A, 0x40, 0x00],
        // Execute-only code.
        [0xFF, 0xFF, 0x00, 0x00, 0x01, 0x98, 0x00, 0x00],
    ];
    ram.load(GDT, gdt.as_flattened());
    let mut gdtr = vec![(gdt.len() * 8 - 1) as u8, 0];
    gdtr.extend_from_slice(&(GDT as u32).to_le_bytes());
    ram.load(0x20000, &gdtr);
    let mut cpu = Cpu::new(CpuModel::I686);
    cpu.load_segment_real(SegReg::Cs, 0x1000);
    cpu.load_segment_real(SegReg::Ds, 0x2000);
    cpu.load_segment_real(SegReg::Es, 0x2000);
    cpu.load_segment_real(SegReg::Ss, 0x3000);
    cpu.gpr[4] = 0x1000;
    cpu.eip = 0;
    (cpu, ram)
}

/// A little assembler: bytes, and far jumps whose target offsets are patched in later.
struct Asm {
    code: Vec<u8>,
}

impl Asm {
    fn new() -> Self {
        Asm { code: Vec::new() }
    }
    fn b(&mut self, bytes: &[u8]) -> &mut Self {
        self.code.extend_from_slice(bytes);
        self
    }
    fn here(&self) -> u16 {
        self.code.len() as u16
    }
    /// LGDT [0]; MOV EAX,CR0; OR AL,1; MOV CR0,EAX.
    fn enter_pm(&mut self) -> &mut Self {
        self.b(&[0x0F, 0x01, 0x16, 0x00, 0x00])
            .b(&[0x0F, 0x20, 0xC0, 0x0C, 0x01, 0x0F, 0x22, 0xC0])
    }
    /// MOV EAX,CR0; AND AL,FE; MOV CR0,EAX.
    fn leave_pm(&mut self) -> &mut Self {
        self.b(&[0x0F, 0x20, 0xC0, 0x24, 0xFE, 0x0F, 0x22, 0xC0])
    }
    /// JMP FAR sel:(next instruction) in 16-bit code.
    fn jmp_far_next(&mut self, sel: u16) -> &mut Self {
        let next = self.here() + 5;
        self.b(&[0xEA]).b(&next.to_le_bytes()).b(&sel.to_le_bytes())
    }
    /// MOV AX,sel; MOV seg,AX (seg: 0 ES, 3 DS, 2 SS).
    fn load(&mut self, seg: u8, sel: u16) -> &mut Self {
        self.b(&[0xB8])
            .b(&sel.to_le_bytes())
            .b(&[0x8E, 0xC0 | (seg << 3)])
    }
}

fn run(cpu: &mut Cpu, ram: &mut Ram, code: &[u8]) -> Exit {
    ram.load(CODE, code);
    let exit = cpu.run(ram, 1000);
    assert_eq!(cpu.unimplemented(), None, "stopped at {:#x}", cpu.eip);
    exit
}

#[test]
fn a_data_selector_with_a_base_above_1_mib_and_back_to_real_mode() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16);
    a.load(0, DATA_110000)
        // MOV WORD ES:[1234],ABCD
        .b(&[0x26, 0xC7, 0x06, 0x34, 0x12, 0xCD, 0xAB])
        // MOV BX,[ES:1234] with the fast path's decoded form too
        .b(&[0x26, 0x8B, 0x1E, 0x34, 0x12]);
    a.leave_pm().jmp_far_next(0x1000);
    // Back in real mode: MOV AX,ES (still the selector); MOV DX,CS; HLT.
    a.b(&[0x8C, 0xC0, 0x8C, 0xCA, 0xF4]);
    assert_eq!(run(&mut cpu, &mut ram, &a.code), Exit::Halted);
    assert_eq!(ram.word(0x111234), 0xABCD);
    assert_eq!(cpu.gpr[3] & 0xFFFF, 0xABCD);
    assert!(!cpu.protected_mode());
    assert_eq!(cpu.gpr[0] & 0xFFFF, DATA_110000 as u32);
    assert_eq!(cpu.gpr[2] & 0xFFFF, 0x1000);
    assert_eq!(cpu.segs[SegReg::Cs as usize].base, 0x10000);
    assert_eq!(cpu.segs[SegReg::Es as usize].base, 0x110000);
    // The CPU set the accessed bits of the descriptors it loaded.
    assert_eq!(ram.0[GDT + 8 + 5], 0x93);
    assert_eq!(ram.0[GDT + 16 + 5], 0x9B);
}

#[test]
fn unreal_mode_keeps_the_4_gib_limit_after_pe_is_cleared() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(3, FLAT);
    a.leave_pm().jmp_far_next(0x1000);
    // XOR AX,AX; MOV DS,AX (real-mode load: base 0, the limit stays)
    a.b(&[0x31, 0xC0, 0x8E, 0xD8])
        // MOV ESI,150000; MOV WORD [ESI],5678; MOV DWORD [ESI+2],CAFEF00D
        .b(&[0x66, 0xBE, 0x00, 0x00, 0x15, 0x00])
        .b(&[0x67, 0xC7, 0x06, 0x78, 0x56])
        .b(&[0x66, 0x67, 0xC7, 0x46, 0x02, 0x0D, 0xF0, 0xFE, 0xCA])
        // MOV CX,[ESI]; HLT
        .b(&[0x67, 0x8B, 0x0E, 0xF4]);
    assert_eq!(run(&mut cpu, &mut ram, &a.code), Exit::Halted);
    assert_eq!(ram.word(0x150000), 0x5678);
    assert_eq!(ram.dword(0x150002), 0xCAFE_F00D);
    assert_eq!(cpu.gpr[1] & 0xFFFF, 0x5678);
    let ds = cpu.segs[SegReg::Ds as usize];
    assert_eq!((ds.selector, ds.base, ds.limit), (0, 0, 0xFFFF_FFFF));
}

#[test]
fn a_real_mode_access_past_64_kib_still_faults_without_unreal_mode() {
    let (mut cpu, mut ram) = machine();
    // MOV ESI,150000; MOV AX,[ESI] -> #GP through the IVT (handler at 0000:0500: HLT).
    ram.load(13 * 4, &[0x00, 0x05, 0x00, 0x00]);
    ram.load(0x500, &[0xF4]);
    let code = [0x66, 0xBE, 0x00, 0x00, 0x15, 0x00, 0x67, 0x8B, 0x06, 0xF4];
    assert_eq!(run(&mut cpu, &mut ram, &code), Exit::Halted);
    assert_eq!(cpu.segs[SegReg::Cs as usize].selector, 0);
    assert_eq!(cpu.eip, 0x501);
}

#[test]
fn a_32_bit_code_segment_flips_the_default_sizes() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(3, FLAT);
    // JMP FAR CODE32:pm32
    let pm32 = a.here() + 5;
    a.b(&[0xEA]).b(&pm32.to_le_bytes()).b(&CODE32.to_le_bytes());
    // 32-bit: MOV EAX,12345678; MOV [00150000],EAX; MOV BX,5555 (66 prefix); MOV ECX,[EAX*0+150000]
    a.b(&[0xB8, 0x78, 0x56, 0x34, 0x12])
        .b(&[0xA3, 0x00, 0x00, 0x15, 0x00])
        .b(&[0x66, 0xBB, 0x55, 0x55])
        .b(&[0x8B, 0x0D, 0x00, 0x00, 0x15, 0x00]);
    // JMP FAR CODE16:next (32-bit offset)
    let next = a.here() as u32 + 7;
    a.b(&[0xEA]).b(&next.to_le_bytes()).b(&CODE16.to_le_bytes());
    // 16-bit again: MOV DX,7777 (B8+r imm16); HLT
    a.b(&[0xBA, 0x77, 0x77, 0xF4]);
    assert_eq!(run(&mut cpu, &mut ram, &a.code), Exit::Halted);
    assert_eq!(cpu.gpr[0], 0x1234_5678);
    assert_eq!(ram.dword(0x150000), 0x1234_5678);
    assert_eq!(cpu.gpr[3], 0x5555);
    assert_eq!(cpu.gpr[1], 0x1234_5678);
    assert_eq!(cpu.gpr[2] & 0xFFFF, 0x7777);
    assert_eq!(cpu.segs[SegReg::Cs as usize].selector, CODE16);
    assert!(cpu.protected_mode());
}

#[test]
fn far_call_retf_and_iret_in_protected_mode() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16);
    // A flat stack: MOV AX,FLAT; MOV SS,AX; MOV ESP,31000
    a.load(2, FLAT).b(&[0x66, 0xBC, 0x00, 0x10, 0x03, 0x00]);
    // CALL FAR CODE16:func (patched)
    let call_at = a.here() as usize;
    a.b(&[0x9A, 0, 0]).b(&CODE16.to_le_bytes());
    // PUSHF; PUSH CS; PUSH after; IRET
    let after_at = a.here() as usize + 3;
    a.b(&[0x9C, 0x0E, 0x68, 0, 0, 0xCF]);
    let after = a.here();
    a.code[after_at..after_at + 2].copy_from_slice(&after.to_le_bytes());
    // after: HLT
    a.b(&[0xF4]);
    let func = a.here();
    a.code[call_at + 1..call_at + 3].copy_from_slice(&func.to_le_bytes());
    // func: MOV BX,1111; MOV CX,CS; RETF
    a.b(&[0xBB, 0x11, 0x11, 0x8C, 0xC9, 0xCB]);
    assert_eq!(run(&mut cpu, &mut ram, &a.code), Exit::Halted);
    assert_eq!(cpu.gpr[3] & 0xFFFF, 0x1111);
    assert_eq!(cpu.gpr[1] & 0xFFFF, CODE16 as u32);
    assert_eq!(cpu.gpr[4], 0x31000, "the stack is balanced");
    assert_eq!(cpu.segs[SegReg::Ss as usize].selector, FLAT);
    assert_eq!(cpu.eip, after as u32 + 1);
}

#[test]
fn a_fault_in_protected_mode_stops_and_says_which() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16);
    let at = a.here() as u32;
    // MOV AX,EXEC_ONLY; MOV DS,AX -> #GP (the IDT is not interpreted)
    a.load(3, EXEC_ONLY).b(&[0xF4]);
    ram.load(CODE, &a.code);
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Shutdown);
    let why = cpu.unimplemented().expect("a reason");
    assert!(why.contains("#GP"), "{why}");
    assert_eq!(cpu.eip, at + 3, "stopped on the MOV DS");
    assert_eq!(cpu.segs[SegReg::Ds as usize].selector, 0x2000);
}

#[test]
fn a_selector_past_the_gdt_limit_is_a_fault_too() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(0, 0x30).b(&[0xF4]);
    ram.load(CODE, &a.code);
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Shutdown);
    assert!(cpu.unimplemented().unwrap().contains("#GP"));
}

#[test]
fn null_selectors_load_into_data_segments_but_not_ss() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(0, 0).b(&[0xF4]);
    assert_eq!(run(&mut cpu, &mut ram, &a.code), Exit::Halted);
    assert_eq!(cpu.segs[SegReg::Es as usize].selector, 0);

    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(2, 0).b(&[0xF4]);
    ram.load(CODE, &a.code);
    assert_eq!(cpu.run(&mut ram, 1000), Exit::Shutdown);
    assert!(cpu.unimplemented().unwrap().contains("#GP"));
}

#[test]
fn single_steps_agree_with_blocks() {
    let (mut cpu, mut ram) = machine();
    let mut a = Asm::new();
    a.enter_pm().jmp_far_next(CODE16).load(0, DATA_110000);
    a.b(&[0x26, 0xC7, 0x06, 0x34, 0x12, 0xCD, 0xAB]);
    a.leave_pm().jmp_far_next(0x1000).b(&[0xF4]);
    ram.load(CODE, &a.code);
    let mut n = 0;
    while cpu.step(&mut ram) == Exit::Budget {
        n += 1;
        assert!(n < 100);
    }
    assert_eq!(cpu.unimplemented(), None);
    assert_eq!(ram.word(0x111234), 0xABCD);
    assert!(!cpu.protected_mode());
}
