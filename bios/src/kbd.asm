; ---------------------------------------------------------------------------
; 8042 keyboard controller, INT 09h (IRQ1) and INT 16h
; ---------------------------------------------------------------------------

; kbc_wait_in: wait until the controller input buffer is empty
kbc_wait_in:
        push ax
        push cx
        push dx
        mov dx, 16
.o:     mov cx, 0xFFFF
.l:     in al, 0x64
        test al, 2
        jz .x
        loop .l
        dec dx
        jnz .o
.x:     pop dx
        pop cx
        pop ax
        ret

; kbc_read: wait for output buffer full, AL = byte; CF=1 on timeout
kbc_read:
        push cx
        push dx
        mov dx, 16
.o:     mov cx, 0xFFFF
.l:     in al, 0x64
        test al, 1
        jnz .r
        loop .l
        dec dx
        jnz .o
        stc
        jmp .x
.r:     in al, 0x60
        clc
.x:     pop dx
        pop cx
        ret

; kbc_cmd: AL = controller command
kbc_cmd:
        call kbc_wait_in
        out 0x64, al
        ret

; kbc_data: AL = byte to port 60h
kbc_data:
        call kbc_wait_in
        out 0x60, al
        ret

kbd_init:
        push ax
        in al, 0x21
        push ax
        or al, 0x02             ; mask IRQ1 while talking to the controller
        out 0x21, al
        ; flush
        mov cx, 16
.fl:    in al, 0x64
        test al, 1
        jz .fd
        in al, 0x60
        loop .fl
.fd:    mov al, 0xAD            ; disable keyboard interface
        call kbc_cmd
        mov al, 0xAA            ; controller self test
        call kbc_cmd
        call kbc_read
        jc .err
        cmp al, 0x55
        jne .err
        mov al, 0x60            ; write command byte
        call kbc_cmd
        mov al, 0x65            ; translate, sys flag, kbd IRQ, aux disabled
        call kbc_data
        mov al, 0xAE            ; enable keyboard interface
        call kbc_cmd
        mov al, 0xFF            ; keyboard reset
        call kbc_data
        call kbc_read           ; FA
        jc .nokbd
        call kbc_read           ; AA
        jc .nokbd
        mov al, 0xF4            ; enable scanning
        call kbc_data
        call kbc_read
        call kbd_leds           ; NumLock LED (state on at boot)
        jmp .done
.nokbd: mov si, msg_nokbd
        call print_str
        jmp .done
.err:   mov si, msg_kbcerr
        call print_str
.done:  pop ax
        and al, 0xFD
        out 0x21, al
        pop ax
        ret

msg_nokbd:  db "Keyboard not responding", 13, 10, 0
msg_kbcerr: db "Keyboard controller self-test failed", 13, 10, 0

; ---- scan code translation tables (set 1, 01h..58h) -------------------------
; ASCII without / with shift; 0 = no ASCII
kb_norm:
        db 0, 27, '1234567890-=', 8, 9            ; 00-0F
        db 'qwertyuiop[]', 13, 0, 'as'            ; 10-1F
        db 'dfghjkl;', 39, '`', 0, '\zxcv'        ; 20-2F
        db 'bnm,./', 0, '*', 0, ' ', 0, 0,0,0,0,0 ; 30-3F
        db 0,0,0,0,0, 0,0, '789-456+1'            ; 40-4F
        db '230.', 0, 0, '\', 0, 0                ; 50-58
kb_shift:
        db 0, 27, '!@#$%^&*()_+', 8, 0            ; 00-0F
        db 'QWERTYUIOP{}', 13, 0, 'AS'            ; 10-1F
        db 'DFGHJKL:"~', 0, '|ZXCV'               ; 20-2F
        db 'BNM<>?', 0, '*', 0, ' ', 0, 0,0,0,0,0 ; 30-3F
        db 0,0,0,0,0, 0,0, '789-456+1'            ; 40-4F
        db '230.', 0, 0, '|', 0, 0                ; 50-58
KB_MAX equ 0x58

int09_handler:
        sti
        cld
        pusha
        push ds
        push es
        push word BDA_SEG
        pop ds
        in al, 0x60
        ; keyboard intercept
        mov ah, 0x4F
        stc
        int 0x15
        jnc .eoi
        mov ah, al              ; AH = scan code (with break bit)
        cmp al, 0xE0
        jne .n1
        or byte [0x96], 0x02
        jmp .eoi
.n1:    cmp al, 0xE1
        jne .n2
        or byte [0x96], 0x01
        jmp .eoi
.n2:    cmp al, 0xFA            ; ACK / resend / overrun etc.
        jae .eoi
        test byte [0x96], 0x01  ; Pause sequence: swallow
        jz .n3
        test al, 0x7F
        cmp al, 0xC5
        jne .eoi
        and byte [0x96], 0xFE
        jmp .eoi
.n3:    mov bl, [0x96]
        and byte [0x96], 0xFC   ; clear E0/E1 latch
        and bl, 0x02            ; BL = 2 if E0 prefixed
        mov bh, al
        and bh, 0x7F            ; BH = make code
        ; ---- modifiers
        cmp bh, 0x2A
        jne .m1
        test bl, bl
        jnz .eoi                ; fake shift
        mov cl, 0x02
        jmp .shiftkey
.m1:    cmp bh, 0x36
        jne .m2
        test bl, bl
        jnz .eoi
        mov cl, 0x01
        jmp .shiftkey
.m2:    cmp bh, 0x1D
        jne .m3
        mov cl, 0x04
        mov ch, 0x01            ; 40:18 bit (left ctrl)
        mov dl, 0x04            ; 40:96 bit (right ctrl)
        jmp .ctrlalt
.m3:    cmp bh, 0x38
        jne .m4
        mov cl, 0x08
        mov ch, 0x02
        mov dl, 0x08
        jmp .ctrlalt
.m4:    cmp bh, 0x3A
        jne .m5
        mov cl, 0x40
        jmp .toggle
.m5:    cmp bh, 0x45
        jne .m6
        test bl, bl
        jnz .eoi
        mov cl, 0x20
        jmp .toggle
.m6:    cmp bh, 0x46
        jne .m7
        test bl, bl
        jnz .brk
        mov cl, 0x10
        jmp .toggle
.m7:    cmp bh, 0x52            ; Insert toggles insert state
        jne .key
        test byte [0x17], 0x08  ; alt-keypad?
        jnz .key
        test al, 0x80
        jnz .insup
        test byte [0x18], 0x80
        jnz .eoi
        or byte [0x18], 0x80
        test bl, bl
        jnz .instog
        test byte [0x17], 0x20  ; numlock: keypad 0 is a digit
        jnz .key
        test byte [0x17], 0x03
        jnz .key
.instog:
        xor byte [0x17], 0x80
        jmp .key
.insup: and byte [0x18], 0x7F
        jmp .eoi
.brk:   ; Ctrl-Break (E0 46)
        test al, 0x80
        jnz .eoi
        mov bx, [0x80]
        mov [0x1A], bx
        mov [0x1C], bx
        mov byte [0x71], 0x80
        int 0x1B
        xor ax, ax
        call kbuf_put
        jmp .eoi

.shiftkey:
        test al, 0x80
        jnz .su
        or [0x17], cl
        jmp .eoi
.su:    not cl
        and [0x17], cl
        jmp .eoi

.ctrlalt:
        test al, 0x80
        jnz .cau
        test bl, bl
        jz .cal
        or [0x96], dl
        jmp .cas
.cal:   or [0x18], ch
.cas:   or [0x17], cl
        jmp .eoi
.cau:   test bl, bl
        jz .caul
        not dl
        and [0x96], dl
        jmp .cauc
.caul:  not ch
        and [0x18], ch
.cauc:  ; clear the combined flag only if the other key is not down
        mov dh, [0x18]
        and dh, 0x03
        mov dl, [0x96]
        shr dl, 2
        and dl, 0x03
        or dh, dl               ; bit0 = any ctrl, bit1 = any alt
        cmp cl, 0x04
        jne .cau2
        test dh, 1
        jnz .eoi
        and byte [0x17], 0xFB
        jmp .eoi
.cau2:  test dh, 2
        jnz .eoi
        and byte [0x17], 0xF7
        ; Alt released: deliver Alt-keypad number
        mov al, [0x19]
        mov byte [0x19], 0
        test al, al
        jz .eoi
        xor ah, ah
        call kbuf_put
        jmp .eoi

.toggle:                        ; CL = 40:17 bit; 40:18 uses the same bit
        test al, 0x80
        jnz .tu
        test [0x18], cl
        jnz .eoi                ; typematic repeat
        or [0x18], cl
        xor [0x17], cl
        call kbd_leds
        jmp .eoi
.tu:    not cl
        and [0x18], cl
        jmp .eoi

        ; ---- ordinary keys (make codes only)
.key:   test al, 0x80
        jnz .eoi
        cmp bh, KB_MAX
        ja .eoi
        mov cl, [0x17]
        ; Ctrl-Alt-Del
        cmp bh, 0x53
        jne .k0
        mov dl, cl
        and dl, 0x0C
        cmp dl, 0x0C
        jne .k0
        mov word [0x72], 0x1234
        jmp 0xF000:reset_vector
.k0:    movzx si, bh
        test bl, bl
        jnz .ext
        ; Alt
        test cl, 0x08
        jz .k1
        call key_alt
        jmp .put
.k1:    test cl, 0x04
        jz .k2
        call key_ctrl
        jmp .put
.k2:    ; function keys
        cmp bh, 0x3B
        jb .k3
        cmp bh, 0x44
        jbe .fkey
        cmp bh, 0x57
        jae .f1112
        cmp bh, 0x47
        jb .k3
        cmp bh, 0x53
        ja .k3
        ; keypad 47..53: digits if NumLock xor Shift, else cursor keys
        cmp bh, 0x4A
        je .k3
        cmp bh, 0x4E
        je .k3
        mov dl, cl
        and dl, 0x03
        jz .kp1
        mov dl, 0x20
.kp1:   xor dl, cl
        test dl, 0x20
        jz .kpcur
        mov al, [cs:kb_norm + si]
        mov ah, bh
        jmp .put
.kpcur: mov ah, bh
        xor al, al
        jmp .put
.k3:    test cl, 0x03
        jz .k4
        mov al, [cs:kb_shift + si]
        jmp .k5
.k4:    mov al, [cs:kb_norm + si]
.k5:    ; caps lock inverts letters
        test cl, 0x40
        jz .k6
        mov dl, al
        or dl, 0x20
        cmp dl, 'a'
        jb .k6
        cmp dl, 'z'
        ja .k6
        xor al, 0x20
.k6:    mov ah, bh
        cmp bh, 0x0F            ; shift-tab
        jne .k7
        test cl, 0x03
        jz .k7
        xor al, al
.k7:    test al, al
        jnz .put
        cmp bh, 0x0F
        je .put
        jmp .eoi
.fkey:  mov ah, bh
        test cl, 0x03
        jz .fk1
        add ah, 0x54 - 0x3B
.fk1:   xor al, al
        jmp .put
.f1112: mov ah, bh
        add ah, 0x85 - 0x57
        test cl, 0x03
        jz .fk2
        add ah, 2
.fk2:   xor al, al
        jmp .put

.ext:   ; E0-prefixed keys
        cmp bh, 0x1C            ; keypad Enter
        jne .e1
        mov ax, 0xE00D
        test cl, 0x04
        jz .put
        mov al, 0x0A
        jmp .put
.e1:    cmp bh, 0x35            ; keypad /
        jne .e2
        mov ax, 0xE02F
        test cl, 0x08
        jz .put
        mov ax, 0xA400
        jmp .put
.e2:    cmp bh, 0x47
        jb .eoi
        cmp bh, 0x53
        ja .eoi
        ; grey cursor keys
        mov ah, bh
        mov al, 0xE0
        test cl, 0x08
        jz .e3
        add ah, 0x50            ; Alt + grey key
        xor al, al
        jmp .put
.e3:    test cl, 0x04
        jz .put
        call key_ctrl
        test ax, ax
        jz .eoi
        mov al, 0xE0
        jmp .put

.put:   test ax, ax
        jz .eoi
        call kbuf_put
.eoi:   cli
        mov al, 0x20
        out 0x20, al
        pop es
        pop ds
        popa
        iret

; key_alt: BH = scan code, SI = scan -> AX (0 = none)
key_alt:
        xor al, al
        mov ah, bh
        cmp bh, 0x02
        jb .z
        cmp bh, 0x0D
        ja .a1
        add ah, 0x76            ; Alt-1.. -> 78h..83h
        ret
.a1:    cmp bh, 0x3B
        jb .let
        cmp bh, 0x44
        ja .a2
        add ah, 0x68 - 0x3B
        ret
.a2:    cmp bh, 0x57
        jb .kp
        add ah, 0x8B - 0x57
        ret
.kp:    ; Alt + keypad digit: accumulate
        mov al, [cs:kb_norm + si]
        cmp bh, 0x47
        jb .let
        cmp al, '0'
        jb .z
        cmp al, '9'
        ja .z
        sub al, '0'
        mov ah, al
        mov al, [0x19]
        mov dl, 10
        mul dl
        add al, ah
        mov [0x19], al
        jmp .z
.let:   cmp byte [cs:kb_norm + si], 0
        je .z
        ret                     ; scan<<8 | 0
.z:     xor ax, ax
        ret

; key_ctrl: BH = scan, SI -> AX
key_ctrl:
        mov al, [cs:kb_norm + si]
        mov ah, bh
        cmp al, 'a'
        jb .c1
        cmp al, 'z'
        ja .c1
        sub al, 0x60
        ret
.c1:    cmp bh, 0x3B
        jb .c2
        cmp bh, 0x44
        ja .c2
        add ah, 0x5E - 0x3B
        xor al, al
        ret
.c2:    cmp bh, 0x57
        jb .c3
        add ah, 0x89 - 0x57
        xor al, al
        ret
.c3:    push si
        mov si, kb_ctrl_tab
.c4:    cmp byte [cs:si], 0
        je .cz
        cmp [cs:si], bh
        je .cf
        add si, 3
        jmp .c4
.cf:    mov ax, [cs:si+1]
        pop si
        ret
.cz:    pop si
        xor ax, ax
        ret

kb_ctrl_tab:        ; scan, result word
        db 0x01
        dw 0x011B
        db 0x03
        dw 0x0300
        db 0x07
        dw 0x071E
        db 0x0C
        dw 0x0C1F
        db 0x0E
        dw 0x0E7F
        db 0x0F
        dw 0x9400
        db 0x1A
        dw 0x1A1B
        db 0x1B
        dw 0x1B1D
        db 0x1C
        dw 0x1C0A
        db 0x2B
        dw 0x2B1C
        db 0x37
        dw 0x9600
        db 0x39
        dw 0x3920
        db 0x47
        dw 0x7700
        db 0x48
        dw 0x8D00
        db 0x49
        dw 0x8400
        db 0x4A
        dw 0x8E00
        db 0x4B
        dw 0x7300
        db 0x4C
        dw 0x8F00
        db 0x4D
        dw 0x7400
        db 0x4E
        dw 0x9000
        db 0x4F
        dw 0x7500
        db 0x50
        dw 0x9100
        db 0x51
        dw 0x7600
        db 0x52
        dw 0x9200
        db 0x53
        dw 0x9300
        db 0

; kbuf_put: AX = key word -> keyboard buffer (beep if full). DS = BDA
kbuf_put:
        push bx
        push si
        cli
        mov bx, [0x1C]
        mov si, bx
        add si, 2
        cmp si, [0x82]
        jb .w
        mov si, [0x80]
.w:     cmp si, [0x1A]
        je .full
        mov [bx], ax
        mov [0x1C], si
        sti
        pop si
        pop bx
        ret
.full:  sti
        pop si
        pop bx
        ret

; kbd_leds: send LED state to the keyboard (no waiting for ACKs here;
; the ACK bytes are ignored by INT 09h)
kbd_leds:
        push ax
        mov al, [0x17]
        shr al, 4
        and al, 7
        mov ah, [0x97]
        and ah, 7
        cmp al, ah
        je .x
        and byte [0x97], 0xF8
        or [0x97], al
        mov ah, al
        mov al, 0xED
        call kbc_data
        mov al, ah
        call kbc_data
.x:     pop ax
        ret

; ---- INT 16h -----------------------------------------------------------------
int16_handler:
        sti
        cld
        push ds
        push bx
        push word BDA_SEG
        pop ds
        cmp ah, 0x00
        je .read
        cmp ah, 0x10
        je .read
        cmp ah, 0x01
        je .peek
        cmp ah, 0x11
        je .peek
        cmp ah, 0x02
        je .shift
        cmp ah, 0x12
        je .shift12
        cmp ah, 0x05
        je .store
        cmp ah, 0x03
        je .x
        cmp ah, 0x09
        je .caps
        cmp ah, 0x0A
        je .kbid
        jmp .x
.read:  mov bh, ah              ; 0 = standard, 10h = extended
.rl:    cli
        mov bx, [0x1A]
        cmp bx, [0x1C]
        jne .rg
        sti
        push ax
        mov ax, 0x9002          ; device busy (keyboard)
        int 0x15
        pop ax
        hlt
        jmp .rl
.rg:    mov bx, [bx]
        push bx
        mov bx, [0x1A]
        add bx, 2
        cmp bx, [0x82]
        jb .rw
        mov bx, [0x80]
.rw:    mov [0x1A], bx
        sti
        pop bx
        cmp ah, 0x10
        je .rext
        call key_std
        jc .rl2
        mov ax, bx
        jmp .x
.rl2:   mov ah, 0
        jmp .rl
.rext:  mov ax, bx
        jmp .x
.peek:  cli
        mov bx, [0x1A]
        cmp bx, [0x1C]
        je .empty
        mov bx, [bx]
        sti
        cmp ah, 0x11
        je .pext
        call key_std
        jnc .pok
        ; discard the extended-only key and look again
        push ax
        mov bx, [0x1A]
        add bx, 2
        cmp bx, [0x82]
        jb .pw
        mov bx, [0x80]
.pw:    mov [0x1A], bx
        pop ax
        jmp .peek
.pok:
.pext:  mov ax, bx
        pop bx
        pop ds
        push bp
        mov bp, sp
        and byte [bp+6], 0xBF   ; ZF=0
        pop bp
        iret
.empty: sti
        pop bx
        pop ds
        push bp
        mov bp, sp
        or byte [bp+6], 0x40    ; ZF=1
        pop bp
        iret
.shift: mov al, [0x17]
        jmp .x
.shift12:
        mov al, [0x18]
        and al, 0x73
        mov ah, al
        mov al, [0x96]
        and al, 0x0C            ; right ctrl/alt
        shr al, 2
        shl al, 2
        or ah, al
        mov al, [0x18]
        and al, 0x80
        or ah, al
        mov al, [0x17]
        jmp .x
.store: mov ax, cx
        call kbuf_put
        mov al, 0               ; (buffer full not reported)
        jmp .x
.caps:  mov al, 0x20            ; 10h-12h supported
        jmp .x
.kbid:  mov bx, 0x41AB          ; MF2 keyboard
        add sp, 2               ; drop the saved BX
        pop ds
        iret
.x:     pop bx
        pop ds
        iret

; key_std: convert extended key word BX for functions 00h/01h.
; CF=1 if the key must be ignored by the standard functions.
key_std:
        cmp bh, 0xE0            ; keypad Enter / keypad /
        jne .a
        mov bh, 0x35
        cmp bl, 0x2F
        je .c
        mov bh, 0x1C
        jmp .c
.a:     cmp bl, 0xE0            ; grey cursor keys
        jne .n
        test bh, bh
        jz .c
        xor bl, bl
        jmp .c
.n:     cmp bh, 0x84
        jbe .c
        test bl, bl
        jnz .c
        stc                     ; F11/F12 and other extended-only keys
        ret
.c:     clc
        ret
