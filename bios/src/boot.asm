; ---------------------------------------------------------------------------
; INT 19h bootstrap loader, INT 18h "no boot device"
; ---------------------------------------------------------------------------
int19_handler:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, STACK_TOP
        mov ds, ax
        mov es, ax
        sti
        ; boot order: CMOS 3Dh, low nibble first, high nibble second;
        ; CMOS 38h bits 7-4 third device (1 = floppy, 2 = hard disk)
        mov al, 0x3D
        call cmos_read
        mov bl, al
        mov al, 0x38
        call cmos_read
        shr al, 4
        mov bh, al
        test bl, bl
        jnz .o
        mov bx, 0x0021          ; default: A then C
.o:     mov cx, 3
.next:  mov al, bl
        and al, 0x0F
        cmp al, 1
        jne .n1
        mov dl, 0x00
        call try_boot
.n1:    cmp al, 2
        jne .n2
        mov dl, 0x80
        call try_boot
.n2:    shr bx, 4
        loop .next
        int 0x18
        jmp $

; try_boot: DL = drive; returns if not bootable
try_boot:
        pusha
        mov si, msg_boot_fd
        test dl, 0x80
        jz .m
        mov si, msg_boot_hd
.m:     call print_str
        ; skip devices that are not installed
        push ds
        push word BDA_SEG
        pop ds
        test dl, 0x80
        jnz .hdp
        test byte [0x10], 1
        jmp .pres
.hdp:   cmp byte [0x75], 0
.pres:  pop ds
        jnz .there
        mov si, msg_boot_none
        call print_str
        popa
        ret
.there: mov di, 3
.retry: xor ax, ax
        int 0x13
        mov ax, 0x0201
        mov bx, 0x7C00
        mov cx, 0x0001
        xor dh, dh
        push dx
        push es
        xor si, si
        mov es, si
        int 0x13
        pop es
        pop dx
        jnc .read
        dec di
        jnz .retry
        mov si, msg_boot_rderr
        call print_str
        popa
        ret
.read:  cmp word [es:0x7DFE], 0xAA55
        je .go
        test dl, 0x80
        jnz .nb
        cmp word [es:0x7C00], 0
        jne .go
.nb:    mov si, msg_boot_nosig
        call print_str
        popa
        ret
.go:    mov si, msg_boot_ok
        call print_str
        popa
        xor ax, ax
        mov ds, ax
        mov es, ax
        xor bx, bx
        xor cx, cx
        xor si, si
        xor di, di
        xor dh, dh
        jmp 0x0000:0x7C00

msg_boot_fd:    db "Booting from floppy A: ... ", 0
msg_boot_hd:    db "Booting from hard disk C: ... ", 0
msg_boot_rderr: db "read error", 13, 10, 0
msg_boot_nosig: db "not bootable", 13, 10, 0
msg_boot_ok:    db "ok", 13, 10, 0
msg_boot_none:  db "not present", 13, 10, 0

int18_handler:
        sti
        xor ax, ax
        mov ds, ax
        mov si, msg_noboot
        call print_str
        xor ax, ax
        int 0x16
        int 0x19

msg_noboot: db 13, 10, "No bootable device. Insert a boot disk and press a key.", 13, 10, 0
