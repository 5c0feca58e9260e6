; DISKTEST.COM -- INT 13h: reads the first hard disk's MBR and partition boot
; sector with CHS (AH=02h) and with the EDD extensions (AH=41h/42h/48h) and
; compares them; writes and reads back a scratch sector near the end of the
; disk (restoring it); reads the floppy boot sector; prints CRCs.
%include "common.inc"
start:
        mov si, s_title
        call puts
        ; geometry
        mov ah, 0x08
        mov dl, 0x80
        int 0x13
        jc .fail
        mov [cyls], cx
        mov [heads], dh
        mov si, s_geo
        call puts
        mov ax, cx
        xchg al, ah
        shr ah, 6
        inc ax
        movzx eax, ax
        call putdec
        mov al, '/'
        call putc
        movzx eax, byte [heads]
        inc eax
        call putdec
        mov al, '/'
        call putc
        mov al, [cyls]
        and eax, 0x3F
        call putdec
        call crlf
        ; CHS read of sectors 0..1 (MBR + next)
        mov ax, 0x0202
        mov cx, 0x0001
        mov dx, 0x0080
        push ds
        pop es
        mov bx, buf1
        int 0x13
        jc .fail
        ; EDD
        mov ah, 0x41
        mov bx, 0x55AA
        mov dl, 0x80
        int 0x13
        jc .fail
        cmp bx, 0xAA55
        jne .fail
        mov [eddver], ah
        mov word [dap_cnt], 2
        mov word [dap_off], buf2
        mov [dap_seg], ds
        mov dword [dap_lba], 0
        mov dword [dap_lba+4], 0
        mov ah, 0x42
        mov dl, 0x80
        mov si, dap
        int 0x13
        jc .fail
        mov si, buf1
        mov di, buf2
        mov cx, 1024
        repe cmpsb
        jne .fail
        mov si, buf1
        mov cx, 1024
        xor bx, bx
        call crc_buf
        mov [crc_mbr], bx
        mov si, s_mbr
        call puts
        mov ax, bx
        call puthex16
        mov si, s_edd
        call puts
        mov al, [eddver]
        call puthex8
        call crlf
        ; AH=48h: total sectors
        mov word [params], 0x1A
        mov ah, 0x48
        mov dl, 0x80
        mov si, params
        int 0x13
        jc .fail
        mov si, s_total
        call puts
        mov eax, [params+16]
        call putdec
        call crlf
        ; write test on the last sector via LBA
        mov eax, [params+16]
        dec eax
        mov [dap_lba], eax
        mov word [dap_cnt], 1
        mov word [dap_off], buf1
        mov ah, 0x42
        mov dl, 0x80
        mov si, dap
        int 0x13                ; save
        jc .fail
        mov di, buf2
        mov cx, 512
        xor al, al
.pat:   stosb
        add al, 37
        loop .pat
        mov word [dap_off], buf2
        mov ax, 0x4300
        mov dl, 0x80
        mov si, dap
        int 0x13                ; write pattern
        jc .fail
        mov word [dap_off], buf3
        mov ah, 0x42
        mov dl, 0x80
        mov si, dap
        int 0x13                ; read it back
        jc .fail
        mov si, buf2
        mov di, buf3
        mov cx, 512
        repe cmpsb
        jne .fail
        mov word [dap_off], buf1
        mov ax, 0x4300
        mov dl, 0x80
        mov si, dap
        int 0x13                ; restore
        jc .fail
        mov si, s_wr
        call puts
        ; floppy boot sector
        mov ax, 0x0201
        mov cx, 0x0001
        xor dx, dx
        mov bx, buf3
        int 0x13
        jc .fail
        mov si, buf3
        mov cx, 512
        xor bx, bx
        call crc_buf
        mov si, s_fd
        call puts
        mov ax, bx
        call puthex16
        call crlf
        clc
        jmp .r
.fail:  mov si, s_err
        call puts
        stc
.r:     mov si, s_name
        call result
        jmp exit

s_title: db "Disk test (INT 13h)", 13, 10, 0
s_geo:  db "drive 80h CHS (AH=08h): ", 0
s_mbr:  db "MBR+1 CHS == LBA read, CRC ", 0
s_edd:  db "  EDD version ", 0
s_total: db "AH=48h total sectors: ", 0
s_wr:   db "LBA write/read-back of the last sector: OK", 13, 10, 0
s_fd:   db "floppy A: boot sector CRC ", 0
s_err:  db "INT 13h error", 13, 10, 0
s_name: db "DISKTEST", 0
eddver: db 0
heads:  db 0
cyls:   dw 0
crc_mbr: dw 0
dap:    db 0x10, 0
dap_cnt: dw 0
dap_off: dw 0
dap_seg: dw 0
dap_lba: dq 0
params: times 32 db 0
align 16
buf1:   times 1024 db 0
buf2:   times 1024 db 0
buf3:   times 512 db 0
