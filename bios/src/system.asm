; ---------------------------------------------------------------------------
; INT 11h, 12h, 14h (serial), 15h (system), 17h (printer)
; ---------------------------------------------------------------------------
int11_handler:
        push ds
        push word BDA_SEG
        pop ds
        mov ax, [0x10]
        pop ds
        iret

int12_handler:
        push ds
        push word BDA_SEG
        pop ds
        mov ax, [0x13]
        pop ds
        iret

int17_handler:
        mov ah, 0x08            ; no printer: I/O error
        iret

; ---- serial ---------------------------------------------------------------------
serial_detect:                  ; DS = BDA
        mov dx, 0x3FF           ; scratch register
        mov al, 0x5A
        out dx, al
        in al, dx
        cmp al, 0x5A
        jne .no
        mov dx, 0x3FA
        in al, dx
        test al, 0x30           ; IIR bits 4-5 read as 0
        jnz .no
        mov word [0x00], 0x3F8
        and word [0x10], 0xF1FF
        or word [0x10], 0x0200  ; one serial port
        ; 9600 8N1 default
        mov dx, 0x3FB
        mov al, 0x80
        out dx, al
        mov dx, 0x3F8
        mov al, 12
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, 0x3FB
        mov al, 0x03
        out dx, al
        mov dx, 0x3F9
        xor al, al
        out dx, al              ; no UART interrupts
        mov dx, 0x3FC
        mov al, 0x03            ; DTR, RTS
        out dx, al
.no:    ret

serial_divisors: dw 1047, 768, 384, 192, 96, 48, 24, 12

int14_handler:
        sti
        FRAME_ENTER
        push word BDA_SEG
        pop ds
        mov bx, [R_DX]
        cmp bx, 3
        ja .bad
        shl bx, 1
        mov dx, [bx]            ; base port
        test dx, dx
        jz .bad
        mov ah, [R_AH]
        cmp ah, 0
        je .init
        cmp ah, 1
        je .send
        cmp ah, 2
        je .recv
        cmp ah, 3
        je .stat
.bad:   mov byte [R_AH], 0x80
        FRAME_IRET
.init:  push dx
        add dx, 3
        mov al, 0x80
        out dx, al
        movzx si, byte [R_AL]
        shr si, 5
        shl si, 1
        mov ax, [cs:serial_divisors + si]
        sub dx, 3
        out dx, al
        inc dx
        mov al, ah
        out dx, al
        add dx, 2
        mov al, [R_AL]
        and al, 0x1F
        out dx, al
        pop dx
        jmp .stat
.send:  push dx
        add dx, 5
        call .timeout_start
.sw:    in al, dx
        test al, 0x20
        jnz .sgo
        call ticks_elapsed
        jnc .sw
        pop dx
        add dx, 5
        in al, dx
        or al, 0x80
        mov [R_AH], al
        FRAME_IRET
.sgo:   pop dx
        mov al, [R_AL]
        out dx, al
        add dx, 5
        in al, dx
        mov [R_AH], al
        FRAME_IRET
.recv:  push dx
        add dx, 5
        call .timeout_start
.rw:    in al, dx
        test al, 0x01
        jnz .rgo
        call ticks_elapsed
        jnc .rw
        pop dx
        mov byte [R_AH], 0x80
        FRAME_IRET
.rgo:   and al, 0x1E
        mov [R_AH], al
        pop dx
        in al, dx
        mov [R_AL], al
        FRAME_IRET
.stat:  add dx, 5
        in al, dx
        mov [R_AH], al
        inc dx
        in al, dx
        mov [R_AL], al
        FRAME_IRET
.timeout_start:
        push eax
        call read_ticks
        mov ebx, eax
        movzx si, byte [R_DL]
        movzx ecx, byte [0x7C + si]
        test ecx, ecx
        jnz .t1
        inc ecx
.t1:    pop eax
        ret

; ---- INT 15h ---------------------------------------------------------------------
int15_handler:
        cmp ah, 0x4F
        je i15_kbint
        cmp ax, 0xE820
        je int15_e820
        cmp ax, 0xE801
        je int15_e801
        sti
        FRAME_ENTER
        push word BDA_SEG
        pop ds
        mov ah, [R_AH]
        cmp ah, 0x24
        je i15_a20
        cmp ah, 0x87
        je i15_move
        cmp ah, 0x88
        je i15_extmem
        cmp ah, 0x86
        je i15_wait
        cmp ah, 0xC0
        je i15_config
        cmp ah, 0xC1
        je i15_ebda
        cmp ah, 0x90
        je i15_ok
        cmp ah, 0x91
        je i15_ok
i15_unsup:
        mov byte [R_AH], 0x86
        SET_CF
        FRAME_IRET
i15_ok: mov byte [R_AH], 0
        CLR_CF
        FRAME_IRET
i15_kbint: ; keyboard intercept: leave CF as the caller set it (set = process)
        iret

i15_config:
        mov word [R_ES], cs
        mov word [R_BX], bios_config_table
        jmp i15_ok

i15_ebda:
        mov ax, [0x0E]
        mov [R_ES], ax
        CLR_CF
        FRAME_IRET

i15_extmem:
        mov al, 0x31
        call cmos_read
        mov ah, al
        mov al, 0x30
        call cmos_read
        mov [R_AX], ax
        CLR_CF
        FRAME_IRET

; A20 gate through port 92h
i15_a20:
        mov al, [R_AL]
        cmp al, 0
        je .dis
        cmp al, 1
        je .en
        cmp al, 2
        je .st
        cmp al, 3
        je .sup
        jmp i15_unsup
.dis:   in al, 0x92
        and al, 0xFC
        out 0x92, al
        jmp i15_ok
.en:    in al, 0x92
        or al, 0x02
        and al, 0xFE
        out 0x92, al
        jmp i15_ok
.st:    in al, 0x92
        shr al, 1
        and al, 1
        mov [R_AL], al
        jmp i15_ok
.sup:   mov word [R_BX], 0x0002 ; fast A20 via port 92h
        jmp i15_ok

; AH=87h block move: ES:SI -> GDT (source descriptor at +10h, destination
; at +18h), CX = words.  Implemented with "unreal mode": DS/ES get a 4 GiB
; limit through a short switch to protected mode, then a32 rep movsw.
i15_move:
        mov es, [R_ES]
        mov si, [R_SI]
        mov eax, [es:si+0x12]
        and eax, 0x00FFFFFF
        mov al, [es:si+0x17]
        mov ebx, [es:si+0x12]
        and ebx, 0x00FFFFFF
        movzx eax, byte [es:si+0x17]
        shl eax, 24
        or ebx, eax             ; EBX = source linear
        mov edx, [es:si+0x1A]
        and edx, 0x00FFFFFF
        movzx eax, byte [es:si+0x1F]
        shl eax, 24
        or edx, eax             ; EDX = destination linear
        movzx ecx, word [R_CX]
        cli
        in al, 0x92
        push ax
        or al, 0x02
        and al, 0xFE
        out 0x92, al
        ; switch to protected mode, copy with flat 4 GiB data segments,
        ; switch back (interrupts stay off; no IDT is needed)
        o32 lgdt [cs:unreal_gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp GDT_CODE16:.pm
.pm:    mov ax, GDT_DATA
        mov ds, ax
        mov es, ax
        mov esi, ebx
        mov edi, edx
        cld
        a32 rep movsw
        mov eax, cr0
        and al, 0xFE
        mov cr0, eax
        jmp 0xF000:.rm
.rm:    xor ax, ax
        mov ds, ax
        mov es, ax
        pop ax
        out 0x92, al
        sti
        push word BDA_SEG
        pop ds
        jmp i15_ok

; GDT for INT 15h AH=87h and for POST's unreal-mode accesses
GDT_DATA    equ 0x08            ; base 0, limit 4 GiB, data read/write
GDT_CODE16  equ 0x10            ; base F0000h, limit 64 KiB, 16-bit code
        align 8
unreal_gdt:
        dq 0
        dw 0xFFFF, 0x0000
        db 0x00, 0x92, 0xCF, 0x00
        dw 0xFFFF, 0x0000
        db 0x0F, 0x9A, 0x00, 0x00
unreal_gdtr:
        dw 23
        dd 0xF0000 + unreal_gdt

; AH=86h wait CX:DX microseconds (PIT channel 0 count-down, mode 2)
i15_wait:
        mov ax, [R_CX]
        shl eax, 16
        mov ax, [R_DX]
.big:   cmp eax, 50000
        jbe .last
        push eax
        mov cx, 59659
        call pit_wait_counts
        pop eax
        sub eax, 50000
        jmp .big
.last:  imul eax, eax, 1193
        xor edx, edx
        mov ecx, 1000
        div ecx
        mov cx, ax
        call pit_wait_counts
        jmp i15_ok

; pit_read: AX = channel 0 count
pit_read:
        pushf
        cli
        xor al, al
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        popf
        ret

; pit_wait_counts: CX = counts (838 ns each)
pit_wait_counts:
        push ax
        push bx
        push dx
        call pit_read
        mov bx, ax
        xor dx, dx              ; elapsed
.l:     cmp dx, cx
        jae .x
        call pit_read
        push bx
        sub bx, ax
        add dx, bx
        pop bx
        jc .x
        mov bx, ax
        jmp .l
.x:     pop dx
        pop bx
        pop ax
        ret

; E801: memory size for > 64 MiB configurations
int15_e801:
        push ds
        push ax
        mov al, 0x31
        call cmos_read
        mov ah, al
        mov al, 0x30
        call cmos_read
        cmp ax, 0x3C00
        jbe .a
        mov ax, 0x3C00
.a:     mov cx, ax
        mov al, 0x35
        call cmos_read
        mov ah, al
        mov al, 0x34
        call cmos_read
        mov bx, ax
        mov dx, ax
        pop ax
        mov ax, cx
        pop ds
        push bp
        mov bp, sp
        and byte [bp+6], 0xFE
        pop bp
        iret

; E820: system memory map (table built at POST in the EBDA)
int15_e820:
        cmp edx, 0x534D4150
        jne .bad
        cmp ecx, 20
        jb .bad
        push ds
        push esi
        push di
        push cx
        push ax
        mov ax, EBDA_SEG
        mov ds, ax
        movzx eax, byte [EB_E820N]
        cmp ebx, eax
        jae .bad2
        imul si, bx, 20
        add si, EB_E820
        mov cx, 20
        cld
        rep movsb
        inc ebx
        cmp ebx, eax
        jb .more
        xor ebx, ebx
.more:  pop ax
        pop cx
        pop di
        pop esi
        pop ds
        mov eax, 0x534D4150
        mov ecx, 20
        push bp
        mov bp, sp
        and byte [bp+6], 0xFE
        pop bp
        iret
.bad2:  pop ax
        pop cx
        pop di
        pop esi
        pop ds
.bad:   mov ah, 0x86
        push bp
        mov bp, sp
        or byte [bp+6], 1
        pop bp
        iret

EB_E820N    equ 0xFE
EB_E820     equ 0x100

; e820_build: POST, DS = BDA
e820_build:
        push es
        mov ax, EBDA_SEG
        mov es, ax
        mov di, EB_E820
        xor eax, eax
        stosd
        stosd
        movzx eax, word [0x13]
        shl eax, 10
        stosd                   ; base memory
        xor eax, eax
        stosd
        inc eax
        stosd                   ; type 1
        movzx eax, word [0x13]
        shl eax, 10
        stosd
        xor eax, eax
        stosd
        mov eax, 0xA0000
        movzx ebx, word [0x13]
        shl ebx, 10
        sub eax, ebx
        stosd
        xor eax, eax
        stosd
        mov eax, 2
        stosd                   ; EBDA reserved
        mov eax, 0xF0000
        stosd
        xor eax, eax
        stosd
        mov eax, 0x10000
        stosd
        xor eax, eax
        stosd
        mov eax, 2
        stosd                   ; BIOS ROM
        mov byte [es:EB_E820N], 3
        ; extended memory
        mov al, 0x35
        call cmos_read
        mov ah, al
        mov al, 0x34
        call cmos_read
        test ax, ax
        jz .small
        push ax
        mov eax, 0x100000
        stosd
        xor eax, eax
        stosd
        mov eax, 0xF00000
        stosd
        xor eax, eax
        stosd
        inc eax
        stosd
        mov eax, 0x1000000
        stosd
        xor eax, eax
        stosd
        pop ax
        movzx eax, ax
        shl eax, 16
        stosd
        xor eax, eax
        stosd
        inc eax
        stosd
        add byte [es:EB_E820N], 2
        jmp .top
.small: call ext_mem_kb
        test eax, eax
        jz .top
        push eax
        mov eax, 0x100000
        stosd
        xor eax, eax
        stosd
        pop eax
        shl eax, 10
        stosd
        xor eax, eax
        stosd
        inc eax
        stosd
        inc byte [es:EB_E820N]
.top:   mov eax, 0xFFFF0000     ; high BIOS alias
        stosd
        xor eax, eax
        stosd
        mov eax, 0x10000
        stosd
        xor eax, eax
        stosd
        mov eax, 2
        stosd
        inc byte [es:EB_E820N]
        pop es
        ret

