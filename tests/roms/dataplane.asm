; dataplane.asm: every path of the data plane, through the probe device (cloister run --probe).
;   posted OUTs, then an IN that must see all of them (ordering); a published register; published
;   reads with notification; REP INSW and REP OUTSW as one request each; an IRQ line and an IRQ
;   pulse waking a CPU halted in HLT; an unserved port reading all ones.

%include "common.inc"

PROBE      equ 0x300
IRQ_COUNT  equ 0x0500          ; word in low RAM, bumped by the IRQ 5 handler
BUFFER     equ 0x1000          ; 512 bytes for the block transfers
WRITES     equ 1000

start:
        SETUP_REAL_MODE
        mov     al, 0x5A
        out     0x80, al                ; a POST code, for --post-codes
        mov     si, hello
        call    print

        ; --- posted writes, then an ordered read -------------------------------------------
        mov     dx, PROBE + 2
        out     dx, al                  ; clear the probe
        mov     dx, PROBE
        xor     ax, ax
.post:  out     dx, ax                  ; posted: the CPU does not wait
        inc     ax
        cmp     ax, WRITES
        jne     .post
        in      ax, dx                  ; ordered after every OUT before it
        cmp     ax, WRITES
        CHECK   "1000 posted OUTs, then an IN that sees them all"
        mov     dx, PROBE + 2
        in      eax, dx
        cmp     eax, WRITES * (WRITES - 1) / 2
        CHECK   "the device summed every value, in order"

        ; --- published register --------------------------------------------------------------
        mov     dx, PROBE + 4
        mov     ax, 0xBEEF
        out     dx, ax
        in      ax, dx                  ; answered from what the device published after the OUT
        cmp     ax, 0xBEEF
        CHECK   "a published register reads the value written just before"
        mov     cx, 100
.pub:   in      al, dx
        cmp     al, 0xEF
        jne     .pubbad
        loop    .pub
.pubbad:
        test    cx, cx
        CHECK   "100 published reads"

        ; --- published reads with a side effect (notify) ------------------------------------
        mov     dx, PROBE + 5
        in      al, dx
        cmp     al, 0x5A
        CHECK   "a notified read returns the published value"
        mov     dx, PROBE + 6
        in      ax, dx
        test    ax, ax                  ; the device heard of the read
        jz      .nonotify
        cmp     ax, ax
.nonotify:
        CHECK   "the device heard of the notified read"

        ; --- REP INSW / REP OUTSW as one request ------------------------------------------
        mov     dx, PROBE + 2
        out     dx, al                  ; reset the sequences
        mov     di, BUFFER
        mov     cx, 256
        mov     dx, PROBE + 7
        rep insw
        cmp     di, BUFFER + 512
        CHECK   "REP INSW moved 256 words and advanced DI"
        test    cx, cx
        CHECK   "REP INSW left CX at zero"
        mov     si, BUFFER
        xor     ax, ax
.seq:   cmp     [si], ax
        jne     .seqbad
        add     si, 2
        inc     ax
        cmp     ax, 256
        jne     .seq
.seqbad:
        cmp     ax, 256
        CHECK   "the 256 words arrived in RAM in order"
        mov     si, BUFFER
        mov     cx, 256
        mov     dx, PROBE + 7
        rep outsw
        mov     dx, PROBE + 1
        in      ax, dx
        test    ax, ax
        CHECK   "REP OUTSW delivered the 256 words in order"

        ; --- IRQ lines wake a halted CPU ------------------------------------------------------
        mov     word [IRQ_COUNT], 0
        mov     word [0x0D * 4], irq5
        mov     word [0x0D * 4 + 2], cs
        INIT_PIC 0xDF                   ; only IRQ 5
        mov     dx, PROBE + 1
        mov     al, 1
        out     dx, al                  ; raise the line (level)
        sti
        hlt                             ; the IRQ must wake us
        cli
        cmp     word [IRQ_COUNT], 1
        CHECK   "a raised IRQ line woke the CPU from HLT"
        mov     dx, PROBE + 3
        mov     ax, 1
        out     dx, ax                  ; one pulse: an edge that is already gone
        sti
        hlt
        cli
        cmp     word [IRQ_COUNT], 2
        CHECK   "an IRQ pulse woke the CPU from HLT"

        ; --- a port nobody serves -------------------------------------------------------------
        mov     dx, 0x2F0
        in      al, dx
        cmp     al, 0xFF
        CHECK   "an unserved port reads all ones"
        in      ax, dx
        cmp     ax, 0xFFFF
        CHECK   "an unserved word port reads all ones"

        jmp     pass

irq5:
        push    ax
        push    dx
        inc     word [IRQ_COUNT]        ; DS is 0 throughout
        mov     dx, PROBE + 1
        xor     al, al
        out     dx, al                  ; lower the line (no-op after a pulse)
        mov     al, 0x20
        out     0x20, al                ; end of interrupt
        pop     dx
        pop     ax
        iret

hello:  db "dataplane test ROM", 10, 0

        RESET_VECTOR
