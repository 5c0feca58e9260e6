; ---------------------------------------------------------------------------
; Small helpers
; ---------------------------------------------------------------------------

; dbg_str: write NUL-terminated string at CS:SI to debug port 0xE9
dbg_str:
        push ax
        push si
.l:     mov al, [cs:si]
        inc si
        test al, al
        jz .d
        out 0xE9, al
        jmp .l
.d:     pop si
        pop ax
        ret

; print_str: write NUL-terminated string at CS:SI via INT 10h teletype
; (and to the debug port)
print_str:
        push ax
        push bx
        push si
.l:     mov al, [cs:si]
        inc si
        test al, al
        jz .d
        out 0xE9, al
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        jmp .l
.d:     pop si
        pop bx
        pop ax
        ret

; print_char: AL via teletype + debug port
print_char:
        push ax
        push bx
        out 0xE9, al
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        pop bx
        pop ax
        ret

; print_dec: print AX unsigned decimal
print_dec:
        push ax
        push bx
        push cx
        push dx
        mov bx, 10
        xor cx, cx
.d:     xor dx, dx
        div bx
        push dx
        inc cx
        test ax, ax
        jnz .d
.p:     pop ax
        add al, '0'
        call print_char
        loop .p
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; print_dec32: print EAX unsigned decimal
print_dec32:
        push eax
        push ebx
        push cx
        push edx
        mov ebx, 10
        xor cx, cx
.d:     xor edx, edx
        div ebx
        push dx
        inc cx
        test eax, eax
        jnz .d
.p:     pop ax
        add al, '0'
        call print_char
        loop .p
        pop edx
        pop cx
        pop ebx
        pop eax
        ret

; cmos_read: AL = register -> AL = value  (NMI stays enabled)
cmos_read:
        out 0x70, al
        IODELAY
        in al, 0x71
        ret

; cmos_write: AL = register, AH = value
cmos_write:
        out 0x70, al
        IODELAY
        mov al, ah
        out 0x71, al
        ret

; bcd2bin: AL bcd -> AL binary
bcd2bin:
        push cx
        mov cl, al
        shr al, 4
        mov ch, 10
        mul ch
        and cl, 0x0F
        add al, cl
        pop cx
        ret

; read_ticks: EAX = BIOS tick counter (40:6C)
read_ticks:
        push ds
        push word BDA_SEG
        pop ds
        cli
        mov eax, [0x6C]
        sti
        pop ds
        ret

; wait_ticks_elapsed: returns CF=1 if (ticks - EBX) >= ECX  (EBX start)
ticks_elapsed:
        push eax
        call read_ticks
        sub eax, ebx
        jns .pos
        add eax, 0x1800B0       ; midnight wrap
.pos:   cmp eax, ecx
        cmc
        pop eax
        ret

; dummy interrupt handlers
int_dummy:
        iret

irq_master_eoi:
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret

irq_slave_eoi:
        push ax
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        pop ax
        iret
