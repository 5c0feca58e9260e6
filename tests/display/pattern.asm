; PATTERN.COM -- known pictures for the display tests (tests/display.rs).
;   1. mode 13h with its own DAC: entry i = (i>>2, (i*5)&63, (i>>2)^63);
;      pixel (x, y) = (x + 3y) & 255.  Then "P13" to port E9h; waits for a key.
;   2. mode 12h (planar, BIOS palette): pixel (x, y) = ((x>>3) + (y>>3)) & 15,
;      written plane by plane.  Then "P12" to port E9h; waits for a key.
;   3. back to mode 3, "P03" to port E9h, exit.
; The test computes the same pictures and compares them with `ctl screenshot`.
        cpu 386
        bits 16
        org 0x100

start:
        mov ax, 0x0013
        int 0x10
        ; the DAC, all 256 entries from 0
        mov dx, 0x3C8
        xor al, al
        out dx, al
        inc dx                  ; 3C9h
        xor cx, cx              ; cl = i
.dac:   mov al, cl
        shr al, 2
        out dx, al              ; red = i >> 2
        mov al, cl
        mov ah, 5
        mul ah
        and al, 63
        out dx, al              ; green = (i * 5) & 63
        mov al, cl
        shr al, 2
        xor al, 63
        out dx, al              ; blue = (i >> 2) ^ 63
        inc cx
        cmp cx, 256
        jb .dac
        ; the picture
        push 0xA000
        pop es
        xor di, di
        xor bx, bx              ; y
.y13:   xor cx, cx              ; x
        mov ax, bx
        imul ax, 3              ; al = 3y (mod 256)
.x13:   mov dl, al
        add dl, cl              ; x + 3y
        mov [es:di], dl
        inc di
        inc cx
        cmp cx, 320
        jb .x13
        inc bx
        cmp bx, 200
        jb .y13
        mov si, msg13
        call say
        xor ah, ah
        int 0x16

        mov ax, 0x0012
        int 0x10
        mov dx, 0x3C4
        mov al, 2               ; sequencer map mask
        out dx, al
        xor bp, bp              ; plane
.plane: mov cx, bp
        mov al, 1
        shl al, cl
        mov dx, 0x3C5
        out dx, al              ; write this plane only
        xor di, di
        xor bx, bx              ; y
.y12:   xor si, si              ; byte column (x >> 3)
.x12:   mov ax, bx
        shr ax, 3
        add ax, si              ; colour = (x>>3) + (y>>3)
        mov cx, bp
        shr ax, cl
        and al, 1
        neg al                  ; 0 or FFh
        mov [es:di], al
        inc di
        inc si
        cmp si, 80
        jb .x12
        inc bx
        cmp bx, 480
        jb .y12
        inc bp
        cmp bp, 4
        jb .plane
        mov dx, 0x3C5
        mov al, 0x0F
        out dx, al              ; all planes again
        mov si, msg12
        call say
        xor ah, ah
        int 0x16

        mov ax, 0x0003
        int 0x10
        mov si, msg03
        call say
        ret

; say: NUL-terminated DS:SI to port E9h
say:    lodsb
        test al, al
        jz .x
        out 0xE9, al
        jmp say
.x:     ret

msg13:  db "P13", 10, 0
msg12:  db "P12", 10, 0
msg03:  db "P03", 10, 0
