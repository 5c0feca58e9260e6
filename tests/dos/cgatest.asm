; CGATEST.COM -- CGA graphics modes 04h and 06h: pixels (with XOR), text,
; scrolling and the AH=0Bh palette, with a read-back CRC of the pixels.
%include "common.inc"
start:
        mov ax, 0x0004
        int 0x10
        mov ax, 0x0B00          ; background blue
        mov bx, 0x0001
        int 0x10
        mov ax, 0x0B00          ; palette 1 (cyan/magenta/white)
        mov bx, 0x0101
        int 0x10
        call pattern
        mov [crc4], bx
        mov si, s_m4
        mov bl, 3
        call text
        mov cx, 27
        call wait_ticks
        mov ax, 0x0006
        int 0x10
        call pattern
        mov [crc6], bx
        mov si, s_m6
        mov bl, 1
        call text
        mov cx, 27
        call wait_ticks
        mov ax, 0x0003
        int 0x10
        mov si, s_r4
        call puts
        mov ax, [crc4]
        call puthex16
        mov si, s_r6
        call puts
        mov ax, [crc6]
        call puthex16
        call crlf
        ; expected CRCs computed on the host from the pattern definition
        cmp word [crc4], 0x0E18
        jne .f
        cmp word [crc6], 0x54DA
        jne .f
        clc
        jmp .r
.f:     stc
.r:     mov si, s_name
        call result
        jmp exit

; pattern: diagonal lines of colours 1..3, an XOR pass, then a CRC of a
; sample of read-back pixels in BX
pattern:
        xor dx, dx
.y:     mov cx, dx
        mov ax, dx
        and al, 3
        jnz .c
        inc al
.c:     mov ah, 0x0C
        push cx
        xor bh, bh
        int 0x10                ; (y, y)
        add cx, 100
        int 0x10                ; (y+100, y)
        pop cx
        inc dx
        cmp dx, 200
        jb .y
        ; XOR a horizontal line over them
        mov dx, 50
        xor cx, cx
.xl:    mov ax, 0x0C83
        int 0x10
        inc cx
        cmp cx, 300
        jb .xl
        ; CRC of every 3rd pixel on every 7th line
        xor bx, bx
        xor dx, dx
.ry:    xor cx, cx
.rx:    push bx
        xor bh, bh
        mov ah, 0x0D
        int 0x10
        pop bx
        call crc_byte
        add cx, 3
        cmp cx, 320
        jb .rx
        add dx, 7
        cmp dx, 200
        jb .ry
        ret

; text: print DS:SI through teletype 30 times (forces scrolling), BL colour
text:
        mov cx, 100
.l:     push si
.c:     lodsb
        test al, al
        jz .e
        mov ah, 0x0E
        int 0x10
        jmp .c
.e:     pop si
        loop .l
        ret

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

s_m4:   db "CGA mode 4 ", 0
s_m6:   db "CGA mode 6 text ", 0
s_r4:   db "mode 4 pixel CRC ", 0
s_r6:   db "  mode 6 pixel CRC ", 0
s_name: db "CGATEST", 0
crc4:   dw 0
crc6:   dw 0
