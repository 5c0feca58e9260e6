; Minimal MBR for the Cloister test disks: relocates to 0:0600h, loads the
; boot sector of the active partition with INT 13h AH=42h to 0:7C00h and
; jumps to it with DL = drive and DS:SI -> partition entry.
        cpu 386
        bits 16
        org 0x600
start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov si, 0x7C00
        mov di, 0x600
        mov cx, 256
        rep movsw
        jmp 0:go
go:     mov si, 0x7BE
        mov cx, 4
.find:  test byte [si], 0x80
        jnz .found
        add si, 16
        loop .find
        mov si, msg_noact
        jmp fail
.found: mov eax, [si+8]
        mov [dap_lba], eax
        push si
        mov si, dap
        mov ah, 0x42
        int 0x13
        pop si
        jc .err
        cmp word [0x7DFE], 0xAA55
        jne .err
        jmp 0:0x7C00
.err:   mov si, msg_err
fail:   lodsb
        test al, al
        jz $
        mov ah, 0x0E
        mov bx, 7
        int 0x10
        jmp fail

dap:    db 0x10, 0
        dw 1
        dw 0x7C00, 0
dap_lba: dd 0, 0
msg_noact: db "MBR: no active partition", 0
msg_err:   db "MBR: read error", 0
        times 446 - ($ - $$) db 0
