; ---------------------------------------------------------------------------
; INT 10h -- video services (VGA programmed directly through its registers)
; ---------------------------------------------------------------------------
int10_handler:
        sti
        cld
        FRAME_ENTER
        push word BDA_SEG
        pop ds
        movzx bx, byte [R_AH]
        cmp bx, (int10_table_end - int10_table) / 2
        jae .ret
        shl bx, 1
        mov ax, [R_AX]
        call [cs:int10_table + bx]
.ret:   FRAME_IRET

int10_table:
        dw vid_set_mode, vid_cursor_shape, vid_set_cursor, vid_get_cursor
        dw vid_nop, vid_set_page, vid_scroll_up, vid_scroll_down
        dw vid_read_char, vid_write_char_attr, vid_write_char, vid_cga_palette
        dw vid_write_pixel, vid_read_pixel, vid_teletype, vid_get_mode
        dw vid_palette, vid_font, vid_alt_select, vid_write_string
        dw vid_nop, vid_nop, vid_nop, vid_nop
        dw vid_nop, vid_nop, vid_dcc, vid_state
int10_table_end:

vid_nop:
        ret

; ---- helpers --------------------------------------------------------------
; vga_entry: SI = parameter table of current mode (40:49); CF=1 if unknown
vga_entry:
        mov al, [0x49]
; vga_find: AL = mode -> SI, CF=1 if unknown
vga_find:
        mov si, vga_mode_table
.l:     cmp si, vga_mode_table_end
        jae .nf
        cmp [cs:si], al
        je .f
        add si, VM_SIZE
        jmp .l
.f:     clc
        ret
.nf:    stc
        ret

; vid_type: AL = type of current mode (VT_*), 0 if unknown
vid_type:
        push si
        call vga_entry
        mov al, 0
        jc .x
        mov al, [cs:si+VM_TYPE]
.x:     pop si
        ret

; crtc_out: AL = index, AH = value
crtc_out:
        push dx
        push ax
        mov dx, [0x63]
        out dx, al
        inc dx
        mov al, ah
        out dx, al
        pop ax
        pop dx
        ret

; seq_out / gc_out: AL = index, AH = value
seq_out:
        push dx
        mov dx, 0x3C4
        jmp short idx_out
gc_out:
        push dx
        mov dx, 0x3CE
idx_out:
        push ax
        out dx, al
        inc dx
        mov al, ah
        out dx, al
        pop ax
        pop dx
        ret

; ac_reset_ff: reset the attribute controller flip-flop
ac_reset_ff:
        push ax
        push dx
        mov dx, [0x63]
        add dx, 6
        in al, dx
        pop dx
        pop ax
        ret

; ac_out: AL = index, AH = value (display re-enabled afterwards)
ac_out:
        push ax
        push dx
        call ac_reset_ff
        mov dx, 0x3C0
        out dx, al
        mov al, ah
        out dx, al
        mov al, 0x20
        call ac_reset_ff
        out dx, al
        pop dx
        pop ax
        ret

; ac_in: AL = index -> AH = value
ac_in:
        push dx
        push bx
        mov bl, al
        call ac_reset_ff
        mov dx, 0x3C0
        out dx, al
        inc dx
        in al, dx
        mov ah, al
        call ac_reset_ff
        dec dx
        mov al, 0x20
        out dx, al
        mov al, bl
        pop bx
        pop dx
        ret

; text_seg: ES = text segment of current mode
text_seg:
        push ax
        mov ax, 0xB800
        cmp byte [0x49], 7
        jne .c
        mov ax, 0xB000
.c:     mov es, ax
        pop ax
        ret

; text_offset: BH = page, DH = row, DL = col -> DI = byte offset
text_offset:
        push ax
        push dx
        movzx ax, bh
        and al, 7
        mul word [0x4C]
        mov di, ax
        pop dx
        push dx
        mov al, dh
        mul byte [0x4A]
        add al, dl
        adc ah, 0
        shl ax, 1
        add di, ax
        pop dx
        pop ax
        ret

; update_hw_cursor: program CRTC cursor location for the active page
update_hw_cursor:
        push ax
        push bx
        push dx
        movzx bx, byte [0x62]
        shl bx, 1
        mov dx, [0x50 + bx]
        mov al, dh
        mul byte [0x4A]
        add al, dl
        adc ah, 0
        mov bx, [0x4E]
        shr bx, 1
        add bx, ax
        mov al, 0x0E
        mov ah, bh
        call crtc_out
        mov al, 0x0F
        mov ah, bl
        call crtc_out
        pop dx
        pop bx
        pop ax
        ret

; load_dac: CS:SI = table, CX = number of entries, starting at 0
load_dac:
        push ax
        push cx
        push dx
        push si
        mov dx, 0x3C8
        xor al, al
        out dx, al
        inc dx
        mov ax, cx
        add cx, ax
        add cx, ax
.l:     mov al, [cs:si]
        inc si
        out dx, al
        loop .l
        pop si
        pop dx
        pop cx
        pop ax
        ret

; ---- AH=00h set video mode -----------------------------------------------
vid_set_mode:
        mov cl, al
        and al, 0x7F
        call vga_find
        jnc .ok
        ret
.ok:    ; sync reset sequencer, blank screen
        push cx
        mov dx, 0x3DA
        in al, dx
        mov dx, 0x3BA
        in al, dx
        mov dx, 0x3C0
        xor al, al
        out dx, al
        mov ax, 0x0100
        call seq_out
        ; sequencer SR1-SR4
        mov bx, 0
.seq:   mov al, bl
        inc al
        mov ah, [cs:si+VM_SEQ+bx]
        cmp al, 1
        jne .s1
        or ah, 0x20             ; keep screen off while programming
.s1:    call seq_out
        inc bx
        cmp bx, 4
        jb .seq
        ; misc output
        mov al, [cs:si+VM_MISC]
        mov dx, 0x3C2
        out dx, al
        mov ax, 0x0300
        call seq_out
        ; CRTC port from misc bit 0
        mov word [0x63], 0x3D4
        test byte [cs:si+VM_MISC], 1
        jnz .crt
        mov word [0x63], 0x3B4
.crt:   mov ax, 0x0011          ; unlock CR0-CR7
        call crtc_out
        xor bx, bx
.crtc:  mov al, bl
        mov ah, [cs:si+VM_CRTC+bx]
        call crtc_out
        inc bx
        cmp bx, 25
        jb .crtc
        ; attribute controller
        call ac_reset_ff
        mov dx, 0x3C0
        xor bx, bx
.attr:  mov al, bl
        out dx, al
        mov al, [cs:si+VM_ATTR+bx]
        out dx, al
        inc bx
        cmp bx, 20
        jb .attr
        ; graphics controller
        xor bx, bx
.gc:    mov al, bl
        mov ah, [cs:si+VM_GC+bx]
        call gc_out
        inc bx
        cmp bx, 9
        jb .gc
        ; DAC
        mov dx, 0x3C6
        mov al, 0xFF
        out dx, al
        mov al, [cs:si+VM_TYPE]
        push si
        mov si, dac_ega64
        mov cx, 64
        cmp al, VT_MTEXT
        jne .d1
        mov si, dac_mono64
.d1:    cmp al, VT_PLANAR2
        je .d1c
        cmp al, VT_CGA
        jne .d2
.d1c:   mov si, dac_cga64
.d2:    cmp al, VT_256
        jne .d3
        mov si, dac_256
        mov cx, 256
.d3:    call load_dac
        pop si
        pop cx                  ; CL = requested mode incl. bit 7
        ; ---- BIOS data area
        mov al, [cs:si+VM_MODE]
        mov [0x49], al
        movzx ax, byte [cs:si+VM_COLS]
        mov [0x4A], ax
        mov ax, [cs:si+VM_PAGESZ]
        mov [0x4C], ax
        mov word [0x4E], 0
        xor ax, ax
        mov di, 0x50
.cur:   mov [di], ax
        add di, 2
        cmp di, 0x60
        jb .cur
        mov byte [0x62], 0
        mov al, [cs:si+VM_ROWS]
        mov [0x84], al
        movzx ax, byte [cs:si+VM_CHEIGHT]
        mov [0x85], ax
        mov al, [cs:si+VM_CRTC+0x0B]
        mov ah, [cs:si+VM_CRTC+0x0A]
        mov [0x60], ax
        mov al, cl
        and al, 0x80
        or al, 0x60
        mov [0x87], al
        mov byte [0x88], 0x09
        mov byte [0x89], 0x51
        mov byte [0x8A], 0x08
        mov byte [0x65], 0x29
        mov byte [0x66], 0x30
        mov ax, [0x10]
        and al, 0xCF
        or al, 0x20
        cmp byte [cs:si+VM_TYPE], VT_MTEXT
        jne .eq
        or al, 0x30
.eq:    mov [0x10], ax
        ; ---- INT 43h font pointer
        push es
        xor ax, ax
        mov es, ax
        mov ax, font8x8
        cmp byte [cs:si+VM_TYPE], VT_MTEXT
        jbe .f2                 ; text modes: 8x8 (CGA graphics font)
        cmp byte [cs:si+VM_CHEIGHT], 14
        jne .f1
        mov ax, font8x14
.f1:    cmp byte [cs:si+VM_CHEIGHT], 16
        jne .f2
        mov ax, font8x16
.f2:    mov [es:0x43*4], ax
        mov word [es:0x43*4+2], cs
        pop es
        ; ---- clear memory
        test cl, 0x80
        jnz .noclr
        mov al, [cs:si+VM_TYPE]
        cmp al, VT_MTEXT
        ja .gclr
        call text_seg
        xor di, di
        mov ax, 0x0720
        mov cx, 0x4000
        rep stosw
        jmp .noclr
.gclr:  cmp al, VT_CGA
        jne .gclr2
        push es
        mov ax, 0xB800
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x2000
        rep stosw
        pop es
        jmp .noclr
.gclr2: mov ax, 0x0F02          ; all planes
        call seq_out
        push es
        mov ax, 0xA000
        mov es, ax
        xor di, di
        xor ax, ax
        mov cx, 0x8000
        rep stosw
        pop es
.noclr:
        ; ---- text font
        cmp byte [cs:si+VM_TYPE], VT_MTEXT
        ja .nofont
        push si
        mov si, font8x16
        mov cx, 256
        xor dx, dx
        mov bx, 0x1000          ; 16 bytes/char, block 0
        call load_font
        pop si
.nofont:
        ; screen on
        mov al, 1
        mov ah, [cs:si+VM_SEQ]
        call seq_out
        call ac_reset_ff
        mov dx, 0x3C0
        mov al, 0x20
        out dx, al
        call update_hw_cursor
        ret

; load_font: CS:SI = glyphs, CX = count, DX = first char, BL = block,
;            BH = bytes per char.  Writes VGA plane 2.
load_font:
        push es
        push ax
        push cx
        push dx
        push di
        push si
        call font_plane_begin
        mov ax, 0xA000
        mov es, ax
        ; block offset
        movzx di, bl
        and di, 3
        shl di, 14
        test bl, 4
        jz .b
        add di, 0x2000
.b:     shl dx, 5
        add di, dx
        jcxz .done
.ch:    push cx
        push di
        movzx cx, bh
.row:   mov al, [cs:si]
        inc si
        stosb
        loop .row
        mov cl, 32
        sub cl, bh
        xor al, al
        rep stosb
        pop di
        add di, 32
        pop cx
        loop .ch
.done:  call font_plane_end
        pop si
        pop di
        pop dx
        pop cx
        pop ax
        pop es
        ret

; same, but source is ES:BP (user font); CX,DX,BL,BH as above
load_user_font:
        push ds
        push es
        pop ds
        push ax
        push cx
        push dx
        push di
        push si
        push es
        mov si, bp
        call font_plane_begin
        mov ax, 0xA000
        mov es, ax
        movzx di, bl
        and di, 3
        shl di, 14
        test bl, 4
        jz .b
        add di, 0x2000
.b:     shl dx, 5
        add di, dx
        jcxz .done
.ch:    push cx
        push di
        movzx cx, bh
        rep movsb
        pop di
        add di, 32
        pop cx
        loop .ch
.done:  call font_plane_end
        pop es
        pop si
        pop di
        pop dx
        pop cx
        pop ax
        pop ds
        ret

font_plane_begin:
        push ax
        mov ax, 0x0100
        call seq_out
        mov ax, 0x0402
        call seq_out
        mov ax, 0x0704
        call seq_out
        mov ax, 0x0300
        call seq_out
        mov ax, 0x0204
        call gc_out
        mov ax, 0x0005
        call gc_out
        mov ax, 0x0406
        call gc_out
        pop ax
        ret

font_plane_end:
        push ax
        push ds
        push word BDA_SEG
        pop ds
        mov ax, 0x0100
        call seq_out
        mov ax, 0x0302
        call seq_out
        mov ax, 0x0304
        call seq_out
        mov ax, 0x0300
        call seq_out
        mov ax, 0x0004
        call gc_out
        mov ax, 0x1005
        call gc_out
        mov ax, 0x0E06
        cmp byte [0x49], 7
        jne .c
        mov ax, 0x0A06
.c:     call gc_out
        pop ds
        pop ax
        ret

; ---- AH=01h cursor shape ----------------------------------------------------
vid_cursor_shape:
        mov cx, [R_CX]
        mov [0x60], cx
set_cursor_shape_hw:            ; CX = shape (CH start, CL end)
        mov ax, [0x85]          ; char height
        test ch, 0x20
        jnz .prog
        cmp al, 8
        jbe .prog
        cmp ch, 8
        jae .prog
        cmp cl, 8
        jae .prog
        sub al, 9
        cmp ch, 4
        jb .e
        add ch, al
.e:     cmp cl, 4
        jb .prog
        add cl, al
.prog:  mov al, 0x0A
        mov ah, ch
        call crtc_out
        mov al, 0x0B
        mov ah, cl
        call crtc_out
        ret

; ---- AH=02h set cursor position ---------------------------------------------
vid_set_cursor:
        movzx bx, byte [R_BH]
        and bl, 7
        shl bx, 1
        mov dx, [R_DX]
        mov [0x50 + bx], dx
        shr bx, 1
        cmp bl, [0x62]
        jne .x
        call update_hw_cursor
.x:     ret

; ---- AH=03h get cursor position ---------------------------------------------
vid_get_cursor:
        movzx bx, byte [R_BH]
        and bl, 7
        shl bx, 1
        mov dx, [0x50 + bx]
        mov [R_DX], dx
        mov cx, [0x60]
        mov [R_CX], cx
        ret

; ---- AH=05h select active page ---------------------------------------------
vid_set_page:
        and al, 7
        mov [0x62], al
        movzx ax, al
        mul word [0x4C]
        mov [0x4E], ax
        mov bx, ax
        call vid_type
        cmp al, VT_MTEXT
        ja .g
        shr bx, 1
.g:     mov al, 0x0C
        mov ah, bh
        call crtc_out
        mov al, 0x0D
        mov ah, bl
        call crtc_out
        call update_hw_cursor
        ret

; ---- AH=0Fh get mode --------------------------------------------------------
vid_get_mode:
        mov al, [0x87]
        and al, 0x80
        or al, [0x49]
        mov ah, [0x4A]
        mov [R_AX], ax
        mov al, [0x62]
        mov [R_BH], al
        ret

; ---- AH=0Bh CGA palette: BH=0 -> border/background colour -----------------
vid_cga_palette:
        call vid_type
        cmp al, VT_CGA
        je cga_palette
        cmp byte [R_BH], 0
        jne .x
        mov ah, [R_BL]
        and ah, 0x0F
        mov al, 0x11
        call ac_out
.x:     ret

; ---- AH=06h/07h scroll ------------------------------------------------------
vid_scroll_up:
        mov si, 0
        jmp vid_scroll
vid_scroll_down:
        mov si, 1
vid_scroll:
        ; AL lines, BH attr, CH,CL top-left, DH,DL bottom-right
        mov bx, [R_BX]
        mov cx, [R_CX]
        mov dx, [R_DX]
        mov al, [R_AL]
        mov ah, [0x62]          ; active page
; scroll_window: AL lines, AH page, BH attr/colour, CX, DX window, SI dir
scroll_window:
        push bp
        sub sp, 12
        mov bp, sp
        ; locals: [bp+0] lines, [bp+1] page, [bp+2] attr, [bp+3] dir
        ;         [bp+4] top,[bp+5] left,[bp+6] bottom,[bp+7] right
        mov [bp+0], al
        mov [bp+1], ah
        mov [bp+2], bh
        mov ax, si
        mov [bp+3], al
        mov [bp+4], ch
        mov [bp+5], cl
        mov al, [0x84]
        cmp dh, al
        jbe .b1
        mov dh, al
.b1:    mov al, [0x4A]
        dec al
        cmp dl, al
        jbe .b2
        mov dl, al
.b2:    mov [bp+6], dh
        mov [bp+7], dl
        cmp dh, ch
        jb .out
        cmp dl, cl
        jb .out
        mov al, dh
        sub al, ch
        inc al                  ; height
        cmp byte [bp+0], 0
        je .clr
        cmp [bp+0], al
        jbe .go
.clr:   mov [bp+0], al
.go:    cmp byte [bp+3], 0
        jne .down
        ; up: r = top .. bottom
        mov dl, [bp+4]
.ul:    mov dh, dl
        add dh, [bp+0]
        jc .ufill
        cmp dh, [bp+6]
        ja .ufill
        call scroll_copy_row    ; row DH -> row DL
        jmp .un
.ufill: call scroll_fill_row    ; fill row DL
.un:    inc dl
        cmp dl, [bp+6]
        jbe .ul
        jmp .out
.down:  mov dl, [bp+6]
.dl:    mov dh, dl
        sub dh, [bp+0]
        jc .dfill
        cmp dh, [bp+4]
        jb .dfill
        call scroll_copy_row
        jmp .dn
.dfill: call scroll_fill_row
.dn:    cmp dl, [bp+4]
        je .out
        dec dl
        jmp .dl
.out:   add sp, 12
        pop bp
        ret

; scroll helpers: [bp+..] locals as above; DH = source row, DL = dest row
scroll_copy_row:
        push ax
        push cx
        push dx
        push si
        push di
        push ds
        push es
        call vid_type
        cmp al, VT_MTEXT
        ja .gfx
        ; text
        call text_seg
        push bx
        mov bh, [bp+1]
        push dx
        mov dl, [bp+5]
        call text_offset        ; DI = dest? (DH = src row)
        mov si, di
        pop dx
        push dx
        mov dh, dl
        mov dl, [bp+5]
        call text_offset
        pop dx
        pop bx
        movzx cx, byte [bp+7]
        sub cl, [bp+5]
        inc cx
        push es
        pop ds
        rep movsw
        jmp .x
.gfx:   cmp al, VT_CGA
        jne .gfx2
        call cga_copy_row
        jmp .x
.gfx2:  cmp al, VT_256
        jne .pl
        ; 256 colour: 8 lines of 320 bytes per char row
        mov ax, 0xA000
        mov es, ax
        mov ds, ax
        movzx ax, dh
        imul si, ax, 320*8
        movzx ax, dl
        imul di, ax, 320*8
        movzx ax, byte [bp+5]
        shl ax, 3
        add si, ax
        add di, ax
        movzx ax, byte [bp+7]
        sub al, [bp+5]
        inc ax
        shl ax, 3               ; bytes per line
        mov dx, 8
.l256:  mov cx, ax
        push si
        push di
        rep movsb
        pop di
        pop si
        add si, 320
        add di, 320
        dec dx
        jnz .l256
        jmp .x
.pl:    ; planar: latched copy (write mode 1)
        mov ax, 0x0F02
        call seq_out
        mov ax, 0x0105
        call gc_out
        mov bx, [0x4A]          ; bytes per line = columns
        mov cx, [0x85]          ; lines per char row
        push dx
        movzx ax, dh
        mul cx
        mul bx
        mov si, ax
        pop dx
        push dx
        movzx ax, dl
        mul cx
        mul bx
        mov di, ax
        pop dx
        movzx ax, byte [bp+5]
        add si, ax
        add di, ax
        add si, [0x4E]
        add di, [0x4E]
        movzx dx, byte [bp+7]
        sub dl, [bp+5]
        inc dx
        mov ax, 0xA000
        mov es, ax
        mov ds, ax
.lp:    push cx
        push si
        push di
        mov cx, dx
        rep movsb
        pop di
        pop si
        pop cx
        add si, bx
        add di, bx
        loop .lp
        mov ax, 0x0005
        call gc_out
.x:     pop es
        pop ds
        pop di
        pop si
        pop dx
        pop cx
        pop ax
        ret

scroll_fill_row:                ; fill row DL
        push ax
        push bx
        push cx
        push dx
        push di
        push es
        call vid_type
        cmp al, VT_MTEXT
        ja .gfx
        call text_seg
        mov bh, [bp+1]
        mov dh, dl
        mov dl, [bp+5]
        call text_offset
        movzx cx, byte [bp+7]
        sub cl, [bp+5]
        inc cx
        mov ah, [bp+2]
        mov al, ' '
        rep stosw
        jmp .x
.gfx:   cmp al, VT_CGA
        jne .gfx2
        call cga_fill_row
        jmp .x
.gfx2:  cmp al, VT_256
        jne .pl
        mov ax, 0xA000
        mov es, ax
        movzx ax, dl
        imul di, ax, 320*8
        movzx ax, byte [bp+5]
        shl ax, 3
        add di, ax
        movzx bx, byte [bp+7]
        sub bl, [bp+5]
        inc bx
        shl bx, 3
        mov dx, 8
        mov al, [bp+2]
.l256:  mov cx, bx
        push di
        rep stosb
        pop di
        add di, 320
        dec dx
        jnz .l256
        jmp .x
.pl:    mov ax, 0x0F02
        call seq_out
        mov ax, 0x0205          ; write mode 2
        call gc_out
        mov ax, 0xFF08
        call gc_out
        mov bx, [0x4A]
        mov cx, [0x85]
        movzx ax, dl
        mul cx
        mul bx
        mov di, ax
        movzx ax, byte [bp+5]
        add di, ax
        add di, [0x4E]
        movzx dx, byte [bp+7]
        sub dl, [bp+5]
        inc dx
        mov ax, 0xA000
        mov es, ax
        mov al, [bp+2]
.lp:    push cx
        push di
        mov cx, dx
        rep stosb
        pop di
        pop cx
        add di, bx
        loop .lp
        mov ax, 0x0005
        call gc_out
.x:     pop es
        pop di
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; ---- AH=08h read char/attr at cursor -------------------------------------
vid_read_char:
        call vid_type
        cmp al, VT_MTEXT
        ja .g
        mov bh, [R_BH]
        movzx bx, bh
        and bl, 7
        shl bx, 1
        mov dx, [0x50 + bx]
        mov bh, [R_BH]
        and bh, 7
        call text_offset
        call text_seg
        mov ax, [es:di]
        mov [R_AX], ax
        ret
.g:     mov word [R_AX], 0
        ret

; ---- AH=09h / 0Ah write char (and attribute) CX times ----------------------
vid_write_char_attr:
        mov ah, 1
        jmp vid_wc
vid_write_char:
        mov ah, 0
vid_wc:
        mov cx, [R_CX]
        mov bx, [R_BX]
        mov al, [R_AL]
        push ax
        movzx si, bh
        and si, 7
        shl si, 1
        mov dx, [0x50 + si]
        pop ax
.l:     jcxz .x
        call write_char_at
        inc dl
        dec cx
        jmp .l
.x:     ret

; write_char_at: AL char, AH=1 use attribute BL, BH page, DH row, DL col
; (graphics modes: BL colour, bit 7 = XOR in planar modes)
write_char_at:
        push ax
        push bx
        push cx
        push dx
        push si
        push di
        push es
        mov cx, ax
        call vid_type
        xchg ax, cx             ; CL = type
        cmp cl, VT_MTEXT
        ja .gfx
        call text_offset
        call text_seg
        test ah, ah
        jz .nc
        mov ah, bl
        mov [es:di], ax
        jmp .x
.nc:    mov [es:di], al
        jmp .x
.gfx:   cmp dl, [0x4A]
        jae .x
        cmp cl, VT_CGA
        jne .gfx2
        call cga_char
        jmp .x
.gfx2:  push bp
        mov bp, [0x4A]          ; bytes per scan line (planar)
        mov ch, cl              ; CH = mode type
        movzx ax, al
        mul byte [0x85]         ; AX = char * height
        push ax
        cmp ch, VT_256
        jne .pd
        movzx ax, dh
        imul di, ax, 320*8
        movzx ax, dl
        shl ax, 3
        add di, ax
        jmp .pd2
.pd:    push dx
        movzx ax, dh
        mul word [0x85]
        mul bp
        pop dx
        movzx di, dl
        add di, ax
        push dx
        movzx ax, bh
        and al, 7
        mul word [0x4C]
        pop dx
        add di, ax
        mov ax, 0x0F02
        call seq_out
        mov ax, 0x0205
        call gc_out
        test bl, 0x80
        jz .pd2
        mov ax, 0x1803
        call gc_out
.pd2:   pop si
        mov al, ch              ; AL = mode type
        mov cx, [0x85]
        push ds
        push ax
        xor ax, ax
        mov ds, ax
        lds ax, [0x43*4]
        add si, ax
        mov ax, 0xA000
        mov es, ax
        pop ax
        cmp al, VT_256
        jne .planar
.r256:  lodsb
        mov ah, al
        mov dx, 8
.p256:  xor al, al
        shl ah, 1
        jnc .bg
        mov al, bl
.bg:    stosb
        dec dx
        jnz .p256
        add di, 320 - 8
        loop .r256
        pop ds
        pop bp
        jmp .x
.planar:
        mov dx, 0x3CE
.rp:    mov al, 8
        out dx, al
        inc dx
        lodsb
        out dx, al
        dec dx
        mov ah, [es:di]         ; load latches
        mov [es:di], bl
        test bl, 0x80
        jnz .nb
        mov al, 8
        out dx, al
        inc dx
        mov al, [si-1]
        not al
        out dx, al
        dec dx
        mov ah, [es:di]
        mov byte [es:di], 0
.nb:    add di, bp
        loop .rp
        pop ds
        pop bp
.pdone: push word BDA_SEG
        pop ds
        mov ax, 0x0003
        call gc_out
        mov ax, 0x0005
        call gc_out
        mov ax, 0xFF08
        call gc_out
.x:     pop es
        pop di
        pop si
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; ---- AH=0Ch write pixel / AH=0Dh read pixel ---------------------------------
; pixel_addr: CX = x, DX = y, BH page -> ES:DI, AH = bit mask (planar)
pixel_addr:
        push bx
        push cx
        push dx
        mov ax, 0xA000
        mov es, ax
        call vid_type
        cmp al, VT_256
        jne .pl
        imul di, dx, 320
        add di, cx
        jmp .x
.pl:    mov ax, dx
        mul word [0x4A]
        mov di, ax
        mov ax, cx
        shr ax, 3
        add di, ax
        and cl, 7
        mov ah, 0x80
        shr ah, cl
        push ax
        movzx ax, bh
        and al, 7
        mul word [0x4C]
        add di, ax
        pop ax
.x:     pop dx
        pop cx
        pop bx
        ret

vid_write_pixel:
        call vid_type
        cmp al, VT_MTEXT
        jbe .x
        cmp al, VT_CGA
        je cga_write_pixel
        mov cx, [R_CX]
        mov dx, [R_DX]
        mov bh, [R_BH]
        call pixel_addr
        mov al, [R_AL]
        cmp byte [0x49], 0x13
        jne .pl
        mov [es:di], al
        ret
.pl:    mov bl, ah
        mov ax, 0x0F02
        call seq_out
        mov ax, 0x0205
        call gc_out
        mov al, 8
        mov ah, bl
        call gc_out
        test byte [R_AL], 0x80
        jz .nx
        mov ax, 0x1803
        call gc_out
.nx:    mov al, [es:di]
        mov al, [R_AL]
        mov [es:di], al
        mov ax, 0x0003
        call gc_out
        mov ax, 0x0005
        call gc_out
        mov ax, 0xFF08
        call gc_out
.x:     ret

vid_read_pixel:
        call vid_type
        cmp al, VT_MTEXT
        jbe .x
        cmp al, VT_CGA
        je cga_read_pixel
        mov cx, [R_CX]
        mov dx, [R_DX]
        mov bh, [R_BH]
        call pixel_addr
        cmp byte [0x49], 0x13
        jne .pl
        mov al, [es:di]
        mov [R_AL], al
        ret
.pl:    mov bl, ah              ; mask
        xor bh, bh              ; result
        mov cl, 3
.lp:    mov al, 4
        mov ah, cl
        call gc_out
        shl bh, 1
        test [es:di], bl
        jz .z
        or bh, 1
.z:     dec cl
        jns .lp
        mov ax, 0x0004
        call gc_out
        mov [R_AL], bh
.x:     ret

; ---- AH=0Eh teletype --------------------------------------------------------
vid_teletype:
        mov al, [R_AL]
        mov bx, [R_BX]
        mov bh, [0x62]          ; teletype always writes the active page
        xor ah, ah
        call vid_tty
        ret

; vid_tty: AL char, AH=1 -> use attribute BL (text); BL = colour (graphics)
;          BH = page
vid_tty:
        push ax
        push bx
        push cx
        push dx
        push si
        movzx si, bh
        and si, 7
        shl si, 1
        mov dx, [0x50 + si]
        cmp al, 7
        je .bell
        cmp al, 8
        je .bs
        cmp al, 10
        je .lf
        cmp al, 13
        je .cr
        mov cx, ax
        call vid_type
        cmp al, VT_MTEXT
        mov ax, cx
        jbe .wr
        mov ah, 1               ; graphics: always use colour
.wr:    call write_char_at
        inc dl
        cmp dl, [0x4A]
        jb .store
        xor dl, dl
.lf:    inc dh
        cmp dh, [0x84]
        jbe .store
        mov dh, [0x84]
        ; scroll up one line
        push dx
        call vid_type
        xor cl, cl              ; fill colour for graphics
        cmp al, VT_MTEXT
        ja .sg
        push di
        push es
        xor dl, dl
        call text_offset
        call text_seg
        mov cl, [es:di+1]
        pop es
        pop di
.sg:    mov ah, bh
        mov bh, cl
        mov al, 1
        xor cx, cx
        mov dh, [0x84]
        mov dl, [0x4A]
        dec dl
        push si
        xor si, si
        call scroll_window
        pop si
        pop dx
        jmp .store
.cr:    xor dl, dl
        jmp .store
.bs:    test dl, dl
        jz .store
        dec dl
        jmp .store
.bell:  call beep
        jmp .done
.store: mov [0x50 + si], dx
        shr si, 1
        mov ax, si
        cmp al, [0x62]
        jne .done
        call update_hw_cursor
.done:  pop si
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; beep: short tone on the PC speaker
beep:
        push ax
        push cx
        mov al, 0xB6
        out 0x43, al
        mov ax, 1193            ; ~1 kHz
        out 0x42, al
        mov al, ah
        out 0x42, al
        in al, 0x61
        or al, 3
        out 0x61, al
        mov cx, 0x4000
.w:     IODELAY
        loop .w
        in al, 0x61
        and al, 0xFC
        out 0x61, al
        pop cx
        pop ax
        ret

; ---- AH=13h write string ----------------------------------------------------
vid_write_string:
        mov cx, [R_CX]
        jcxz .x
        mov bh, [R_BH]
        and bh, 7
        movzx si, bh
        shl si, 1
        push word [0x50 + si]   ; original cursor
        mov dx, [R_DX]
        mov [0x50 + si], dx
        mov es, [R_ES]
        mov di, [R_BP]
        mov bl, [R_BL]
.l:     mov al, [es:di]
        inc di
        test byte [R_AL], 2
        jz .na
        mov bl, [es:di]
        inc di
.na:    push es
        mov ah, 1
        cmp al, 7
        je .ctl
        cmp al, 8
        je .ctl
        cmp al, 10
        je .ctl
        cmp al, 13
        je .ctl
        jmp .put
.ctl:   mov ah, 0
.put:   call vid_tty
        pop es
        loop .l
        pop ax
        test byte [R_AL], 1
        jnz .x
        mov [0x50 + si], ax     ; restore cursor
        shr si, 1
        mov ax, si
        cmp al, [0x62]
        jne .x
        call update_hw_cursor
.x:     ret

; ---- AH=10h palette / DAC ---------------------------------------------------
vid_palette:
        mov al, [R_AL]
        mov bx, [R_BX]
        cmp al, 0x00
        jne .p1
        mov al, bl              ; set one palette register
        mov ah, bh
        cmp al, 0x14
        jae .ret
        jmp ac_out
.p1:    cmp al, 0x01
        jne .p2
        mov al, 0x11
        mov ah, bh
        jmp ac_out
.p2:    cmp al, 0x02
        jne .p3
        mov es, [R_ES]
        mov si, [R_DX]
        xor cx, cx
.p2l:   mov al, cl
        mov ah, [es:si]
        inc si
        call ac_out
        inc cl
        cmp cl, 16
        jb .p2l
        mov al, 0x11
        mov ah, [es:si]
        jmp ac_out
.p3:    cmp al, 0x03
        jne .p7
        mov al, 0x10
        call ac_in
        and ah, 0xF7
        test bl, 1
        jz .p3b
        or ah, 0x08
.p3b:   jmp ac_out
.p7:    cmp al, 0x07
        jne .p8
        mov al, bl
        call ac_in
        mov [R_BH], ah
        ret
.p8:    cmp al, 0x08
        jne .p9
        mov al, 0x11
        call ac_in
        mov [R_BH], ah
        ret
.p9:    cmp al, 0x09
        jne .p10
        mov es, [R_ES]
        mov di, [R_DX]
        xor cx, cx
.p9l:   mov al, cl
        call ac_in
        mov [es:di], ah
        inc di
        inc cl
        cmp cl, 16
        jb .p9l
        mov al, 0x11
        call ac_in
        mov [es:di], ah
        ret
.p10:   cmp al, 0x10
        jne .p12
        mov dx, 0x3C8
        mov al, bl
        out dx, al
        inc dx
        mov al, [R_DH]
        out dx, al
        mov al, [R_CH]
        out dx, al
        mov al, [R_CL]
        out dx, al
        ret
.p12:   cmp al, 0x12
        jne .p15
        mov es, [R_ES]
        mov si, [R_DX]
        mov dx, 0x3C8
        mov al, bl
        out dx, al
        inc dx
        mov cx, [R_CX]
        mov ax, cx
        add cx, ax
        add cx, ax
        jcxz .r12
.p12l:  mov al, [es:si]
        inc si
        out dx, al
        loop .p12l
.r12:   ret
.p15:   cmp al, 0x15
        jne .p17
        mov dx, 0x3C7
        mov al, bl
        out dx, al
        add dx, 2
        in al, dx
        mov [R_DH], al
        in al, dx
        mov [R_CH], al
        in al, dx
        mov [R_CL], al
        ret
.p17:   cmp al, 0x17
        jne .p18
        mov es, [R_ES]
        mov di, [R_DX]
        mov dx, 0x3C7
        mov al, bl
        out dx, al
        add dx, 2
        mov cx, [R_CX]
        mov ax, cx
        add cx, ax
        add cx, ax
        jcxz .r12
.p17l:  in al, dx
        stosb
        loop .p17l
        ret
.p18:   cmp al, 0x18
        jne .p19
        mov dx, 0x3C6
        mov al, bl
        out dx, al
        ret
.p19:   cmp al, 0x19
        jne .p1a
        mov dx, 0x3C6
        in al, dx
        mov [R_BL], al
        ret
.p1a:   cmp al, 0x1A
        jne .p1b
        mov al, 0x10
        call ac_in
        mov bl, ah
        shr bl, 7
        mov al, 0x14
        call ac_in
        and ah, 0x0F
        mov [R_BL], bl
        mov [R_BH], ah
        ret
.p1b:   cmp al, 0x1B
        jne .ret
        ; sum to grey shades: CX registers starting at BX
        mov cx, [R_CX]
        jcxz .r12
.p1bl:  mov dx, 0x3C7
        mov al, bl
        out dx, al
        add dx, 2
        in al, dx               ; R
        mov ah, 77
        mul ah
        mov si, ax
        in al, dx               ; G
        mov ah, 151
        mul ah
        add si, ax
        in al, dx               ; B
        mov ah, 28
        mul ah
        add ax, si
        add ax, 128
        mov al, ah              ; /256
        mov dx, 0x3C8
        push ax
        mov al, bl
        out dx, al
        pop ax
        inc dx
        out dx, al
        out dx, al
        out dx, al
        inc bl
        loop .p1bl
.ret:   ret

; ---- AH=11h character generator -------------------------------------------
vid_font:
        mov al, [R_AL]
        mov bx, [R_BX]
        cmp al, 0x00
        je .user
        cmp al, 0x10
        je .user
        cmp al, 0x01
        je .f14
        cmp al, 0x11
        je .f14
        cmp al, 0x02
        je .f8
        cmp al, 0x12
        je .f8
        cmp al, 0x04
        je .f16
        cmp al, 0x14
        je .f16
        cmp al, 0x03
        je .blk
        cmp al, 0x20
        je .i1f
        cmp al, 0x21
        je .i43u
        cmp al, 0x22
        je .g14
        cmp al, 0x23
        je .g8
        cmp al, 0x24
        je .g16
        cmp al, 0x30
        je .info
        ret
.user:  mov cx, [R_CX]
        mov dx, [R_DX]
        mov es, [R_ES]
        push bp
        mov bp, [R_BP]
        call load_user_font
        pop bp
        movzx cx, bh
        jmp .recalc
.f14:   mov si, font8x14
        mov bh, 14
        jmp .rom
.f8:    mov si, font8x8
        mov bh, 8
        jmp .rom
.f16:   mov si, font8x16
        mov bh, 16
.rom:   mov cx, 256
        xor dx, dx
        call load_font
        movzx cx, bh
.recalc:
        test byte [R_AL], 0x10
        jz .x
        ; recalculate rows / CRTC for the new character height CX
        call vid_type
        cmp al, VT_MTEXT
        ja .x
        mov [0x85], cx
        mov al, 0x09
        mov ah, cl
        dec ah
        push ax
        mov dx, [0x63]
        out dx, al
        inc dx
        in al, dx
        and al, 0xE0
        pop dx
        or dh, al
        mov ax, dx
        call crtc_out
        ; vertical display end + 1 / height = rows
        mov ax, 400
        cmp byte [0x49], 7
        jne .vd
        mov ax, 400
.vd:    xor dx, dx
        div cx
        dec al
        mov [0x84], al
        inc al
        mul byte [0x4A]
        shl ax, 1
        add ax, 0x100           ; pages are rounded like the VGA BIOS
        and ax, 0xFF00
        mov [0x4C], ax
        ; underline cursor
        mov ch, cl
        sub ch, 3
        dec cl
        dec cl
        mov al, 0x0A
        mov ah, ch
        call crtc_out
        mov al, 0x0B
        mov ah, cl
        call crtc_out
        mov [0x60], cx
.x:     ret
.blk:   mov al, 0x03
        mov ah, bl
        jmp seq_out
.i1f:   xor ax, ax
        mov es, ax
        mov ax, [R_BP]
        mov [es:0x1F*4], ax
        mov ax, [R_ES]
        mov [es:0x1F*4+2], ax
        ret
.i43u:  mov cx, [R_CX]
        mov si, [R_BP]
        mov ax, [R_ES]
        jmp .set43
.g14:   mov si, font8x14
        mov cx, 14
        jmp .g
.g8:    mov si, font8x8
        mov cx, 8
        jmp .g
.g16:   mov si, font8x16
        mov cx, 16
.g:     mov ax, cs
.set43: push ax
        xor ax, ax
        mov es, ax
        pop ax
        mov [es:0x43*4], si
        mov [es:0x43*4+2], ax
        mov [0x85], cx
        mov al, [R_BL]          ; rows: 0 -> DL, 1 -> 14, 2 -> 25, 3 -> 43
        mov ah, [R_DL]
        cmp al, 1
        jne .g1
        mov ah, 14
.g1:    cmp al, 2
        jne .g2
        mov ah, 25
.g2:    cmp al, 3
        jne .g3
        mov ah, 43
.g3:    dec ah
        mov [0x84], ah
        ret
.info:  mov cx, [0x85]
        mov [R_CX], cx
        mov dl, [0x84]
        mov [R_DL], dl
        mov bh, [R_BH]
        mov ax, cs
        cmp bh, 0
        jne .i1
        xor si, si
        mov es, si
        les si, [es:0x1F*4]
        jmp .iret
.i1:    cmp bh, 1
        jne .i2
        xor si, si
        mov es, si
        les si, [es:0x43*4]
        jmp .iret
.i2:    mov es, ax
        mov si, font8x14
        cmp bh, 2
        je .iret
        cmp bh, 5
        je .iret
        mov si, font8x8
        cmp bh, 3
        je .iret
        mov si, font8x8 + 128*8
        cmp bh, 4
        je .iret
        mov si, font8x16
.iret:  mov [R_ES], es
        mov [R_BP], si
        ret

; ---- AH=12h alternate select -----------------------------------------------
vid_alt_select:
        mov bl, [R_BL]
        cmp bl, 0x10
        jne .o
        mov word [R_BX], 0x0003 ; colour, 256 KiB
        mov word [R_CX], 0x0009 ; feature bits 0, switches 9
        ret
.o:     cmp bl, 0x30
        jb .x
        mov byte [R_AL], 0x12   ; function supported
.x:     ret

; ---- AH=1Ah display combination code --------------------------------------
vid_dcc:
        cmp byte [R_AL], 0
        jne .set
        mov word [R_BX], 0x0008
.set:   mov byte [R_AL], 0x1A
        ret

; ---- AH=1Bh functionality / state information -----------------------------
vid_state:
        mov es, [R_ES]
        mov di, [R_DI]
        mov ax, vga_static_func
        stosw
        mov ax, cs
        stosw
        mov si, 0x49
        mov cx, 30
        rep movsb               ; 40:49..40:66
        mov al, [0x84]
        inc al
        stosb
        mov ax, [0x85]
        stosw
        mov ax, 0x0008          ; active DCC 08h, alternate 00h
        stosw
        mov ax, 16
        cmp byte [0x49], 0x13
        jne .c
        mov ax, 256
.c:     stosw                   ; colours
        mov al, 8
        stosb                   ; pages
        mov al, 2
        stosb                   ; 400 scan lines
        xor al, al
        stosb
        stosb
        mov al, 0x20
        stosb
        xor al, al
        mov cx, 64 - 0x2E
        rep stosb
        mov byte [R_AL], 0x1B
        ret
