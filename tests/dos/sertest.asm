; SERTEST.COM -- COM1 through INT 14h and the UART's loopback mode: initialise
; 9600 8N1 with INT 14h AH=00h, switch MCR loopback on, send 64 bytes with
; INT 14h AH=01h and receive them with AH=02h, compare, print a CRC; then
; loopback off and a line is sent out of COM1 for the host to see.
%include "common.inc"
start:
        mov si, s_title
        call puts
        push es
        push word 0x40
        pop es
        mov ax, [es:0]
        pop es
        mov [port], ax
        mov si, s_port
        call puts
        mov ax, [port]
        call puthex16
        call crlf
        cmp word [port], 0
        je .fail
        mov ax, 0x00E3          ; 9600, no parity, 1 stop, 8 bits
        xor dx, dx
        int 0x14
        mov [st_init], ax
        ; loopback on
        mov dx, [port]
        add dx, 4
        mov al, 0x13
        out dx, al
        ; drain
        sub dx, 4
        in al, dx
        in al, dx
        xor bx, bx              ; crc of received
        xor di, di              ; errors
        xor cx, cx
.l:     mov al, cl
        mul al
        add al, cl              ; byte = i*i + i
        push ax
        push cx
        mov ah, 0x01
        xor dx, dx
        int 0x14
        test ah, 0x80
        jnz .terr
        mov ah, 0x02
        xor dx, dx
        int 0x14
        test ah, 0x80
        jnz .terr
        pop cx
        pop dx                  ; DL = sent
        cmp al, dl
        je .ok
        inc di
.ok:    call crc_byte
        inc cx
        cmp cx, 64
        jb .l
        jmp .done
.terr:  pop cx
        pop dx
        inc di
        inc cx
        cmp cx, 64
        jb .l
.done:  mov dx, [port]
        add dx, 4
        mov al, 0x03
        out dx, al              ; loopback off
        mov si, s_res
        call puts
        mov ax, di
        call puthex16
        mov si, s_crc
        call puts
        mov ax, bx
        call puthex16
        call crlf
        mov [errs], di
        ; a line to the outside world
        mov si, s_hello
.h:     lodsb
        test al, al
        jz .hd
        mov ah, 0x01
        xor dx, dx
        int 0x14
        jmp .h
.hd:    cmp word [errs], 0
        jne .fail
        clc
        jmp .r
.fail:  stc
.r:     mov si, s_name
        call result
        jmp exit

s_title: db "Serial port test (COM1, loopback)", 13, 10, 0
s_port: db "COM1 base from BDA: ", 0
s_res:  db "64 bytes looped back, errors ", 0
s_crc:  db "  CRC ", 0
s_hello: db "Hello from Cloister SERTEST on COM1", 13, 10, 0
s_name: db "SERTEST", 0
port:   dw 0
st_init: dw 0
errs:   dw 0
