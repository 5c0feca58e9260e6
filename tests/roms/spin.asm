; spin.asm: says "ready", then asks the probe (--probe) for a value forever: the CPU is always in
; or near a round trip, so a device killed at any moment dies in the middle of a request.

%include "common.inc"

start:
        SETUP_REAL_MODE
        mov     si, ready
        call    print
        mov     dx, 0x300
.loop:  in      ax, dx
        jmp     .loop

ready:  db "ready", 10, 0

        RESET_VECTOR
