; PITTEST.COM -- timer checks: BIOS tick rate against the RTC, PIT channel 0
; counting, INT 15h AH=86h delay, PIT channel 2 output via port 61h.
%include "common.inc"
start:
        mov si, s_title
        call puts
        ; 1. ticks during 3 RTC seconds (wait for a seconds edge first)
        call rtc_sec
        mov bl, al
.e1:    call rtc_sec
        cmp al, bl
        je .e1
        mov bl, al
        call ticks
        mov [t_start], ax
        mov cx, 3
.s:     call rtc_sec
        cmp al, bl
        je .s
        mov bl, al
        loop .s
        call ticks
        sub ax, [t_start]
        mov [t_3s], ax
        mov si, s_ticks
        call puts
        movzx eax, ax
        call putdec
        mov si, s_ticks2
        call puts
        ; 2. PIT channel 0 counts down
        call pit0
        mov bx, ax
        mov cx, 100
.d:     out 0xED, al
        loop .d
        call pit0
        mov [c1], bx
        mov [c2], ax
        mov si, s_pit
        call puts
        mov ax, bx
        call puthex16
        mov al, ' '
        call putc
        mov ax, [c2]
        call puthex16
        call crlf
        ; 3. INT 15h AH=86h, 1 second = 18.2 ticks
        call ticks
        mov [t_start], ax
        mov cx, 0x000F
        mov dx, 0x4240          ; 1,000,000 us
        mov ah, 0x86
        int 0x15
        pushf
        call ticks
        sub ax, [t_start]
        mov [t_wait], ax
        popf
        mov si, s_wait
        call puts
        movzx eax, word [t_wait]
        call putdec
        mov si, s_wait2
        call puts
        ; 4. channel 2 square wave visible on port 61h bit 5
        mov al, 0xB6
        out 0x43, al
        mov ax, 1193            ; 1 kHz
        out 0x42, al
        mov al, ah
        out 0x42, al
        in al, 0x61
        and al, 0xFC
        or al, 0x01             ; gate on, speaker off
        out 0x61, al
        xor dx, dx              ; transitions
        in al, 0x61
        and al, 0x20
        mov bl, al
        call ticks
        mov [t_start], ax
.o2:    in al, 0x61
        and al, 0x20
        cmp al, bl
        je .o2s
        mov bl, al
        inc dx
.o2s:   call ticks
        sub ax, [t_start]
        cmp ax, 9               ; ~0.5 s
        jb .o2
        in al, 0x61
        and al, 0xFC
        out 0x61, al
        mov [trans], dx
        mov si, s_out2
        call puts
        movzx eax, dx
        call putdec
        mov si, s_out2b
        call puts
        ; verdict: 3 s = 54.6 ticks (48..60: under an emulator the PIT and the
        ; RTC may run off different host clocks), wait 16..22, counter moved,
        ; OUT2 ~1000 transitions in 0.5 s (allow 300..2000)
        mov ax, [t_3s]
        cmp ax, 48
        jb .f
        cmp ax, 60
        ja .f
        mov ax, [t_wait]
        cmp ax, 16
        jb .f
        cmp ax, 22
        ja .f
        mov ax, [c1]
        cmp ax, [c2]
        je .f
        cmp word [trans], 300
        jb .f
        cmp word [trans], 2000
        ja .f
        clc
        jmp .r
.f:     stc
.r:     mov si, s_name
        call result
        jmp exit

ticks:
        push es
        xor ax, ax
        mov es, ax
        mov ax, [es:0x46C]
        pop es
        ret

pit0:
        cli
        xor al, al
        out 0x43, al
        in al, 0x40
        mov ah, al
        in al, 0x40
        xchg al, ah
        sti
        ret

rtc_sec:                        ; AL = RTC seconds (via INT 1Ah AH=02h)
        push cx
        push dx
        mov ah, 0x02
        int 0x1A
        mov al, dh
        pop dx
        pop cx
        ret

s_title: db "PIT / timer test", 13, 10, 0
s_ticks: db "BIOS ticks in 3 RTC seconds: ", 0
s_ticks2: db " (expect ~55)", 13, 10, 0
s_wait2: db " (expect ~18)", 13, 10, 0
s_pit:  db "PIT channel 0 counter samples: ", 0
s_wait: db "INT 15h AH=86h 1 s delay took ticks: ", 0
s_out2: db "PIT channel 2 OUT transitions in 0.5 s at 1 kHz: ", 0
s_out2b: db " (expect 300..1000, limited by sampling)", 13, 10, 0
s_name: db "PITTEST", 0
t_start: dw 0
t_3s:   dw 0
t_wait: dw 0
c1:     dw 0
c2:     dw 0
trans:  dw 0
