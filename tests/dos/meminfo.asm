; MEMINFO.COM -- what memory the BIOS reports (INT 12h, INT 15h 88h/E801h/E820h)
; and what DOS has free.  A stand-in for MEM on disks that lack it.
%include "common.inc"
start:
        mov si, s_title
        call puts
        int 0x12
        mov si, s_int12
        call puts
        movzx eax, ax
        call putdec
        mov si, s_kib
        call puts
        mov ah, 0x88
        int 0x15
        mov si, s_88
        call puts
        movzx eax, ax
        call putdec
        mov si, s_kib
        call puts
        mov ax, 0xE801
        int 0x15
        jc .noe801
        push bx
        mov si, s_e801
        call puts
        movzx eax, ax
        call putdec
        mov si, s_e801b
        call puts
        pop ax
        movzx eax, ax
        call putdec
        mov si, s_64k
        call puts
.noe801:
        mov si, s_e820
        call puts
        xor ebx, ebx
        xor ebp, ebp            ; total usable
.e820:  mov eax, 0xE820
        mov edx, 0x534D4150
        mov ecx, 20
        mov di, e820buf
        push ds
        pop es
        int 0x15
        jc .e820end
        cmp eax, 0x534D4150
        jne .e820end
        push ebx
        mov al, ' '
        call putc
        call putc
        mov eax, [e820buf+4]
        call puthex32
        mov eax, [e820buf]
        call puthex32
        mov al, ' '
        call putc
        mov eax, [e820buf+12]
        call puthex32
        mov eax, [e820buf+8]
        call puthex32
        mov si, s_type
        call puts
        mov eax, [e820buf+16]
        call putdec
        call crlf
        cmp dword [e820buf+16], 1
        jne .nu
        add ebp, [e820buf+8]
.nu:    pop ebx
        inc word [count]
        test ebx, ebx
        jnz .e820
.e820end:
        mov si, s_usable
        call puts
        mov eax, ebp
        shr eax, 10
        call putdec
        mov si, s_kib
        call puts
        ; DOS free conventional memory (shrink our own block to 64 KiB first)
        mov ah, 0x4A
        mov bx, 0x1000
        push cs
        pop es
        int 0x21
        mov ah, 0x48
        mov bx, 0xFFFF
        int 0x21
        movzx eax, bx
        shl eax, 4
        mov si, s_dos
        call puts
        call putdec
        mov si, s_bytes
        call puts
        ; ---- A20 (INT 15h 2402h/2401h/2403h) and block move (87h)
        mov ax, 0x2403
        int 0x15
        mov [a20sup], bx
        mov ax, 0x2401
        int 0x15
        mov ax, 0x2402
        int 0x15
        mov [a20st], al
        mov si, s_a20
        call puts
        mov al, [a20st]
        call puthex8
        mov si, s_a20b
        call puts
        mov ax, [a20sup]
        call puthex16
        call crlf
        ; pattern -> 1 MiB + 64 KiB -> back into buf2, compare
        mov di, mbuf1
        mov cx, 512
        mov al, 0x5A
.pf:    stosb
        add al, 13
        loop .pf
        mov ax, ds
        movzx eax, ax
        shl eax, 4
        add eax, mbuf1
        mov [gdt_src+2], ax
        shr eax, 16
        mov [gdt_src+4], al
        mov [gdt_src+7], ah
        mov dword [gdt_dst+2], 0x110000 & 0xFFFFFF
        mov byte [gdt_dst+5], 0x93
        mov byte [gdt_dst+7], 0
        mov byte [gdt_src+5], 0x93
        push ds
        pop es
        mov si, gdt
        mov cx, 256
        mov ah, 0x87
        int 0x15
        jc .mvfail
        ; and back
        mov ax, ds
        movzx eax, ax
        shl eax, 4
        add eax, mbuf2
        mov [gdt_dst+2], ax
        shr eax, 16
        mov [gdt_dst+4], al
        mov [gdt_dst+7], ah
        mov dword [gdt_src+2], 0x110000 & 0xFFFFFF
        mov byte [gdt_src+5], 0x93
        mov byte [gdt_src+7], 0
        mov byte [gdt_dst+5], 0x93
        mov si, gdt
        mov cx, 256
        mov ah, 0x87
        int 0x15
        jc .mvfail
        mov si, mbuf1
        mov di, mbuf2
        mov cx, 512
        repe cmpsb
        jne .mvfail
        mov byte [moved], 1
        mov si, s_move
        call puts
        jmp .mvdone
.mvfail:
        mov si, s_movef
        call puts
.mvdone:
        ; pass if E820 gave entries and usable >= 640K
        cmp word [count], 3
        jb .f
        cmp ebp, 0x9F000
        jb .f
        cmp byte [moved], 1
        jne .f
        cmp byte [a20st], 1
        jne .f
        clc
        jmp .r
.f:     stc
.r:     mov si, s_name
        call result
        jmp exit

s_title: db "Cloister memory information", 13, 10, 0
s_int12: db "INT 12h base memory:      ", 0
s_88:    db "INT 15h/88h extended:     ", 0
s_e801:  db "INT 15h/E801h: 1-16M ", 0
s_e801b: db " KiB, above 16M ", 0
s_64k:   db " x 64 KiB", 13, 10, 0
s_e820:  db "INT 15h/E820h map (base, length, type):", 13, 10, 0
s_type:  db " type ", 0
s_usable: db "Usable RAM (E820):        ", 0
s_kib:   db " KiB", 13, 10, 0
s_dos:   db "Largest free DOS block:   ", 0
s_bytes: db " bytes", 13, 10, 0
s_name:  db "MEMINFO", 0
count:   dw 0
a20sup:  dw 0
a20st:   db 0
moved:   db 0
s_a20:   db "A20 (INT 15h 2402h after 2401h): ", 0
s_a20b:  db ", 2403h support bits ", 0
s_move:  db "INT 15h AH=87h block move to 1 MiB+64 KiB and back: OK", 13, 10, 0
s_movef: db "INT 15h AH=87h block move: FAILED", 13, 10, 0
align 8
gdt:     times 16 db 0
gdt_src: dw 0xFFFF, 0
         db 0, 0x93, 0, 0
gdt_dst: dw 0xFFFF, 0
         db 0, 0x93, 0, 0
         times 16 db 0
mbuf1:   times 512 db 0
mbuf2:   times 512 db 0
e820buf: times 24 db 0
