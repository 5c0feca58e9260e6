; Cloister demo guest: a 1.44 MB boot floppy that shows the machine works.
;  - coloured text (all 16 colours), BIOS name and date
;  - mode 13h animation for a few seconds (timed with the BIOS tick count)
;  - back to text mode, echoes typed keys (INT 16h); Esc ends the machine
;    through the exit port 0F4h.  Progress goes to the debug port 0E9h.
; Build: nasm -f bin -o cloister-demo.img demo.asm
        cpu 386
        bits 16
        org 0x7C00

SECTORS equ (payload_end - payload + 511) / 512

boot:
        jmp short start
        nop
        ; minimal BPB so DOS tools recognise a 1.44 MB medium
        db "CLOISTER"
        dw 512                  ; bytes per sector
        db 1                    ; sectors per cluster
        dw 1 + SECTORS          ; reserved sectors (boot + demo payload)
        db 2                    ; FATs
        dw 224                  ; root entries
        dw 2880                 ; total sectors
        db 0xF0                 ; media
        dw 9                    ; sectors per FAT
        dw 18                   ; sectors per track
        dw 2                    ; heads
        dd 0                    ; hidden
        dd 0                    ; total (32-bit)
        db 0, 0, 0x29
        dd 0x20261121
        db "CLOISTDEMO "
        db "FAT12   "
start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov [boot_drive], dl
        mov si, s_boot
        call dbg
        ; load the payload (sectors 2..) right after the boot sector
        mov di, 3
.rd:    mov ax, 0x0200 + SECTORS
        mov bx, payload
        mov cx, 0x0002
        xor dh, dh
        mov dl, [boot_drive]
        int 0x13
        jnc .ok
        xor ax, ax
        int 0x13
        dec di
        jnz .rd
        mov si, s_err
        call dbg
        jmp $
.ok:    jmp main

; dbg: NUL-terminated string DS:SI -> port E9h
dbg:
        push ax
        push si
.l:     lodsb
        test al, al
        jz .x
        out 0xE9, al
        jmp .l
.x:     pop si
        pop ax
        ret

s_boot: db "demo: boot sector running", 10, 0
s_err:  db "demo: disk read error", 10, 0
boot_drive: db 0

        times 510 - ($ - $$) db 0
        dw 0xAA55

; ---------------------------------------------------------------- payload
payload:
main:
        mov si, s_loaded
        call dbg
        mov ax, 0x0003
        int 0x10
        ; hide nothing; title
        mov si, s_title
        mov bl, 0x1F
        call print_attr
        call newline
        ; BIOS identification from the ROM
        mov si, s_bios
        mov bl, 0x07
        call print_attr
        push ds
        mov ax, 0xF000
        mov ds, ax
        xor si, si
        mov bl, 0x0E
        call print_attr         ; "Cloister BIOS" at F000:0000
        mov si, s_date_dummy
        pop ds
        mov si, s_dated
        mov bl, 0x07
        call print_attr
        push ds
        mov ax, 0xF000
        mov ds, ax
        mov si, 0xFFF5
        mov cx, 8
.dt:    lodsb
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        loop .dt
        pop ds
        call newline
        call newline
        ; 16 colour bars
        xor cx, cx
.col:   push cx
        mov bl, cl
        shl bl, 4               ; background colour
        mov si, cx
        or bl, [fg_for + si]    ; readable foreground
        mov si, cx
        shl si, 1
        mov si, [colour_names + si]
        push bx
        mov al, ' '
        call putc_attr
        call print_attr
        pop bx
        ; pad to 16 chars
        call pad16
        mov al, ' '
        mov bl, 0x07
        call putc_attr
        pop cx
        push cx
        mov bl, cl              ; foreground colour on black
        test bl, bl
        jnz .fgok
        mov bl, 0x70            ; black: show it on grey
.fgok:  mov si, s_sample
        call print_attr
        call newline
        pop cx
        inc cx
        cmp cx, 16
        jb .col
        mov si, s_colours_done
        call dbg
        mov cx, 36              ; 2 s
        call wait_ticks

        ; ---- mode 13h
        mov si, s_m13
        call dbg
        mov ax, 0x0013
        int 0x10
        ; frame: colour = (x + y + t) via direct writes, plus a few BIOS
        ; pixel/text calls each frame
        xor ah, ah
        int 0x1A
        mov [t0], dx
        ; smooth 240-entry rainbow in DAC 16..255 (INT 10h AX=1012h)
        mov di, palette
        xor cx, cx
.pal:   mov al, cl              ; k = 0..59 within a segment
        mov bl, 60
        xor ah, ah
        div bl                  ; AL = segment, AH = k
        mov bl, ah
        mov bh, 59
        sub bh, bl              ; BH = 59-k
        cmp al, 0
        jne .s1
        mov al, 59
        stosb
        mov al, bl
        stosb
        xor al, al
        stosb
        jmp .pn
.s1:    cmp al, 1
        jne .s2
        mov al, bh
        stosb
        mov al, 59
        stosb
        mov al, bl
        stosb
        jmp .pn
.s2:    cmp al, 2
        jne .s3
        xor al, al
        stosb
        mov al, bh
        stosb
        mov al, 59
        stosb
        jmp .pn
.s3:    mov al, bl
        stosb
        xor al, al
        stosb
        mov al, bh
        stosb
.pn:    inc cx
        cmp cx, 240
        jb .pal
        mov ax, 0x1012
        mov bx, 16
        mov cx, 240
        mov dx, palette
        int 0x10
        xor bp, bp              ; frame counter
.frame: push es
        mov ax, 0xA000
        mov es, ax
        xor di, di
        xor dx, dx              ; y
.y:     xor cx, cx              ; x
.x:     mov ax, cx
        xor ax, dx
        shr ax, 3
        add ax, cx
        add ax, dx
        add ax, bp              ; v = x + y + t + (x ^ y) / 8
.m:     cmp ax, 240
        jb .c
        sub ax, 240
        jmp .m
.c:     add al, 16
        stosb
        inc cx
        cmp cx, 320
        jb .x
        inc dx
        cmp dx, 200
        jb .y
        pop es
        ; a white frame with INT 10h AH=0Ch
        mov ax, 0x0C0F
        xor bh, bh
        mov dx, 20
        mov cx, 20
.bx1:   int 0x10
        push dx
        mov dx, 179
        int 0x10
        pop dx
        inc cx
        cmp cx, 300
        jb .bx1
        mov cx, 20
.bx2:   int 0x10
        push cx
        mov cx, 299
        int 0x10
        pop cx
        inc dx
        cmp dx, 180
        jb .bx2
        ; text through the BIOS (8x8 font in mode 13h)
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0B0D
        int 0x10
        mov si, s_m13text
.t:     lodsb
        test al, al
        jz .td
        mov ah, 0x0E
        mov bx, 0x000F
        int 0x10
        jmp .t
.td:    add bp, 6
        xor ah, ah
        int 0x1A
        sub dx, [t0]
        cmp dx, 73              ; ~4 s
        jb .frame
        mov si, s_m13done
        call dbg

        ; ---- back to text mode: key echo
        mov ax, 0x0003
        int 0x10
        mov si, s_keys
        mov bl, 0x0A
        call print_attr
        call newline
        mov si, s_keydbg
        call dbg
.key:   xor ah, ah
        int 0x16
        push ax
        mov si, s_key1
        mov bl, 0x07
        call print_attr
        pop ax
        push ax
        cmp al, 0x20
        jb .np
        cmp al, 0x7E
        ja .np
        mov bl, 0x0E
        call putc_attr
        out 0xE9, al
        jmp .pp
.np:    mov al, '.'
        mov bl, 0x08
        call putc_attr
.pp:    mov si, s_key2
        mov bl, 0x07
        call print_attr
        pop ax
        push ax
        call print_hex16
        call newline
        mov al, ' '
        out 0xE9, al
        pop ax
        cmp ax, 0x011B          ; Esc
        jne .key
        mov si, s_bye
        mov bl, 0x0C
        call print_attr
        call newline
        mov si, s_byedbg
        call dbg
        mov al, 0
        out 0xF4, al            ; ends the machine (status 1)
        cli
        hlt
        jmp $

; print_attr: DS:SI string with attribute BL at the cursor, cursor advances
print_attr:
        push ax
.l:     lodsb
        test al, al
        jz .x
        call putc_attr
        jmp .l
.x:     pop ax
        ret

; putc_attr: AL with attribute BL, advance cursor (page 0)
putc_attr:
        pusha
        mov ah, 0x09
        xor bh, bh
        mov cx, 1
        int 0x10
        mov ah, 0x03
        int 0x10
        inc dl
        mov ah, 0x02
        int 0x10
        popa
        ret

pad16:
        pusha
        mov ah, 0x03
        xor bh, bh
        int 0x10
.l:     cmp dl, 16
        jae .x
        mov al, ' '
        call putc_attr
        inc dl
        jmp .l
.x:     popa
        ret

newline:
        pusha
        mov ax, 0x0E0D
        xor bx, bx
        int 0x10
        mov ax, 0x0E0A
        int 0x10
        popa
        ret

print_hex16:
        pusha
        mov cx, 4
        mov dx, ax
.l:     rol dx, 4
        mov al, dl
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .d
        add al, 7
.d:     mov bl, 0x0B
        call putc_attr
        out 0xE9, al
        loop .l
        popa
        ret

; wait_ticks: CX ticks
wait_ticks:
        pusha
        mov bx, cx
        xor ah, ah
        int 0x1A
        mov si, dx
.l:     hlt
        xor ah, ah
        int 0x1A
        sub dx, si
        cmp dx, bx
        jb .l
        popa
        ret

t0:             dw 0
palette:        times 240*3 db 0
s_loaded:       db "demo: payload loaded, text mode", 10, 0
s_title:        db " Cloister PC emulator - demo guest ", 0
s_bios:         db "Firmware: ", 0
s_dated:        db ", dated ", 0
s_date_dummy:   db 0
s_sample:       db "The quick brown fox jumps over the lazy dog", 0
s_colours_done: db "demo: 16 colours shown", 10, 0
s_m13:          db "demo: mode 13h", 10, 0
s_m13text:      db "Mode 13h, 256 colours", 0
s_m13done:      db "demo: mode 13h done, back to text mode", 10, 0
s_keys:         db "Type keys - they are echoed here and to port E9h. Esc ends the machine.", 0
s_keydbg:       db "demo: waiting for keys (Esc quits)", 10, 0
s_key1:         db "key '", 0
s_key2:         db "'  scan/ascii ", 0
s_bye:          db "Goodbye.", 0
s_byedbg:       db 10, "demo: Esc pressed, exiting via port F4h", 10, 0

fg_for: db 15, 15, 0, 0, 15, 15, 15, 0, 15, 15, 0, 0, 0, 0, 0, 0
colour_names:
        dw c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15
c0:  db "0 black", 0
c1:  db "1 blue", 0
c2:  db "2 green", 0
c3:  db "3 cyan", 0
c4:  db "4 red", 0
c5:  db "5 magenta", 0
c6:  db "6 brown", 0
c7:  db "7 light grey", 0
c8:  db "8 dark grey", 0
c9:  db "9 light blue", 0
c10: db "10 light green", 0
c11: db "11 light cyan", 0
c12: db "12 light red", 0
c13: db "13 pink", 0
c14: db "14 yellow", 0
c15: db "15 white", 0
payload_end:
%if SECTORS > 17
%error "demo payload too large for one track"
%endif
        times 1474560 - ($ - $$) db 0
