; VGATEST.COM -- INT 10h graphics: mode 13h and mode 12h (planar)
; Draws a pattern with INT 10h AH=0Ch, reads it back with AH=0Dh (and mode 13h
; memory directly), prints CRC-16 checksums, text through AH=0Eh/09h/13h,
; scrolls, and restores mode 3.  Expected checksums are computed from the
; pattern itself, so PASS means "what was written reads back identically".
%include "common.inc"
start:
        ; ---------------- mode 13h
        mov ax, 0x0013
        int 0x10
        mov ah, 0x0F
        int 0x10
        mov [m13_get], al
        xor bx, bx              ; expected CRC (from the pattern)
        mov [crc_exp], bx
        mov [crc_got], bx
        xor dx, dx
.y13:   xor cx, cx
.x13:   mov al, cl
        xor al, dl
        add al, dl              ; colour = (x ^ y) + y
        push bx
        mov bx, [crc_exp]
        call crc_byte
        mov [crc_exp], bx
        pop bx
        mov ah, 0x0C
        xor bh, bh
        int 0x10
        add cx, 7
        cmp cx, 320
        jb .x13
        add dx, 5
        cmp dx, 200
        jb .y13
        ; read back with AH=0Dh and compare with memory
        xor dx, dx
.ry13:  xor cx, cx
.rx13:  mov ah, 0x0D
        xor bh, bh
        int 0x10
        push ax
        mov bx, [crc_got]
        call crc_byte
        mov [crc_got], bx
        ; memory
        push es
        push dx
        push ax
        mov ax, 0xA000
        mov es, ax
        mov ax, 320
        mul dx
        add ax, cx
        mov di, ax
        pop ax
        pop dx
        cmp [es:di], al
        pop es
        pop ax
        je .same
        inc word [mismatch]
.same:  add cx, 7
        cmp cx, 320
        jb .rx13
        add dx, 5
        cmp dx, 200
        jb .ry13
        ; text in mode 13h
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0A05
        int 0x10
        mov si, s_m13
.t13:   lodsb
        test al, al
        jz .t13d
        mov ah, 0x0E
        mov bl, 14
        int 0x10
        jmp .t13
.t13d:  ; glyph check: the 'M' at row 10 col 5 must have set pixels
        push es
        mov ax, 0xA000
        mov es, ax
        mov di, 80*320 + 40
        xor cx, cx
        mov bx, 8
.g:     push di
        mov dx, 8
.g2:    cmp byte [es:di], 14
        jne .g3
        inc cx
.g3:    inc di
        dec dx
        jnz .g2
        pop di
        add di, 320
        dec bx
        jnz .g
        pop es
        mov [glyph13], cx
        mov cx, 18
        call wait_ticks
        mov ax, [crc_exp]
        mov [exp13], ax
        mov ax, [crc_got]
        mov [got13], ax

        ; ---------------- mode 12h
        mov ax, 0x0012
        int 0x10
        mov word [crc_exp], 0
        mov word [crc_got], 0
        xor dx, dx
.y12:   xor cx, cx
.x12:   mov al, cl
        add al, dl
        and al, 0x0F            ; colour = (x + y) & 15
        push bx
        mov bx, [crc_exp]
        call crc_byte
        mov [crc_exp], bx
        pop bx
        mov ah, 0x0C
        xor bh, bh
        int 0x10
        add cx, 9
        cmp cx, 640
        jb .x12
        add dx, 7
        cmp dx, 480
        jb .y12
        xor dx, dx
.ry12:  xor cx, cx
.rx12:  mov ah, 0x0D
        xor bh, bh
        int 0x10
        mov bx, [crc_got]
        call crc_byte
        mov [crc_got], bx
        add cx, 9
        cmp cx, 640
        jb .rx12
        add dx, 7
        cmp dx, 480
        jb .ry12
        ; XOR pixel: writing colour 80h|0Fh over colour c gives c^15
        mov ax, 0x0C05
        xor bh, bh
        mov cx, 3
        mov dx, 3
        int 0x10
        mov ax, 0x0C8F
        int 0x10
        mov ah, 0x0D
        int 0x10
        mov [xor12], al
        ; text and scrolling in mode 12h
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x1C00
        int 0x10
        mov si, s_m12
.t12:   lodsb
        test al, al
        jz .t12d
        mov ah, 0x0E
        mov bl, 15
        int 0x10
        jmp .t12
.t12d:  mov cx, 18
        call wait_ticks
        mov ax, [crc_exp]
        mov [exp12], ax
        mov ax, [crc_got]
        mov [got12], ax

        ; ---------------- mode 3 again, write string with attributes
        mov ax, 0x0003
        int 0x10
        mov ax, 0x1301
        mov bx, 0x001E
        mov cx, s_m3_end - s_m3
        mov dx, 0x0000
        push ds
        pop es
        mov bp, s_m3
        int 0x10
        call crlf
        ; character read-back
        mov ah, 0x02
        xor bh, bh
        xor dx, dx
        int 0x10
        mov ah, 0x08
        int 0x10
        mov [rd3], ax
        mov ah, 0x02
        mov dx, 0x0200
        int 0x10

        ; ---------------- report
        mov si, s_r13
        call puts
        mov ax, [exp13]
        call puthex16
        mov si, s_got
        call puts
        mov ax, [got13]
        call puthex16
        mov si, s_mm
        call puts
        mov ax, [mismatch]
        call puthex16
        mov si, s_glyph
        call puts
        mov ax, [glyph13]
        call puthex16
        mov al, ' '
        call putc
        mov al, [m13_get]
        call puthex8
        call crlf
        mov si, s_r12
        call puts
        mov ax, [exp12]
        call puthex16
        mov si, s_got
        call puts
        mov ax, [got12]
        call puthex16
        mov si, s_xor
        call puts
        mov al, [xor12]
        call puthex8
        call crlf
        mov si, s_r3
        call puts
        mov ax, [rd3]
        call puthex16
        call crlf
        ; verdict
        mov ax, [exp13]
        cmp ax, [got13]
        jne .fail
        cmp word [mismatch], 0
        jne .fail
        cmp word [glyph13], 10
        jb .fail
        cmp byte [m13_get], 0x13
        jne .fail
        mov ax, [exp12]
        cmp ax, [got12]
        jne .fail
        cmp byte [xor12], 0x0A
        jne .fail
        cmp word [rd3], 0x1E56   ; 'V' with attribute 1Eh
        jne .fail
        clc
        jmp .res
.fail:  stc
.res:   mov si, s_name
        call result
        jmp exit

wait_ticks:
        push es
        push ax
        xor ax, ax
        mov es, ax
        mov ax, [es:0x46C]
        add cx, ax
.w:     sti
        hlt
        mov ax, [es:0x46C]
        cmp ax, cx
        jb .w
        pop ax
        pop es
        ret

s_m13:  db "Mode 13h", 0
s_m12:  db "Mode 12h 640x480x16", 13, 10, "scrolls", 13, 10, 0
s_m3:   db "VGATEST back in mode 3"
s_m3_end:
s_r13:  db "mode 13h pixels: expected CRC ", 0
s_r12:  db "mode 12h pixels: expected CRC ", 0
s_got:  db " got ", 0
s_mm:   db " mem-mismatch ", 0
s_glyph: db " glyph ", 0
s_xor:  db " xor ", 0
s_r3:   db "mode 3 read char/attr: ", 0
s_name: db "VGATEST", 0
m13_get: db 0
xor12:  db 0
rd3:    dw 0
crc_exp: dw 0
crc_got: dw 0
exp13:  dw 0
got13:  dw 0
exp12:  dw 0
got12:  dw 0
glyph13: dw 0
mismatch: dw 0
