; ---------------------------------------------------------------------------
; CGA graphics modes 04h/05h (320x200x4) and 06h (640x200x2) for INT 10h.
; Memory at B800h: even scan lines at offset 0, odd ones at 2000h, 80 bytes
; per line.
; ---------------------------------------------------------------------------

; cga_line: AX = scan line -> DI = offset of its first byte
cga_line:
        push ax
        mov di, 0
        shr ax, 1
        jnc .e
        mov di, 0x2000
.e:     push dx
        mov dx, 80
        mul dx
        pop dx
        add di, ax
        pop ax
        ret

; cga_pixel_addr: CX = x, DX = y -> ES:DI, CL = shift, AH = mask (unshifted)
cga_pixel_addr:
        push ax
        mov ax, 0xB800
        mov es, ax
        mov ax, dx
        call cga_line
        pop ax
        cmp byte [0x49], 6
        je .m6
        mov ax, cx
        shr ax, 2
        add di, ax
        and cl, 3
        xor cl, 3
        shl cl, 1               ; shift = (3 - x%4) * 2
        mov ah, 0x03
        ret
.m6:    mov ax, cx
        shr ax, 3
        add di, ax
        and cl, 7
        xor cl, 7               ; shift = 7 - x%8
        mov ah, 0x01
        ret

cga_write_pixel:                ; frame regs: AL colour, CX, DX
        mov cx, [R_CX]
        mov dx, [R_DX]
        call cga_pixel_addr
        mov al, [R_AL]
        and al, ah
        shl al, cl
        shl ah, cl
        test byte [R_AL], 0x80
        jnz .x
        not ah
        and [es:di], ah
        or [es:di], al
        ret
.x:     xor [es:di], al
        ret

cga_read_pixel:
        mov cx, [R_CX]
        mov dx, [R_DX]
        call cga_pixel_addr
        mov al, [es:di]
        shr al, cl
        and al, ah
        mov [R_AL], al
        ret

; cga_char: AL char, BL colour (bit 7 XOR), DH row, DL col; DS = BDA
cga_char:
        pusha
        push ds
        push es
        mov cx, 0xB800
        mov es, cx
        mov bh, [0x49]          ; BH = mode
        movzx si, al
        shl si, 3
        xor cx, cx
        mov ds, cx
        lds cx, [0x43*4]
        add si, cx              ; DS:SI = glyph
        movzx ax, dh
        shl ax, 3               ; AX = first scan line
        mov cl, dl              ; CL = column
        mov ch, 8
.ln:    push ax
        call cga_line
        movzx dx, cl
        cmp bh, 6
        je .c6
        shl dx, 1
        add di, dx
        lodsb
        push cx
        xor dx, dx
        mov cx, 8
.ex:    shl dx, 2
        shl al, 1
        jnc .z
        mov ah, bl
        and ah, 3
        or dl, ah
.z:     loop .ex
        pop cx
        test bl, 0x80
        jnz .x4
        mov [es:di], dh
        mov [es:di+1], dl
        jmp .nx
.x4:    xor [es:di], dh
        xor [es:di+1], dl
        jmp .nx
.c6:    add di, dx
        lodsb
        test bl, 1
        jnz .c6c
        xor al, al
.c6c:   test bl, 0x80
        jnz .x6
        mov [es:di], al
        jmp .nx
.x6:    xor [es:di], al
.nx:    pop ax
        inc ax
        dec ch
        jnz .ln
        pop es
        pop ds
        popa
        ret

; cga_bpc: AX = bytes per character cell per scan line (DS = BDA)
cga_bpc:
        mov ax, 2
        cmp byte [0x49], 6
        jne .x
        mov ax, 1
.x:     ret

; scroll helpers (called from scroll_copy_row / scroll_fill_row with the
; scroll_window locals at [bp+..]); DH = source row, DL = destination row
cga_copy_row:
        pusha
        push ds
        push es
        call cga_bpc
        mov bx, ax              ; BX = bytes per char
        movzx cx, byte [bp+7]
        sub cl, [bp+5]
        inc cx
        imul cx, bx             ; CX = bytes per line to copy
        movzx ax, byte [bp+5]
        imul bx, ax             ; BX = left offset
        mov ax, 0xB800
        mov es, ax
        mov ds, ax
        movzx ax, dh
        shl ax, 3               ; source line
        movzx dx, dl
        shl dx, 3               ; destination line
        mov bp, 8
.l:     push cx
        call cga_line
        mov si, di
        add si, bx
        xchg ax, dx
        call cga_line
        add di, bx
        xchg ax, dx
        rep movsb
        pop cx
        inc ax
        inc dx
        dec bp
        jnz .l
        pop es
        pop ds
        popa
        ret

cga_fill_row:                   ; fill row DL with the attribute byte
        pusha
        push es
        call cga_bpc
        mov bx, ax
        movzx cx, byte [bp+7]
        sub cl, [bp+5]
        inc cx
        imul cx, bx
        movzx ax, byte [bp+5]
        imul bx, ax
        mov si, 0xB800
        mov es, si
        mov ah, [bp+2]          ; fill byte
        movzx si, dl
        shl si, 3
        mov dx, 8
.l:     push ax
        push cx
        mov ax, si
        call cga_line
        add di, bx
        pop cx
        pop ax
        push cx
        mov al, ah
        rep stosb
        pop cx
        inc si
        dec dx
        jnz .l
        pop es
        popa
        ret

; AH=0Bh in CGA modes: BH=0 background/border (BL), BH=1 palette (BL)
cga_palette:
        mov bl, [R_BL]
        cmp byte [R_BH], 0
        jne .pal
        mov al, [0x66]
        and al, 0xE0
        mov ah, bl
        and ah, 0x1F
        or al, ah
        mov [0x66], al
        mov ah, bl
        and ah, 0x07
        test bl, 0x08
        jz .b
        or ah, 0x10
.b:     xor al, al              ; palette register 0 = background
        call ac_out
        mov al, 0x11
        call ac_out
        jmp .set
.pal:   and byte [0x66], 0xDF
        test bl, 1
        jz .set
        or byte [0x66], 0x20
.set:   ; palette registers 1-3 from the palette id and intensity (bit 4)
        mov ah, 0x02
        test byte [0x66], 0x20
        jz .p0
        mov ah, 0x03
.p0:    test byte [0x66], 0x10
        jz .p1
        or ah, 0x10
.p1:    mov al, 1
.pl:    call ac_out
        add ah, 2
        inc al
        cmp al, 4
        jb .pl
        ret
