//! Behaviour of the interpreter as a machine sees it: interrupts, HLT, REP interruption,
//! self-modifying code, the block cache against single steps, model differences.

use cloister_cpu::{Bus, Cpu, CpuModel, Exit, IoWidth, RamWindow, SegReg};

/// 1 MiB of RAM and an interrupt line raised after a number of bus reads or on demand.
struct TestBus {
    ram: Vec<u8>,
    /// INTR goes up when `reads` reaches this.
    irq_after_reads: Option<u64>,
    reads: u64,
    /// INTR goes up when the CPU has looked at it this many more times.
    irq_after_polls: Option<u64>,
    irq: bool,
    vector: u8,
    acks: u32,
    /// Offer the RAM to the CPU as a window (reads through it are not counted).
    window: bool,
}

impl TestBus {
    fn new() -> Self {
        TestBus {
            ram: vec![0; 1 << 20],
            irq_after_reads: None,
            reads: 0,
            irq_after_polls: None,
            irq: false,
            vector: 0x20,
            acks: 0,
            window: false,
        }
    }
    fn load(&mut self, addr: usize, bytes: &[u8]) {
        self.ram[addr..addr + bytes.len()].copy_from_slice(bytes);
    }
    fn set_vector(&mut self, v: u8, seg: u16, off: u16) {
        let a = v as usize * 4;
        self.load(a, &off.to_le_bytes());
        self.load(a + 2, &seg.to_le_bytes());
    }
    fn word(&self, addr: usize) -> u16 {
        u16::from_le_bytes([self.ram[addr], self.ram[addr + 1]])
    }
}

impl Bus for TestBus {
    fn ram_window(&mut self) -> RamWindow {
        if !self.window {
            return RamWindow::NONE;
        }
        // SAFETY: the vector is never resized while the bus lives, and it is plain memory: the
        // methods below read and write it directly (with the same 1 MiB wrap, which the window's
        // bounds leave to them).
        unsafe { RamWindow::new(self.ram.as_mut_ptr(), self.ram.len()) }
    }
    fn read8(&mut self, addr: u32) -> u8 {
        self.reads += 1;
        if self.irq_after_reads.is_some_and(|n| self.reads >= n) {
            self.irq = true;
            self.irq_after_reads = None;
        }
        self.ram[(addr & 0xF_FFFF) as usize]
    }
    fn write8(&mut self, addr: u32, value: u8) {
        self.ram[(addr & 0xF_FFFF) as usize] = value;
    }
    fn io_read(&mut self, _port: u16, _width: IoWidth) -> u32 {
        0
    }
    fn io_write(&mut self, _port: u16, _width: IoWidth, _value: u32) {}
    fn intr_pending(&mut self) -> bool {
        if let Some(n) = self.irq_after_polls {
            self.irq_after_polls = n.checked_sub(1);
            self.irq |= n == 0;
        }
        self.irq
    }
    fn intr_ack(&mut self) -> u8 {
        self.irq = false;
        self.acks += 1;
        self.vector
    }
}

/// A CPU about to run code at 1000:0000 with DS = 2000, SS:SP = 3000:1000.
fn cpu_at(model: CpuModel) -> Cpu {
    let mut cpu = Cpu::new(model);
    cpu.load_segment_real(SegReg::Cs, 0x1000);
    cpu.load_segment_real(SegReg::Ds, 0x2000);
    cpu.load_segment_real(SegReg::Es, 0x2000);
    cpu.load_segment_real(SegReg::Ss, 0x3000);
    cpu.gpr[4] = 0x1000;
    cpu.eip = 0;
    cpu
}

const CODE: usize = 0x10000;

fn run_to_halt(cpu: &mut Cpu, bus: &mut TestBus) {
    assert_eq!(
        cpu.run(bus, 1_000_000),
        Exit::Halted,
        "no HLT reached; EIP {:#x}",
        cpu.eip
    );
}

#[test]
fn blocks_and_single_steps_agree() {
    // A loop with memory arithmetic, a call, string ops and shifts.
    let program: &[u8] = &[
        0xB9, 0x40, 0x00, // mov cx,40h
        0xBE, 0x00, 0x00, // mov si,0
        0x01, 0x04, // top: add [si],ax
        0x83, 0xC6, 0x02, // add si,2
        0x05, 0x34, 0x12, // add ax,1234h
        0xD1, 0xC0, // rol ax,1
        0xE8, 0x05, 0x00, // call sub
        0xE2, 0xF1, // loop top
        0xEB, 0x06, // jmp out
        0x90, 0x90, // (never run)
        0x43, // sub: inc bx
        0x11, 0xD8, // adc ax,bx
        0xC3, // ret
        0xBF, 0x00, 0x01, // out: mov di,100h
        0xB9, 0x10, 0x00, // mov cx,10h
        0xF3, 0xA5, // rep movsw
        0xF4, // hlt
    ];
    let mut a_bus = TestBus::new();
    a_bus.load(CODE, program);
    let mut b_bus = TestBus::new();
    b_bus.load(CODE, program);
    let mut a = cpu_at(CpuModel::I686);
    let mut b = cpu_at(CpuModel::I686);
    run_to_halt(&mut a, &mut a_bus);
    let mut steps = 0;
    while b.step(&mut b_bus) != Exit::Halted {
        steps += 1;
        assert!(steps < 100_000);
    }
    assert_eq!(a.gpr, b.gpr);
    assert_eq!(a.eip, b.eip);
    assert_eq!(a.eflags(), b.eflags());
    assert_eq!(a_bus.ram, b_bus.ram);
    assert_eq!(a.gpr[1] & 0xFFFF, 0, "REP MOVSW ran to the end");
    assert_eq!(
        a.gpr[3] & 0xFFFF,
        0x40,
        "the subroutine ran once per iteration"
    );
}

#[test]
fn code_changed_by_the_cpu_is_decoded_again() {
    let program: &[u8] = &[
        0xB0, 0x00, // again: mov al,0  (its immediate is patched below)
        0x2E, 0xC6, 0x06, 0x01, 0x00, 0x42, // mov byte [cs:1],42h
        0x43, // inc bx
        0x83, 0xFB, 0x02, // cmp bx,2
        0x75, 0xF2, // jne again
        0xF4, // hlt
    ];
    let mut bus = TestBus::new();
    bus.load(CODE, program);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(
        cpu.gpr[0] & 0xFF,
        0x42,
        "the second pass saw the patched immediate"
    );

    // The same inside one straight-line block: the store patches the next instruction.
    let program: &[u8] = &[
        0x2E, 0xC6, 0x06, 0x07, 0x00, 0x55, // mov byte [cs:7],55h
        0xB4, 0x00, // mov ah,0  (patched to mov ah,55h)
        0xF4,
    ];
    let mut bus = TestBus::new();
    bus.load(CODE, program);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!((cpu.gpr[0] >> 8) & 0xFF, 0x55);
}

#[test]
fn code_changed_behind_the_cpu_needs_invalidate_code() {
    let program: &[u8] = &[0xB0, 0x11, 0xF4]; // mov al,11h; hlt
    let mut bus = TestBus::new();
    bus.load(CODE, program);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(cpu.gpr[0] & 0xFF, 0x11);
    // "DMA" rewrites the immediate; the CPU is told.
    bus.ram[CODE + 1] = 0x22;
    cpu.invalidate_code(CODE as u32 + 1, 1);
    cpu.eip = 0;
    cpu.halted = false;
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(cpu.gpr[0] & 0xFF, 0x22);
}

#[test]
fn hlt_waits_for_an_interrupt_and_returns_past_it() {
    let mut bus = TestBus::new();
    bus.load(CODE, &[0xFB, 0xF4, 0x40, 0xF4]); // sti; hlt; inc ax; hlt
    bus.set_vector(0x20, 0x1000, 0x0100);
    bus.load(CODE + 0x100, &[0x43, 0xCF]); // inc bx; iret
    let mut cpu = cpu_at(CpuModel::I686);
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    assert_eq!(cpu.eip, 2, "EIP points past the HLT");
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted, "nothing to wake it");
    bus.irq = true;
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    assert_eq!(bus.acks, 1);
    assert_eq!(cpu.gpr[3] & 0xFFFF, 1, "the handler ran");
    assert_eq!(cpu.gpr[0] & 0xFFFF, 1, "then the code after the HLT");
    assert_eq!(cpu.eip, 4);
}

#[test]
fn a_loop_that_runs_its_own_block_again_still_takes_interrupts() {
    let mut bus = TestBus::new();
    // sti; nop; top: inc ax; jmp top (a block that jumps back to its start)
    bus.load(CODE, &[0xFB, 0x90, 0x40, 0xEB, 0xFD]);
    bus.set_vector(0x20, 0x1000, 0x0100);
    bus.load(CODE + 0x100, &[0xF4]); // hlt
    bus.irq_after_polls = Some(50);
    let mut cpu = cpu_at(CpuModel::I686);
    assert_eq!(cpu.run(&mut bus, 1_000_000), Exit::Halted);
    assert_eq!(bus.acks, 1);
    assert_eq!(cpu.eip, 0x101, "in the handler");
    let rounds = cpu.gpr[0] & 0xFFFF;
    assert!(
        (40..=60).contains(&rounds),
        "taken after about 50 rounds of the loop, not {rounds}"
    );
}

#[test]
fn sti_holds_interrupts_off_for_one_instruction() {
    let mut bus = TestBus::new();
    // sti; mov [0],ax... : the handler stores AX, so it shows how far the code got.
    bus.load(CODE, &[0xFB, 0x40, 0x40, 0x40, 0xF4]); // sti; inc ax (x3); hlt
    bus.set_vector(0x20, 0x1000, 0x0100);
    bus.load(CODE + 0x100, &[0xA3, 0x00, 0x00, 0xCF]); // mov [0],ax; iret
    bus.irq = true;
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(
        bus.word(0x20000),
        1,
        "one instruction ran after STI before the interrupt"
    );
    assert_eq!(cpu.gpr[0] & 0xFFFF, 3);
}

#[test]
fn an_interrupt_stops_rep_movs_which_then_resumes() {
    let mut bus = TestBus::new();
    for i in 0..0x200 {
        bus.ram[0x20000 + i] = i as u8;
    }
    // sti; mov cx,200h; xor si,si; mov di,1000h; cld; rep movsb; hlt
    bus.load(
        CODE,
        &[
            0xFB, 0xB9, 0x00, 0x02, 0x31, 0xF6, 0xBF, 0x00, 0x10, 0xFC, 0xF3, 0xA4, 0xF4,
        ],
    );
    bus.set_vector(0x20, 0x1000, 0x0100);
    bus.load(CODE + 0x100, &[0x89, 0x0E, 0x00, 0x20, 0xCF]); // mov [2000h],cx; iret
    bus.irq_after_reads = Some(300);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(bus.acks, 1);
    let cx_seen = bus.word(0x22000);
    assert!(
        cx_seen > 0 && cx_seen < 0x200,
        "the interrupt came in the middle (CX {cx_seen:#x})"
    );
    assert_eq!(cpu.gpr[1] & 0xFFFF, 0);
    assert_eq!(
        &bus.ram[0x21000..0x21200],
        &bus.ram[0x20000..0x20200],
        "the copy completed"
    );
}

#[test]
fn divide_error_return_address_depends_on_the_model() {
    for (model, expected_ip) in [(CpuModel::I686, 2u16), (CpuModel::I8086, 4)] {
        let mut bus = TestBus::new();
        // mov bl,0 (2 bytes); div bl (2 bytes) at offset 2; hlt
        bus.load(CODE, &[0xB3, 0x00, 0xF6, 0xF3, 0xF4]);
        bus.set_vector(0, 0x1000, 0x0100);
        bus.load(CODE + 0x100, &[0xF4]);
        let mut cpu = cpu_at(model);
        run_to_halt(&mut cpu, &mut bus);
        assert_eq!(cpu.eip, 0x101, "{model:?}: in the handler");
        assert_eq!(
            bus.word(0x30000 + 0xFFA),
            expected_ip,
            "{model:?}: pushed IP"
        );
    }
}

#[test]
fn a_word_across_the_segment_end_faults_only_after_the_8086() {
    // mov ax,[0FFFFh]; hlt
    let code = [0xA1, 0xFF, 0xFF, 0xF4];
    let mut bus = TestBus::new();
    bus.load(CODE, &code);
    bus.ram[0x2FFFF] = 0x34;
    bus.ram[0x20000] = 0x12;
    bus.set_vector(13, 0x1000, 0x0100);
    bus.load(CODE + 0x100, &[0xF4]);
    let mut cpu = cpu_at(CpuModel::I8086);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(
        cpu.gpr[0] & 0xFFFF,
        0x1234,
        "8086: the word wraps inside the segment"
    );

    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(cpu.eip, 0x101, "686: #GP (INT 13)");
    assert_eq!(
        bus.word(0x30000 + 0xFFA),
        0,
        "pointing at the faulting instruction"
    );
}

#[test]
fn push_sp_and_shift_counts_follow_the_model() {
    // push sp; mov cl,21h; mov al,1; shl al,cl; hlt
    let code = [0x54, 0xB1, 0x21, 0xB0, 0x01, 0xD2, 0xE0, 0xF4];
    for (model, pushed, al) in [(CpuModel::I8086, 0x0FFE, 0), (CpuModel::I686, 0x1000, 2)] {
        let mut bus = TestBus::new();
        bus.load(CODE, &code);
        let mut cpu = cpu_at(model);
        run_to_halt(&mut cpu, &mut bus);
        assert_eq!(bus.word(0x30FFE), pushed, "{model:?}: PUSH SP");
        assert_eq!(cpu.gpr[0] & 0xFF, al, "{model:?}: SHL by 33");
    }
}

#[test]
fn an_unimplemented_feature_stops_and_says_so() {
    // mov eax,cr0; or eax,80000001h; mov cr0,eax (paging is not interpreted yet)
    let mut bus = TestBus::new();
    bus.load(
        CODE,
        &[
            0x0F, 0x20, 0xC0, 0x66, 0x0D, 0x01, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0, 0xF4,
        ],
    );
    let mut cpu = cpu_at(CpuModel::I686);
    assert_eq!(cpu.run(&mut bus, 100), Exit::Shutdown);
    assert!(cpu.unimplemented().is_some());
    assert_eq!(cpu.eip, 9, "stopped on the MOV CR0, which did not execute");
    assert_eq!(cpu.cr0 & 0x8000_0001, 0);
}

#[test]
fn thirty_two_bit_forms_in_real_mode() {
    let code = [
        0x66, 0xB8, 0x78, 0x56, 0x34, 0x12, // mov eax,12345678h
        0x66, 0x0F, 0xC8, // bswap eax
        0x66, 0xBB, 0x02, 0x00, 0x00, 0x00, // mov ebx,2
        0x67, 0x66, 0x89, 0x04, 0x5D, 0x00, 0x01, 0x00, 0x00, // mov [ebx*2+100h],eax
        0x66, 0x0F, 0xBC, 0xC8, // bsf ecx,eax
        0x0F, 0xA2, // cpuid (leaf in EAX = 78563412h: unknown -> zeros)
        0xF4,
    ];
    let mut bus = TestBus::new();
    bus.load(CODE, &code);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(&bus.ram[0x20104..0x20108], &[0x12, 0x34, 0x56, 0x78]);
    assert_eq!(cpu.gpr[1], 0, "CPUID of an unknown leaf");
}

/// Runs `code` at 1000:0000 to its HLT on an i686 and returns the CPU and bus.
fn run_686(code: &[u8]) -> (Cpu, TestBus) {
    let mut bus = TestBus::new();
    bus.load(CODE, code);
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    (cpu, bus)
}

#[test]
fn movzx_movsx_cdq_and_imul_forms() {
    let (cpu, _) = run_686(&[
        0xB0, 0x80, // mov al,80h
        0x66, 0x0F, 0xB6, 0xD8, // movzx ebx,al
        0x66, 0x0F, 0xBE, 0xC8, // movsx ecx,al
        0x66, 0x98, // cwde (AX -> EAX)
        0x66, 0x99, // cdq
        0x66, 0xBE, 0x03, 0x00, 0x00, 0x00, // mov esi,3
        0x66, 0x0F, 0xAF, 0xF1, // imul esi,ecx
        0x66, 0x6B, 0xFE, 0xFE, // imul edi,esi,-2
        0xF4,
    ]);
    assert_eq!(cpu.gpr[3], 0x80, "movzx");
    assert_eq!(cpu.gpr[1], 0xFFFF_FF80, "movsx");
    assert_eq!(cpu.gpr[0], 0x80, "cwde of AX=0080h");
    assert_eq!(cpu.gpr[2], 0, "cdq of a positive EAX");
    assert_eq!(cpu.gpr[6], (-384i32) as u32, "imul esi,ecx");
    assert_eq!(cpu.gpr[7], 768, "imul edi,esi,-2");
}

#[test]
fn bit_tests_scans_and_double_shifts() {
    let (cpu, bus) = run_686(&[
        0x66, 0xB8, 0x00, 0x00, 0x01, 0x00, // mov eax,10000h
        0x66, 0x0F, 0xBC, 0xD8, // bsf ebx,eax -> 16
        0x66, 0x0F, 0xBD, 0xC8, // bsr ecx,eax -> 16
        0xBA, 0x23, 0x00, // mov dx,23h (bit 35 = word 2, bit 3)
        0x0F, 0xAB, 0x16, 0x00, 0x01, // bts [100h],dx -> sets bit 3 of [104h]
        0x66, 0xBE, 0x78, 0x56, 0x34, 0x12, // mov esi,12345678h
        0x66, 0xBF, 0xF0, 0xDE, 0xBC, 0x9A, // mov edi,9ABCDEF0h
        0x66, 0x0F, 0xA4, 0xFE, 0x08, // shld esi,edi,8 -> 3456789Ah
        0x66, 0x0F, 0xAC, 0xF7, 0x04, // shrd edi,esi,4 -> A9ABCDEFh
        0x0F, 0x92, 0xC0, // setb al (CF of the SHRD: bit 3 of EDI = 0)
        0xF4,
    ]);
    assert_eq!(cpu.gpr[3], 16);
    assert_eq!(cpu.gpr[1], 16);
    assert_eq!(
        bus.ram[0x20104], 0x08,
        "BTS with a register offset reaches the next words"
    );
    assert_eq!(cpu.gpr[6], 0x3456_789A);
    assert_eq!(cpu.gpr[7], 0xA9AB_CDEF);
    assert_eq!(cpu.gpr[0] & 0xFF, 0);
}

#[test]
fn cmpxchg_xadd_cmov_and_pushad() {
    let (cpu, bus) = run_686(&[
        0x66, 0xB8, 0x05, 0x00, 0x00, 0x00, // mov eax,5
        0x66, 0xC7, 0x06, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, // mov dword [100h],5
        0x66, 0xBB, 0x07, 0x00, 0x00, 0x00, // mov ebx,7
        0x66, 0x0F, 0xB1, 0x1E, 0x00, 0x01, // cmpxchg [100h],ebx -> equal: [100h]=7, ZF=1
        0x66, 0x0F, 0xB1, 0x1E, 0x00, 0x01, // again -> not equal: EAX=7, ZF=0
        0x66, 0xB9, 0x01, 0x00, 0x00, 0x00, // mov ecx,1
        0x66, 0x0F, 0xC1, 0x0E, 0x00, 0x01, // xadd [100h],ecx -> [100h]=8, ECX=7
        0x66, 0x0F, 0x44, 0xD1, // cmove edx,ecx (ZF from XADD: 0 -> not moved)
        0x66, 0x0F, 0x45, 0xE9, // cmovne ebp,ecx -> EBP=7
        0x66, 0x60, // pushad
        0x66, 0x61, // popad
        0xF4,
    ]);
    assert_eq!(
        u32::from_le_bytes(bus.ram[0x20100..0x20104].try_into().unwrap()),
        8
    );
    assert_eq!(cpu.gpr[0], 7, "the failed CMPXCHG loaded EAX");
    assert_eq!(cpu.gpr[1], 7, "XADD returned the old value");
    assert_eq!(cpu.gpr[2], 0, "CMOVE did not move");
    assert_eq!(cpu.gpr[5], 7, "CMOVNE moved");
    assert_eq!(cpu.gpr[4], 0x1000, "PUSHAD/POPAD balance");
    // PUSHAD stores EAX ECX EDX EBX ESP EBP ESI EDI downwards from 0FFCh.
    assert_eq!(bus.word(0x30FF0), 7, "EBX slot");
    assert_eq!(
        bus.word(0x30FEC),
        0x1000,
        "the ESP slot holds the value before PUSHAD"
    );
}

#[test]
fn enter_leave_and_far_pointers() {
    let (cpu, bus) = run_686(&[
        0xBD, 0x34, 0x12, // mov bp,1234h
        0xC8, 0x08, 0x00, 0x00, // enter 8,0
        0x89, 0xEE, // mov si,bp
        0xC9, // leave
        0xC7, 0x06, 0x00, 0x02, 0x78, 0x56, // mov word [200h],5678h
        0xC7, 0x06, 0x02, 0x02, 0x00, 0x40, // mov word [202h],4000h
        0x0F, 0xB4, 0x3E, 0x00, 0x02, // lfs di,[200h]
        0x64, 0x8B, 0x05, // mov ax,[fs:di]
        0xF4,
    ]);
    assert_eq!(
        cpu.gpr[6] & 0xFFFF,
        0x0FFE,
        "ENTER made BP the frame pointer"
    );
    assert_eq!(cpu.gpr[5] & 0xFFFF, 0x1234, "LEAVE restored BP");
    assert_eq!(cpu.gpr[4] & 0xFFFF, 0x1000, "and SP");
    assert_eq!(cpu.segs[SegReg::Fs as usize].selector, 0x4000);
    assert_eq!(cpu.gpr[7] & 0xFFFF, 0x5678);
    assert_eq!(
        cpu.gpr[0] & 0xFFFF,
        u16::from_le_bytes([bus.ram[0x45678], bus.ram[0x45679]]) as u32
    );
}

#[test]
fn address_size_prefix_on_string_ops_and_rel32_jumps() {
    let (cpu, bus) = run_686(&[
        0x66, 0xB9, 0x03, 0x00, 0x00, 0x00, // mov ecx,3
        0x66, 0xBF, 0x00, 0x03, 0x00, 0x00, // mov edi,300h
        0xB0, 0xAA, // mov al,0AAh
        0xFC, // cld
        0x67, 0xF3, 0xAA, // rep stosb (ECX/EDI)
        0x0F, 0x84, 0x01, 0x00, // je +1 (ZF clear from CLD? flags unchanged -> not taken)
        0x90, // nop
        0x66, 0xE9, 0x01, 0x00, 0x00, 0x00, // jmp rel32 +1 (skips the HLT below)
        0xF4, // (skipped)
        0x66, 0x41, // inc ecx
        0xF4,
    ]);
    assert_eq!(&bus.ram[0x20300..0x20304], &[0xAA, 0xAA, 0xAA, 0x00]);
    assert_eq!(cpu.gpr[7], 0x303);
    assert_eq!(cpu.gpr[1], 1, "ECX ran down to 0, then INC");
}

#[test]
fn the_ram_window_gives_the_same_results_as_the_bus() {
    // A loop with stack traffic, string stores, memory arithmetic, a shift and a store that
    // patches an immediate of the loop itself (seen on the next pass).
    let program: &[u8] = &[
        0xB9, 0x20, 0x00, // mov cx,20h
        0xBF, 0x00, 0x02, // mov di,200h
        0xB0, 0x01, // again: mov al,1 (patched: the immediate grows each pass)
        0x2E, 0xFE, 0x06, 0x07, 0x00, // inc byte [cs:7]
        0x50, // push ax
        0xAA, // stosb
        0x00, 0x05, // add [di],al
        0xD1, 0xE3, // shl bx,1
        0x01, 0xC3, // add bx,ax
        0x5A, // pop dx
        0xE2, 0xEE, // loop again
        0xF4, // hlt
    ];
    let run = |window: bool| {
        let mut bus = TestBus::new();
        bus.window = window;
        bus.load(CODE, program);
        let mut cpu = cpu_at(CpuModel::I686);
        run_to_halt(&mut cpu, &mut bus);
        (cpu.gpr, cpu.eflags(), bus.ram)
    };
    let (gpr, flags, ram) = run(true);
    let (gpr_bus, flags_bus, ram_bus) = run(false);
    assert_eq!(gpr, gpr_bus);
    assert_eq!(flags, flags_bus);
    assert!(ram == ram_bus, "RAM differs");
    assert_eq!(
        gpr[2] & 0xFF,
        0x20,
        "the last pass ran with the immediate patched 31 times"
    );
}

#[test]
fn single_step_traps_follow_tf_as_each_instruction_began() {
    let program: &[u8] = &[
        0x9C, // pushf
        0x58, // pop ax
        0x0D, 0x00, 0x01, // or ax,100h
        0x50, // push ax
        0x9D, // popf        TF comes on: no trap after this one
        0x90, // nop         trap 1
        0x90, // nop         trap 2
        0xCD, 0x40, // int 40h  no trap: the handler runs with TF clear, nor after its IRET
        0x90, // nop         trap 3 (the IRET gave TF back)
        0x9C, // pushf       trap 4
        0x58, // pop ax      trap 5
        0x25, 0xFF, 0xFE, // and ax,0FEFFh  trap 6
        0x50, // push ax     trap 7
        0x9D, // popf        trap 8: TF was set as it began, though it clears it
        0x90, // nop         no trap
        0xF4, // hlt
    ];
    let mut bus = TestBus::new();
    bus.load(CODE, program);
    bus.set_vector(1, 0, 0x500);
    bus.load(0x500, &[0x45, 0xCF]); // inc bp; iret
    bus.set_vector(0x40, 0, 0x600);
    bus.load(0x600, &[0xCF]); // iret
    let mut cpu = cpu_at(CpuModel::I686);
    run_to_halt(&mut cpu, &mut bus);
    assert_eq!(cpu.gpr[5], 8, "single-step traps taken");
    assert_eq!(cpu.eflags() & 0x100, 0, "TF ends clear");
}
