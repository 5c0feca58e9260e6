; faults.asm: run with --probe --inject-fault probe=garbage-lines. At its first round trip the
; probe raises every IRQ line (declared or not), every edge, an invalid A20 value and reset
; requests. The machine must take only what the probe's manifest and entitlements allow: IRQ 5
; and nothing else; A20 and reset stay as they were.

%include "common.inc"

PROBE     equ 0x300
MARKER    equ 0x0600           ; survives a reset (RAM is not cleared), so a reset shows
COUNTS    equ 0x0700           ; 16 words: interrupts taken per IRQ line
A20_BEFORE equ 0x0680          ; A20 state before the probe misbehaved

start:
        SETUP_REAL_MODE
        cmp     word [MARKER], 0xC10C
        jne     .fresh
        mov     si, reset_msg
        call    print
        jmp     fail
.fresh: mov     word [MARKER], 0xC10C
        mov     si, hello
        call    print

        ; a handler per IRQ line: count, then end of interrupt
        mov     di, COUNTS
        mov     cx, 16
        xor     ax, ax
        rep stosw
        xor     bx, bx
.vec:   mov     si, bx
        shl     si, 1                   ; BX = 2 × line; a vector is 4 bytes
        mov     ax, [cs:handlers + bx]
        cmp     bx, 16
        jae     .slave
        mov     [0x08 * 4 + si], ax
        mov     [0x08 * 4 + si + 2], cs
        jmp     .nextv
.slave: mov     [0x70 * 4 + si - 32], ax
        mov     [0x70 * 4 + si - 32 + 2], cs
.nextv: add     bx, 2
        cmp     bx, 32
        jne     .vec
        INIT_PIC 0x03                   ; IRQ 0 and 1 belong to devices this ROM leaves alone
        xor     al, al
        out     0xA1, al                ; every slave line open

        in      al, 0x60                ; a round trip to the keyboard: its A20 wish is in place
        call    a20_state
        mov     [A20_BEFORE], al
        mov     dx, PROBE
        in      ax, dx                  ; the probe misbehaves here
        sti
        mov     cx, 200
.spin:  in      ax, dx                  ; round trips: the CPU looks at IRQ lines after each
        loop    .spin
        mov     ecx, 2000000
.wait:  dec     ecx                     ; and time for a few scheduling slices
        jnz     .wait
        cli

        ; only IRQ 5 may have been taken
        xor     bx, bx
.chk:   cmp     bx, 10
        je      .skip
        cmp     word [COUNTS + bx], 0
        jne     .bad
.skip:  add     bx, 2
        cmp     bx, 32
        jne     .chk
        cmp     ax, ax
        jmp     .judged
.bad:   mov     ax, bx
        shr     ax, 1
        call    print_hex16
        or      ax, 1                   ; clear ZF
.judged:
        CHECK   "no undeclared IRQ line reached the PIC"
        cmp     word [COUNTS + 10], 0
        jne     .got5
        or      ax, 1
        jmp     .c5
.got5:  cmp     ax, ax
.c5:    CHECK   "the declared line, IRQ 5, did"

        ; A20 as it was: the probe may not drive it
        call    a20_state
        cmp     al, [A20_BEFORE]
        CHECK   "the A20 gate was not touched"
        jmp     pass


%assign i 0
%rep 16
irq_ %+ i:
        push    ax
        inc     word [COUNTS + 2 * i]
        mov     al, 0x20
%if i >= 8
        out     0xA0, al
%endif
        out     0x20, al
        pop     ax
        iret
%assign i i + 1
%endrep

handlers:
%assign i 0
%rep 16
        dw      irq_ %+ i
%assign i i + 1
%endrep

; AL = 1 if A20 is enabled (0000:0500 and FFFF:0510 are different bytes), else 0
a20_state:
        push    es
        mov     ax, 0xFFFF
        mov     es, ax
        mov     byte [0x0500], 0x11
        mov     byte [es:0x0510], 0x22
        cmp     byte [0x0500], 0x11
        sete    al
        pop     es
        ret

hello:     db "faults test ROM", 10, 0
reset_msg: db "the CPU was reset by a device that may not", 10, 0

        RESET_VECTOR
