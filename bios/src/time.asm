; ---------------------------------------------------------------------------
; INT 08h (IRQ0 timer tick), INT 1Ah (time of day / RTC), INT 70h (IRQ8)
; ---------------------------------------------------------------------------
TICKS_PER_DAY equ 0x1800B0

int08_handler:
        push ax
        push dx
        push ds
        push word BDA_SEG
        pop ds
        inc dword [0x6C]
        cmp dword [0x6C], TICKS_PER_DAY
        jb .nm
        mov dword [0x6C], 0
        mov byte [0x70], 1
.nm:    ; diskette motor timeout
        cmp byte [0x40], 0
        je .nmot
        cmp byte [0x40], 0xFF
        je .nmot
        dec byte [0x40]
        jnz .nmot
        and byte [0x3F], 0xF0
        mov al, 0x0C
        mov dx, 0x3F2
        out dx, al
.nmot:  int 0x1C
        cli
        mov al, 0x20
        out 0x20, al
        pop ds
        pop dx
        pop ax
        iret

int70_handler:
        push ax
        mov al, 0x0C            ; acknowledge RTC interrupt
        out 0x70, al
        IODELAY
        in al, 0x71
        mov al, 0x20
        out 0xA0, al
        out 0x20, al
        pop ax
        iret

; rtc_wait: wait until no update in progress
rtc_wait:
        push ax
        push cx
        mov cx, 0xFFFF
.l:     mov al, 0x0A
        call cmos_read
        test al, 0x80
        jz .x
        loop .l
.x:     pop cx
        pop ax
        ret

rtc_init:
        ; 24h, BCD, no interrupts enabled; make sure the clock runs
        mov al, 0x0A
        call cmos_read
        and al, 0x7F
        mov ah, al
        and ah, 0x70
        cmp ah, 0x20
        je .a
        mov ax, 0x260A          ; 32.768 kHz base, 1024 Hz rate
        call cmos_write
.a:     mov al, 0x0B
        call cmos_read
        and al, 0x07            ; clear SET, PIE, AIE, UIE; keep DM/24h/DSE
        or al, 0x02             ; 24-hour
        mov ah, al
        mov al, 0x0B
        call cmos_write
        mov al, 0x0C
        call cmos_read
        ret

; rtc_bin: read CMOS register AL, convert from BCD if needed -> AL
rtc_bin:
        push bx
        mov bl, al
        mov al, 0x0B
        call cmos_read
        mov bh, al
        mov al, bl
        call cmos_read
        test bh, 0x04
        jnz .x
        call bcd2bin
.x:     pop bx
        ret

; rtc_to_ticks: set 40:6C from the RTC time
rtc_to_ticks:
        call rtc_wait
        mov al, 0x04
        call rtc_bin
        movzx eax, al
        imul eax, eax, 3600
        mov ebx, eax
        mov al, 0x02
        call rtc_bin
        movzx eax, al
        imul eax, eax, 60
        add ebx, eax
        mov al, 0x00
        call rtc_bin
        movzx eax, al
        add eax, ebx            ; seconds since midnight
        mov ecx, 19663
        mul ecx
        mov ecx, 1080
        div ecx                 ; ticks = s * 18.2065
        cli
        mov [0x6C], eax
        mov byte [0x70], 0
        sti
        ret

; ---- INT 1Ah --------------------------------------------------------------------
int1a_handler:
        sti
        FRAME_ENTER
        push word BDA_SEG
        pop ds
        mov ah, [R_AH]
        cmp ah, 0x00
        je .get
        cmp ah, 0x01
        je .set
        cmp ah, 0x02
        je .rtime
        cmp ah, 0x03
        je .stime
        cmp ah, 0x04
        je .rdate
        cmp ah, 0x05
        je .sdate
        cmp ah, 0x06
        je .unsup
        cmp ah, 0x07
        je .unsup
        jmp .unsup
.get:   cli
        mov ax, [0x6C]
        mov [R_DX], ax
        mov ax, [0x6E]
        mov [R_CX], ax
        mov al, [0x70]
        mov [R_AL], al
        mov byte [0x70], 0
        sti
        jmp .ok
.set:   cli
        mov ax, [R_DX]
        mov [0x6C], ax
        mov ax, [R_CX]
        mov [0x6E], ax
        mov byte [0x70], 0
        sti
        jmp .ok
.rtime: call rtc_wait
        mov al, 0x04
        call cmos_read
        mov [R_CH], al
        mov al, 0x02
        call cmos_read
        mov [R_CL], al
        mov al, 0x00
        call cmos_read
        mov [R_DH], al
        mov al, 0x0B
        call cmos_read
        and al, 1
        mov [R_DL], al
        jmp .ok
.stime: call rtc_wait
        mov ax, 0x820B          ; SET bit while updating
        mov al, 0x0B
        call cmos_read
        or al, 0x80
        mov ah, al
        mov al, 0x0B
        call cmos_write
        mov ah, [R_CH]
        mov al, 0x04
        call cmos_write
        mov ah, [R_CL]
        mov al, 0x02
        call cmos_write
        mov ah, [R_DH]
        mov al, 0x00
        call cmos_write
        mov al, 0x0B
        call cmos_read
        and al, 0x7E
        or al, 0x02
        mov ah, [R_DL]
        and ah, 1
        or ah, al
        mov al, 0x0B
        call cmos_write
        jmp .ok
.rdate: call rtc_wait
        mov al, 0x32
        call cmos_read
        mov [R_CH], al
        mov al, 0x09
        call cmos_read
        mov [R_CL], al
        mov al, 0x08
        call cmos_read
        mov [R_DH], al
        mov al, 0x07
        call cmos_read
        mov [R_DL], al
        jmp .ok
.sdate: call rtc_wait
        mov al, 0x0B
        call cmos_read
        or al, 0x80
        mov ah, al
        mov al, 0x0B
        call cmos_write
        mov ah, [R_CH]
        mov al, 0x32
        call cmos_write
        mov ah, [R_CL]
        mov al, 0x09
        call cmos_write
        mov ah, [R_DH]
        mov al, 0x08
        call cmos_write
        mov ah, [R_DL]
        mov al, 0x07
        call cmos_write
        mov al, 0x0B
        call cmos_read
        and al, 0x7F
        mov ah, al
        mov al, 0x0B
        call cmos_write
        jmp .ok
.unsup: SET_CF
        mov byte [R_AH], 0x86
        FRAME_IRET
.ok:    CLR_CF
        FRAME_IRET
