; spin.asm: says "ready", then asks the probe (--probe) for a value forever: the CPU is always in
; or near a round trip, so a device killed at any moment dies in the middle of a request.
; "ready" comes after the probe's first answer: the CPU process starts before the devices, and
; the probe, the last device, being up means that every process of the machine exists.

%include "common.inc"

start:
        SETUP_REAL_MODE
        mov     dx, 0x300
        in      ax, dx
        mov     si, ready
        call    print
.loop:  in      ax, dx
        jmp     .loop

ready:  db "ready", 10, 0

        RESET_VECTOR
