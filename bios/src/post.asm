; ---------------------------------------------------------------------------
; Power-on self test
; ---------------------------------------------------------------------------
post_entry:
        cli
        cld
        POST_CODE 0x01
        xor ax, ax
        mov ss, ax
        mov sp, STACK_TOP
        mov si, msg_dbg_start
        call dbg_str

        ; ---- DMA controllers: master clear, cascade channel 4
        POST_CODE 0x02
        out 0x0D, al            ; DMA1 master clear
        out 0xDA, al            ; DMA2 master clear
        mov al, 0xC0
        out 0xD6, al            ; channel 4: cascade mode
        xor al, al
        out 0xD4, al            ; unmask channel 4
        out 0x08, al            ; DMA1 command: enabled, normal
        out 0xD0, al

        ; ---- 8259 PICs: vectors 08h and 70h
        POST_CODE 0x03
        mov al, 0x11
        out 0x20, al
        out 0xA0, al
        mov al, 0x08
        out 0x21, al
        mov al, 0x70
        out 0xA1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xA1, al
        mov al, 0x01
        out 0x21, al
        out 0xA1, al
        mov al, 0xFF            ; everything masked for now
        out 0x21, al
        out 0xA1, al

        ; ---- local APIC (not on Cloister; QEMU -M pc has one): virtual wire
        call apic_virtual_wire

        ; ---- 8254 PIT channel 0: mode 2, divisor 65536 (18.2 Hz)
        POST_CODE 0x04
        mov al, 0x34
        out 0x43, al
        xor al, al
        out 0x40, al
        out 0x40, al
        ; channel 2 (speaker) mode 3, 1 kHz, gate off
        mov al, 0xB6
        out 0x43, al
        mov ax, 1193
        out 0x42, al
        mov al, ah
        out 0x42, al
        in al, 0x61
        and al, 0xFC
        out 0x61, al

        ; ---- clear IVT, BDA and low memory up to 7C00h
        POST_CODE 0x05
        xor ax, ax
        mov es, ax
        xor di, di
        mov cx, 0x7000 / 2
        rep stosw
        ; clear the EBDA
        mov ax, EBDA_SEG
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, EBDA_KB * 512
        rep stosw
        mov byte [es:0], EBDA_KB

        ; ---- interrupt vector table
        POST_CODE 0x06
        xor ax, ax
        mov es, ax
        xor di, di
        mov cx, 256
.ivt:   mov ax, int_dummy
        stosw
        mov ax, cs
        stosw
        loop .ivt
        mov si, vector_table
.vt:    mov bl, [cs:si]
        mov ax, [cs:si+1]
        add si, 3
        cmp bl, 0xFF
        je .vtdone
        xor bh, bh
        shl bx, 2
        mov [es:bx], ax
        mov word [es:bx+2], 0xF000
        jmp .vt
.vtdone:
        mov word [es:0x1E*4+2], 0xF000
        ; INT 41h/46h -> FDPTs in EBDA
        mov word [es:0x41*4], EB_FDPT0
        mov word [es:0x41*4+2], EBDA_SEG
        mov word [es:0x46*4], EB_FDPT1
        mov word [es:0x46*4+2], EBDA_SEG

        ; ---- BIOS data area
        POST_CODE 0x07
        mov ax, BDA_SEG
        mov ds, ax
        mov word [0x0E], EBDA_SEG
        ; keyboard buffer
        mov ax, 0x1E
        mov [0x1A], ax
        mov [0x1C], ax
        mov [0x80], ax
        mov word [0x82], 0x3E
        mov byte [0x96], 0x10   ; 101/102-key keyboard installed
        mov byte [0x17], 0x20   ; NumLock on
        ; memory size: CMOS 15h/16h
        mov al, 0x16
        call cmos_read
        mov ah, al
        mov al, 0x15
        call cmos_read
        cmp ax, 640
        jbe .bm
        mov ax, 640
.bm:    cmp ax, 64
        jae .bm2
        mov ax, 640
.bm2:   sub ax, EBDA_KB
        mov [0x13], ax
        ; floppy motor timeout, etc.
        mov byte [0x40], 0
        ; equipment word: video 80x25 colour, FPU no
        mov word [0x10], 0x0020
        ; serial port: COM1 present?
        call serial_detect
        ; printer: none, timeouts
        mov dword [0x78], 0x14141414
        mov dword [0x7C], 0x01010101

        ; ---- unmask timer, keyboard, cascade, floppy, RTC, IDE
        POST_CODE 0x08
        mov al, 0xB8            ; IRQ0,1,2,6 enabled
        out 0x21, al
        mov al, 0x3E            ; IRQ8 (RTC), IRQ14 enabled (IRQ15 too)
        out 0xA1, al
        sti

        ; ---- video
        POST_CODE 0x10
        mov ax, 0x0003
        int 0x10
        mov si, msg_banner
        call print_str

        ; ---- keyboard controller
        POST_CODE 0x20
        call kbd_init

        ; ---- memory report
        POST_CODE 0x30
        mov si, msg_mem1
        call print_str
        mov ax, [0x13]
        add ax, EBDA_KB
        call print_dec
        mov si, msg_mem2
        call print_str
        call ext_mem_kb         ; EAX = KiB above 1 MiB
        call print_dec32
        mov si, msg_mem3
        call print_str

        call e820_build

        ; ---- RTC -> tick counter
        POST_CODE 0x40
        call rtc_init
        call rtc_to_ticks

        ; ---- floppy
        POST_CODE 0x50
        call floppy_init

        ; ---- hard disks
        POST_CODE 0x60
        call ata_init

        mov si, msg_crlf
        call print_str

        ; A20 off at boot, as on a real AT (DOS extenders turn it on)
        in al, 0x92
        and al, 0xFC
        out 0x92, al

        POST_CODE 0x70
        ; warm boot flag cleared
        mov word [0x72], 0
        int 0x19
        jmp $

vector_table:
        db 0x08
        dw int08_handler
        db 0x09
        dw int09_handler
        db 0x0A
        dw irq_master_eoi
        db 0x0B
        dw irq_master_eoi
        db 0x0C
        dw irq_master_eoi
        db 0x0D
        dw irq_master_eoi
        db 0x0E
        dw int0e_handler
        db 0x0F
        dw int_dummy
        db 0x10
        dw int10_handler
        db 0x11
        dw int11_handler
        db 0x12
        dw int12_handler
        db 0x13
        dw int13_handler
        db 0x14
        dw int14_handler
        db 0x15
        dw int15_handler
        db 0x16
        dw int16_handler
        db 0x17
        dw int17_handler
        db 0x18
        dw int18_handler
        db 0x19
        dw int19_handler
        db 0x1A
        dw int1a_handler
        db 0x1E
        dw diskette_param_table
        db 0x40
        dw int13_handler
        db 0x1F
        dw font8x8 + 128*8
        db 0x43
        dw font8x8
        db 0x70
        dw int70_handler
        db 0x71
        dw irq_slave_eoi
        db 0x72
        dw irq_slave_eoi
        db 0x73
        dw irq_slave_eoi
        db 0x74
        dw irq_slave_eoi
        db 0x75
        dw irq_slave_eoi
        db 0x76
        dw irq_slave_eoi
        db 0x77
        dw irq_slave_eoi
        db 0xFF
        dw 0

msg_dbg_start:  db "Cloister BIOS: POST start", 13, 10, 0
msg_banner:     db "Cloister BIOS 0.1 - PC/AT compatible firmware for the Cloister emulator", 13, 10
                db "Copyright (c) 2026 the Cloister authors", 13, 10, 13, 10, 0
msg_mem1:       db "Memory: ", 0
msg_mem2:       db " KiB base, ", 0
msg_mem3:       db " KiB extended", 13, 10, 0
msg_crlf:       db 13, 10, 0

; ext_mem_kb: EAX = KiB of memory above 1 MiB (from CMOS)
ext_mem_kb:
        push bx
        mov al, 0x35
        call cmos_read
        mov ah, al
        mov al, 0x34
        call cmos_read
        test ax, ax
        jz .small
        movzx eax, ax
        shl eax, 6              ; 64 KiB units -> KiB
        add eax, 15 * 1024
        pop bx
        ret
.small: mov al, 0x31
        call cmos_read
        mov ah, al
        mov al, 0x30
        call cmos_read
        mov bx, ax
        mov al, 0x18
        call cmos_read
        mov ah, al
        mov al, 0x17
        call cmos_read
        cmp ax, bx
        jae .x
        mov ax, bx
.x:     movzx eax, ax
        pop bx
        ret

; apic_virtual_wire: if the CPU has an enabled local APIC, route the 8259's
; INTR through LINT0 (ExtINT) and NMI through LINT1, as PC firmware does.
; Machines without CPUID or without an APIC (Cloister) skip this.
apic_virtual_wire:
        pushfd
        pop eax
        mov ecx, eax
        xor eax, 0x200000       ; can EFLAGS.ID be toggled?
        push eax
        popfd
        pushfd
        pop eax
        push ecx
        popfd
        xor eax, ecx
        test eax, 0x200000
        jz .x
        cpu 586
        mov eax, 1
        cpuid
        test edx, 1 << 9        ; APIC present
        jz .x
        mov ecx, 0x1B
        rdmsr
        test eax, 0x800         ; globally enabled
        jz .x
        cpu 386
        and eax, 0xFFFFF000
        mov edi, eax
        call unreal_enter       ; DS/ES get 4 GiB limits, base 0
        mov eax, [es:edi + 0xF0]
        or eax, 0x1FF           ; software enable, spurious vector FFh
        mov [es:edi + 0xF0], eax
        mov dword [es:edi + 0x350], 0x700       ; LINT0: ExtINT
        mov dword [es:edi + 0x360], 0x400       ; LINT1: NMI
.x:     xor ax, ax
        mov ds, ax
        mov es, ax
        ret

; unreal_enter: (interrupts off) load DS and ES with 4 GiB limits, base 0
unreal_enter:
        push eax
        pushf
        cli
        o32 lgdt [cs:unreal_gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp GDT_CODE16:.pm
.pm:    mov ax, GDT_DATA
        mov ds, ax
        mov es, ax
        mov eax, cr0
        and al, 0xFE
        mov cr0, eax
        jmp 0xF000:.rm
.rm:    xor ax, ax
        mov ds, ax
        mov es, ax
        popf
        pop eax
        ret
