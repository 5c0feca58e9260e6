; MODETEST.COM -- sets every video mode the BIOS supports, checks AH=0Fh, a
; pixel or character round trip and the BIOS data area; then the 8x8 font
; (AX=1112h, 50 rows) and the AH=11h/30h font pointers.
%include "common.inc"
start:
        mov si, modes
.next:  lodsb
        cmp al, 0xFF
        je .fonts
        mov [cur], al
        push si
        xor ah, ah
        int 0x10
        mov ah, 0x0F
        int 0x10
        mov [gotmode], al
        mov [gotcols], ah
        mov bl, [cur]
        cmp bl, 0x0D
        jae .gfx
        cmp bl, 0x04
        jb .txt
        cmp bl, 0x06
        jbe .gfx
.txt:
        ; text: write 'Z' attr 2Eh at (1,1), read back
        mov ah, 0x02
        xor bh, bh
        mov dx, 0x0101
        int 0x10
        mov ax, 0x095A
        mov bx, 0x002E
        mov cx, 1
        int 0x10
        mov ah, 0x08
        xor bh, bh
        int 0x10
        mov [rt], ax
        mov bx, 0x2E5A
        cmp byte [cur], 7
        jne .cmp
        mov bx, 0x2E5A
        jmp .cmp
.gfx:   mov ax, 0x0C09
        xor bh, bh
        mov cx, 17
        mov dx, 11
        int 0x10
        mov ah, 0x0D
        int 0x10
        xor ah, ah
        mov [rt], ax
        mov bx, 9
        cmp byte [cur], 0x06
        ja .gx
        mov bx, 1               ; CGA modes keep the low 2 (1) bits
.gx:
        push bx
        ; and a character in graphics
        mov ax, 0x0E41
        mov bx, 0x000F
        int 0x10
        pop bx
.cmp:   mov [want], bx
        ; keep results, print later in mode 3
        pop si
        push si
        mov di, [outp]
        mov al, [cur]
        stosb
        mov al, [gotmode]
        stosb
        mov al, [gotcols]
        stosb
        mov ax, [rt]
        stosw
        mov ax, [want]
        stosw
        push es
        push word 0x40
        pop es
        mov al, [es:0x84]
        mov ah, [es:0x49]
        pop es
        stosw
        mov [outp], di
        mov cx, 6
        call wait_ticks
        pop si
        jmp .next

.fonts: mov ax, 0x0003
        int 0x10
        mov ax, 0x1112          ; 8x8 font -> 50 rows
        int 0x10
        push es
        push word 0x40
        pop es
        mov al, [es:0x84]
        mov [rows50], al
        mov ax, [es:0x85]
        mov [h50], al
        pop es
        mov cx, 9
        call wait_ticks
        mov ax, 0x0003
        int 0x10
        ; font pointer info: BH=6 (8x16) -> CX=16 in mode 3
        mov ax, 0x1130
        mov bh, 6
        int 0x10
        mov [fcx], cx
        mov [fdl], dl
        mov [fseg], es
        mov [foff], bp
        push ds
        pop es
        ; ---- report
        mov si, results
.rep:   cmp si, [outp]
        jae .repd
        push si
        mov si, s_mode
        call puts
        pop si
        lodsb
        call puthex8
        push si
        mov si, s_get
        call puts
        pop si
        lodsb
        call puthex8
        mov al, '/'
        call putc
        lodsb
        movzx eax, al
        call putdec
        push si
        mov si, s_rt
        call puts
        pop si
        lodsw
        call puthex16
        mov bx, ax
        push si
        mov si, s_want
        call puts
        pop si
        lodsw
        call puthex16
        cmp ax, bx
        je .ok1
        mov byte [fail], 1
.ok1:   push si
        mov si, s_rows
        call puts
        pop si
        lodsw
        push ax
        movzx eax, al
        inc eax
        call putdec
        pop ax
        mov al, [si-9]
        cmp al, [si-8]          ; AH=0Fh mode == set mode
        je .ok2
        mov byte [fail], 1
.ok2:   call crlf
        jmp .rep
.repd:  mov si, s_f50
        call puts
        movzx eax, byte [rows50]
        inc eax
        call putdec
        mov si, s_h
        call puts
        movzx eax, byte [h50]
        call putdec
        call crlf
        mov si, s_f30
        call puts
        mov ax, [fseg]
        call puthex16
        mov al, ':'
        call putc
        mov ax, [foff]
        call puthex16
        mov si, s_cx
        call puts
        mov ax, [fcx]
        call puthex16
        mov si, s_dl
        call puts
        mov al, [fdl]
        call puthex8
        call crlf
        cmp byte [rows50], 49
        jne .f
        cmp word [fcx], 16
        jne .f
        cmp byte [fdl], 24
        jne .f
        cmp byte [fail], 0
        jne .f
        clc
        jmp .r
.f:     stc
.r:     mov si, s_name
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

modes:  db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x13, 0xFF
s_mode: db "mode ", 0
s_get:  db ": AH=0F -> ", 0
s_rt:   db "  round trip ", 0
s_want: db " want ", 0
s_rows: db "  rows ", 0
s_f50:  db "AX=1112h (8x8 font): rows ", 0
s_h:    db ", char height ", 0
s_f30:  db "AX=1130h BH=6: ", 0
s_cx:   db " CX=", 0
s_dl:   db " DL=", 0
s_name: db "MODETEST", 0
cur:    db 0
gotmode: db 0
gotcols: db 0
rows50: db 0
h50:    db 0
fail:   db 0
fdl:    db 0
fcx:    dw 0
fseg:   dw 0
foff:   dw 0
rt:     dw 0
want:   dw 0
outp:   dw results
results: times 20*9 db 0
