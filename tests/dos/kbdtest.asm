; KBDTEST.COM -- keyboard services: INT 16h AH=05h stuffing and read back with
; AH=00h/10h/01h, shift flags, then echoes real key presses until Esc (each
; key's scan/ASCII word goes to the screen and port E9h), ending with a CRC.
%include "common.inc"
start:
        mov si, s_title
        call puts
        ; flush
.fl:    mov ah, 0x01
        int 0x16
        jz .st
        xor ah, ah
        int 0x16
        jmp .fl
.st:    mov si, stuff
.stl:   lodsw
        test ax, ax
        jz .rd
        mov cx, ax
        mov ah, 0x05
        int 0x16
        jmp .stl
.rd:    mov si, stuff
        xor bp, bp              ; mismatches
.rdl:   lodsw
        test ax, ax
        jz .rdd
        mov bx, ax
        mov ah, 0x11
        int 0x16
        jz .bad
        cmp ax, bx
        jne .bad
        mov ah, 0x10
        int 0x16
        cmp ax, bx
        je .rdl
.bad:   inc bp
        jmp .rdl
.rdd:   mov si, s_stuff
        call puts
        mov ax, bp
        call puthex16
        call crlf
        mov ah, 0x02
        int 0x16
        mov [flags], al
        mov si, s_flags
        call puts
        mov al, [flags]
        call puthex8
        call crlf
        ; interactive part
        mov si, s_type
        call puts
        xor bx, bx              ; crc
        xor cx, cx
.k:     push bx
        push cx
        xor ah, ah
        int 0x16
        pop cx
        pop bx
        push ax
        call puthex16
        mov al, ' '
        call putc
        pop ax
        call crc_byte
        xchg al, ah
        call crc_byte
        xchg al, ah
        inc cx
        cmp ax, 0x011B
        jne .k
        call crlf
        mov si, s_keys
        call puts
        movzx eax, cx
        call putdec
        mov si, s_crc
        call puts
        mov ax, bx
        call puthex16
        call crlf
        cmp bp, 0
        jne .f
        clc
        jmp .r
.f:     stc
.r:     mov si, s_name
        call result
        jmp exit

stuff:  dw 0x1E61, 0x3042, 0x4800, 0x48E0, 0x8500, 0x011B, 0x1C0D, 0
s_title: db "Keyboard test", 13, 10, 0
s_stuff: db "INT 16h 05h/11h/10h round trip mismatches: ", 0
s_flags: db "shift flags (INT 16h 02h): ", 0
s_type: db "Type keys, Esc ends:", 13, 10, 0
s_keys: db "keys: ", 0
s_crc:  db "  CRC of key words: ", 0
s_name: db "KBDTEST", 0
flags:  db 0
