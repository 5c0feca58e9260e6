; ---------------------------------------------------------------------------
; INT 13h -- diskette part (82077-class FDC, DMA channel 2) and dispatcher
; ---------------------------------------------------------------------------
int13_handler:
        sti
        cld
        FRAME_ENTER
        push word BDA_SEG
        pop ds
        test byte [R_DL], 0x80
        jnz .hd
        call floppy_service
        FRAME_IRET
.hd:    call hd_service
        FRAME_IRET

; fd_done: AL = status -> AH, 40:41, CF
fd_done:
        mov [0x41], al
        mov [R_AH], al
        test al, al
        jz .ok
        SET_CF
        ret
.ok:    CLR_CF
        ret

; fd_drive_type: AL = drive -> AL = CMOS type (0 = none)
fd_drive_type:
        push cx
        mov cl, al
        mov al, 0x10
        call cmos_read
        test cl, cl
        jnz .b
        shr al, 4
.b:     and al, 0x0F
        cmp cl, 1
        jbe .x
        xor al, al
.x:     pop cx
        ret

floppy_service:
        mov ah, [R_AH]
        cmp ah, 0x00
        je fd_reset_fn
        cmp ah, 0x01
        je fd_status_fn
        cmp ah, 0x08
        je fd_params_fn
        cmp ah, 0x15
        je fd_type_fn
        mov al, [R_DL]
        call fd_drive_type
        test al, al
        jz .nodrv
        mov ah, [R_AH]
        cmp ah, 0x02
        je fd_rw_fn
        cmp ah, 0x03
        je fd_rw_fn
        cmp ah, 0x04
        je fd_rw_fn
        cmp ah, 0x05
        je fd_format_fn
        cmp ah, 0x16
        je fd_change_fn
        cmp ah, 0x17
        je fd_ok
        cmp ah, 0x18
        je fd_setmedia_fn
        mov al, 0x01
        jmp fd_done
.nodrv: mov byte [R_AL], 0
        mov al, 0x80
        jmp fd_done
fd_ok:  xor al, al
        jmp fd_done

fd_status_fn:
        mov al, [0x41]
        mov [R_AH], al
        test al, al
        jz .c
        SET_CF
        ret
.c:     CLR_CF
        ret

fd_reset_fn:
        call fdc_reset
        jmp fd_done

fd_change_fn:
        xor al, al              ; "not changed"
        jmp fd_done

fd_setmedia_fn:
        mov word [R_ES], cs
        mov word [R_DI], diskette_param_table
        jmp fd_ok

fd_type_fn:
        mov al, [R_DL]
        call fd_drive_type
        test al, al
        jz .none
        mov byte [R_AH], 0x01   ; diskette, no change-line support
        CLR_CF
        ret
.none:  mov byte [R_AH], 0
        CLR_CF
        ret

fd_params_fn:
        mov al, 0x10
        call cmos_read
        xor cl, cl
        test al, 0xF0
        jz .c1
        inc cl
.c1:    test al, 0x0F
        jz .c2
        inc cl
.c2:    mov al, [R_DL]
        call fd_drive_type
        mov [R_DL], cl
        mov word [R_AX], 0
        CLR_CF
        test al, al
        jz .none
        movzx si, al
        imul si, si, 3
        mov bl, al
        xor bh, bh
        mov [R_BX], bx
        mov al, [cs:fd_geom + si]
        mov [R_CH], al
        mov al, [cs:fd_geom + si + 1]
        mov [R_CL], al
        mov al, [cs:fd_geom + si + 2]
        mov [R_DH], al
        mov word [R_ES], cs
        mov word [R_DI], diskette_param_table
        ret
.none:  mov word [R_BX], 0
        mov word [R_CX], 0
        mov byte [R_DH], 0
        mov word [R_ES], 0
        mov word [R_DI], 0
        ret

; ---- FDC primitives ---------------------------------------------------------
; fdc_out: AL -> data register.  CF=1 on timeout
fdc_out:
        push ax
        push cx
        push dx
        mov ah, al
        mov dx, 0x3F4
        mov cx, 0
.l:     in al, dx
        and al, 0xC0
        cmp al, 0x80
        je .go
        loop .l
        stc
        jmp .x
.go:    inc dx
        mov al, ah
        out dx, al
        clc
.x:     pop dx
        pop cx
        pop ax
        ret

; fdc_in: AL <- data register. CF=1 on timeout
fdc_in:
        push cx
        push dx
        mov dx, 0x3F4
        mov cx, 0
.l:     in al, dx
        and al, 0xC0
        cmp al, 0xC0
        je .go
        loop .l
        stc
        jmp .x
.go:    inc dx
        in al, dx
        clc
.x:     pop dx
        pop cx
        ret

; fdc_wait_irq: wait for IRQ6 (40:3E bit 7), ~2 s timeout. CF=1 on timeout
fdc_wait_irq:
        push eax
        push ebx
        push ecx
        mov ecx, 40
        jmp fdc_wait_irq_n
; same with a ~0.5 s timeout
fdc_wait_irq_short:
        push eax
        push ebx
        push ecx
        mov ecx, 9
fdc_wait_irq_n:
        call read_ticks
        mov ebx, eax
.l:     cli
        test byte [0x3E], 0x80
        jnz .ok
        sti
        hlt
        call ticks_elapsed
        jnc .l
        stc
        jmp .x
.ok:    and byte [0x3E], 0x7F
        sti
        clc
.x:     pop ecx
        pop ebx
        pop eax
        ret

int0e_handler:
        push ax
        push ds
        push word BDA_SEG
        pop ds
        or byte [0x3E], 0x80
        mov al, 0x20
        out 0x20, al
        pop ds
        pop ax
        iret

; fdc_sense: sense interrupt status -> AL = ST0, AH = PCN
fdc_sense:
        mov al, 0x08
        call fdc_out
        call fdc_in
        mov ah, al
        call fdc_in
        xchg al, ah
        ret

; fdc_reset: reset controller, specify; AL = status
fdc_reset:
        push cx
        push dx
        cli
        and byte [0x3E], 0x70   ; need recalibrate, clear IRQ flag
        and byte [0x3F], 0xF0   ; motors off
        mov al, 0x08            ; reset asserted, DMA/IRQ enabled
        mov dx, 0x3F2
        out dx, al
        mov cx, 0x40
.d:     IODELAY
        loop .d
        mov al, 0x0C
        out dx, al
        sti
        call fdc_wait_irq
        jc .to
        mov cx, 4
.s:     call fdc_sense
        loop .s
        call fdc_specify
        ; media must be re-established, and the data rate set again
        and byte [0x90], 0xEF
        and byte [0x91], 0xEF
        mov byte [0x8B], 0xFF
        xor al, al
        pop dx
        pop cx
        ret
.to:    mov al, 0x80
        pop dx
        pop cx
        ret

fdc_specify:
        push es
        push si
        mov al, 0x03
        call fdc_out
        xor si, si
        mov es, si
        les si, [es:0x1E*4]
        mov al, [es:si]
        call fdc_out
        mov al, [es:si+1]
        and al, 0xFE            ; DMA mode
        call fdc_out
        pop si
        pop es
        ret

; fd_motor_on: AL = drive
fd_motor_on:
        push ax
        push cx
        push dx
        mov byte [0x40], 0xFF   ; no timeout while busy
        mov cl, al
        mov ah, 1
        shl ah, cl
        test [0x3F], ah
        pushf
        mov al, cl
        shl al, 4
        or al, ah
        cmp [0x3F], al          ; selected and spinning: the DOR already says so,
        je .same                ; and every OUT to it costs the controller a look
        mov [0x3F], al          ; motor bit + selected drive
        mov al, ah
        shl al, 4
        or al, 0x0C
        or al, cl
        mov dx, 0x3F2
        out dx, al
.same:  popf
        jnz .on
        ; spin-up: wait a few ticks
        push eax
        push ebx
        push ecx
        call read_ticks
        mov ebx, eax
        mov ecx, 3
.w:     sti
        hlt
        call ticks_elapsed
        jnc .w
        pop ecx
        pop ebx
        pop eax
.on:    pop dx
        pop cx
        pop ax
        ret

fd_motor_timeout:
        push es
        push si
        xor si, si
        mov es, si
        les si, [es:0x1E*4]
        mov al, [es:si+2]
        mov [0x40], al
        pop si
        pop es
        ret

; fd_recal: AL = drive; CF=1 on error
fd_recal:
        push ax
        push bx
        mov bl, al
        mov al, 0x07
        call fdc_out
        mov al, bl
        call fdc_out
        call fdc_wait_irq
        jc .x
        call fdc_sense
        test al, 0xC0
        jz .ok
        ; second try (80+ tracks)
        mov al, 0x07
        call fdc_out
        mov al, bl
        call fdc_out
        call fdc_wait_irq
        jc .x
        call fdc_sense
        test al, 0xC0
        stc
        jnz .x
.ok:    movzx bx, bl
        mov byte [0x94 + bx], 0
        mov cl, bl
        mov al, 1
        shl al, cl
        or [0x3E], al
        clc
.x:     pop bx
        pop ax
        ret

; fd_seek: AL = drive, AH = head, CH = cylinder; CF=1 on error
fd_seek:
        push ax
        push bx
        movzx bx, al
        mov cl, bl
        mov bh, 1
        shl bh, cl
        test [0x3E], bh
        jnz .r
        call fd_recal
        jc .x
.r:     cmp [0x94 + bx], ch
        je .ok
        mov al, 0x0F
        call fdc_out
        mov al, ah
        shl al, 2
        or al, bl
        call fdc_out
        mov al, ch
        call fdc_out
        call fdc_wait_irq
        jc .x
        call fdc_sense
        test al, 0xC0
        stc
        jnz .x
        mov [0x94 + bx], ch
.ok:    clc
.x:     pop bx
        pop ax
        ret

; fd_read_id: AL = drive; CF=1 on error; 40:8Fh bit 0 set when the
; controller answered (interrupt and result phase) at least once
fd_read_id:
        push ax
        push cx
        mov ah, al
        mov al, 0x4A
        call fdc_out
        mov al, ah
        call fdc_out
        call fdc_wait_irq_short
        jc .x
        or byte [0x8F], 0x01
        call fd_results
        jc .x
        test byte [0x42], 0xC0
        jz .x
        stc
.x:     pop cx
        pop ax
        ret

; fd_results: read 7 result bytes to 40:42..48
fd_results:
        push cx
        push di
        mov di, 0x42
        mov cx, 7
.l:     call fdc_in
        jc .x
        mov [di], al
        inc di
        loop .l
        clc
.x:     pop di
        pop cx
        ret

; fd_establish: AL = drive; make sure the data rate for the medium is known
; CF=1 if no readable medium
fd_establish:
        push ax
        push bx
        push cx
        push dx
        movzx bx, al
        test byte [0x90 + bx], 0x10
        jnz .known
        mov dl, al
        call fd_recal
        jc .fail
        and byte [0x8F], 0xFE
        mov si, fd_rates
.try:   mov al, [cs:si]
        cmp al, 0xFF
        je .fail
        mov dx, 0x3F7
        out dx, al
        mov [0x8B], al
        mov al, bl
        call fd_read_id
        jnc .found
        inc si
        jmp .try
.found: mov al, [cs:si]
        shl al, 6
        or al, 0x17
        mov [0x90 + bx], al
        clc
        jmp .x
.known: mov al, [0x90 + bx]
        shr al, 6
        cmp [0x8B], al          ; the rate the controller already has
        je .same
        mov dx, 0x3F7
        out dx, al
        mov [0x8B], al
.same:
        clc
        jmp .x
.fail:  test byte [0x8F], 0x01
        jnz .nomed
        ; the controller never answered READ ID: assume the drive's native
        ; data rate and let the transfers decide
        mov al, bl
        call fd_drive_type
        movzx si, al
        mov al, [cs:fd_native_rate + si]
        mov dx, 0x3F7
        out dx, al
        mov [0x8B], al
        shl al, 6
        or al, 0x17
        mov [0x90 + bx], al
        clc
        jmp .x
.nomed: stc
.x:     pop dx
        pop cx
        pop bx
        pop ax
        ret
fd_native_rate: db 0, 2, 0, 2, 0, 3, 3, 0
fd_rates: db 0, 2, 1, 3, 0xFF          ; 500, 250, 300, 1000 kbit/s

; fd_dma: EAX = linear address, CX = byte count - 1, BL = DMA mode
; CF=1 if the transfer would cross a 64 KiB boundary
fd_dma:
        push eax
        push edx
        mov edx, eax
        movzx eax, cx
        add eax, edx
        shr eax, 16
        push edx
        shr edx, 16
        cmp ax, dx
        pop edx
        jne .cross
        cli
        mov al, 0x06
        out 0x0A, al
        out 0x0C, al
        mov al, bl
        out 0x0B, al
        mov al, dl
        out 0x04, al
        mov al, dh
        out 0x04, al
        shr edx, 16
        mov al, dl
        out 0x81, al
        out 0x0C, al
        mov al, cl
        out 0x05, al
        mov al, ch
        out 0x05, al
        mov al, 0x02
        out 0x0A, al
        sti
        clc
        jmp .x
.cross: stc
.x:     pop edx
        pop eax
        ret

; fd_map_error: from 40:42.. result bytes -> AL status
fd_map_error:
        mov ah, [0x43]          ; ST1
        mov al, 0x04
        test ah, 0x80
        jnz .x
        mov al, 0x10
        test ah, 0x20
        jnz .x
        mov al, 0x08
        test ah, 0x10
        jnz .x
        mov al, 0x04
        test ah, 0x04
        jnz .x
        mov al, 0x03
        test ah, 0x02
        jnz .x
        mov al, 0x02
        test ah, 0x01
        jnz .x
        mov al, 0x20
.x:     ret

; ---- AH=02h/03h/04h read / write / verify ---------------------------------
fd_rw_fn:
        mov al, [R_DL]
        call fd_motor_on
        call fd_establish
        jnc .est
        mov byte [R_AL], 0
        mov al, 0x80
        call fd_motor_timeout
        jmp fd_done
.est:   ; linear buffer address
        movzx eax, word [R_ES]
        shl eax, 4
        movzx ecx, word [R_BX]
        add eax, ecx
        mov edi, eax            ; EDI = current linear address
        xor si, si              ; sectors done
        mov cl, [R_CL]
        and cl, 0x3F            ; current sector
.sect:  mov ax, si
        cmp al, [R_AL]
        jae .alldone
        mov dh, 3               ; retries
.retry: push cx
        mov al, [R_DL]
        mov ah, [R_DH]
        mov ch, [R_CH]
        call fd_seek
        pop cx
        jc .err_seek
        ; DMA setup
        mov eax, edi
        mov bl, 0x46            ; FDC -> memory
        cmp byte [R_AH], 0x03
        jne .m1
        mov bl, 0x4A            ; memory -> FDC
.m1:    cmp byte [R_AH], 0x04
        je .bounce
        push cx
        mov cx, 511
        call fd_dma
        pop cx
        jnc .dmaok
.bounce:
        mov eax, (EBDA_SEG << 4) + EB_BOUNCE
        cmp byte [R_AH], 0x03
        jne .bdma
        call fd_copy_to_bounce
.bdma:  push cx
        mov cx, 511
        call fd_dma
        pop cx
        or bl, 0x80             ; remember: bounce used
.dmaok: ; command
        mov al, 0x46            ; MFM read
        cmp byte [R_AH], 0x03
        jne .c1
        mov al, 0x45            ; MFM write
.c1:    call fdc_out
        mov al, [R_DH]
        and al, 1
        shl al, 2
        or al, [R_DL]
        call fdc_out
        mov al, [R_CH]
        call fdc_out
        mov al, [R_DH]
        call fdc_out
        mov al, cl
        call fdc_out
        mov al, 2
        call fdc_out
        mov al, cl              ; EOT = this sector
        call fdc_out
        push es
        push si
        xor si, si
        mov es, si
        les si, [es:0x1E*4]
        mov al, [es:si+5]       ; gap length
        pop si
        pop es
        call fdc_out
        mov al, 0xFF
        call fdc_out
        call fdc_wait_irq
        jc .err_to
        call fd_results
        jc .err_to
        test byte [0x42], 0xC0
        jnz .err_cmd
        ; success
        test bl, 0x80
        jz .nb
        cmp byte [R_AH], 0x02
        jne .nb
        call fd_copy_from_bounce
.nb:    inc si
        inc cl
        add edi, 512
        jmp .sect
.err_cmd:
        call fd_map_error
        jmp .errr
.err_seek:
        mov al, 0x40
        jmp .errr
.err_to:
        mov al, 0x80
.errr:  dec dh
        jz .fail
        push ax
        call fdc_reset
        mov al, [R_DL]
        push si
        call fd_establish
        pop si
        pop ax
        jmp .retry
.fail:  push ax
        mov ax, si
        mov [R_AL], al
        call fd_motor_timeout
        pop ax
        jmp fd_done
.alldone:
        mov ax, si
        mov [R_AL], al
        call fd_motor_timeout
        xor al, al
        jmp fd_done

; copy 512 bytes between the caller's buffer (linear EDI) and the bounce
fd_copy_to_bounce:
        pusha
        push ds
        push es
        mov eax, edi
        shr eax, 4
        mov ds, ax
        mov si, di
        and si, 0x0F
        mov ax, EBDA_SEG
        mov es, ax
        mov di, EB_BOUNCE
        mov cx, 256
        rep movsw
        pop es
        pop ds
        popa
        ret

fd_copy_from_bounce:
        pusha
        push ds
        push es
        mov eax, edi
        shr eax, 4
        mov es, ax
        and di, 0x0F
        mov ax, EBDA_SEG
        mov ds, ax
        mov si, EB_BOUNCE
        mov cx, 256
        rep movsw
        pop es
        pop ds
        popa
        ret

; ---- AH=05h format track -----------------------------------------------------
fd_format_fn:
        mov al, [R_DL]
        call fd_motor_on
        call fd_establish
        jnc .est
        mov al, 0x80
        call fd_motor_timeout
        jmp fd_done
.est:   mov al, [R_DL]
        mov ah, [R_DH]
        mov ch, [R_CH]
        call fd_seek
        mov al, 0x40
        jc .done
        movzx eax, word [R_ES]
        shl eax, 4
        movzx ecx, word [R_BX]
        add eax, ecx
        movzx cx, byte [R_AL]
        shl cx, 2
        dec cx
        mov bl, 0x4A
        call fd_dma
        mov al, 0x09
        jc .done
        mov al, 0x4D
        call fdc_out
        mov al, [R_DH]
        and al, 1
        shl al, 2
        or al, [R_DL]
        call fdc_out
        push es
        xor si, si
        mov es, si
        les si, [es:0x1E*4]
        mov al, [es:si+3]
        call fdc_out
        mov al, [R_AL]
        call fdc_out
        mov al, [es:si+7]
        call fdc_out
        mov al, [es:si+8]
        call fdc_out
        pop es
        call fdc_wait_irq
        mov al, 0x80
        jc .done
        call fd_results
        mov al, 0x80
        jc .done
        xor al, al
        test byte [0x42], 0xC0
        jz .done
        call fd_map_error
.done:  push ax
        call fd_motor_timeout
        pop ax
        jmp fd_done

; ---- POST: floppy initialisation --------------------------------------------
floppy_init:
        mov al, 0x10
        call cmos_read
        mov ah, al
        xor cl, cl
        test ah, 0xF0
        jz .a
        inc cl
.a:     test ah, 0x0F
        jz .b
        inc cl
.b:     and word [0x10], 0xFF3E
        test cl, cl
        jz .none
        or byte [0x10], 1
        dec cl
        shl cl, 6
        or [0x10], cl
        mov byte [0x8F], 0
        mov word [0x90], 0
        call fdc_reset
        mov si, msg_fd
        call print_str
        mov al, 0x10
        call cmos_read
        push ax
        shr al, 4
        call print_fdtype
        mov si, msg_fdb
        call print_str
        pop ax
        and al, 0x0F
        call print_fdtype
        mov si, msg_crlf
        call print_str
.none:  ret

print_fdtype:
        movzx si, al
        cmp si, 6
        jb .ok
        xor si, si
.ok:    shl si, 1
        mov si, [cs:fdtype_names + si]
        jmp print_str

fdtype_names: dw fdn0, fdn1, fdn2, fdn3, fdn4, fdn5
fdn0:   db "none", 0
fdn1:   db "360K", 0
fdn2:   db "1.2M", 0
fdn3:   db "720K", 0
fdn4:   db "1.44M", 0
fdn5:   db "2.88M", 0
msg_fd:  db "Floppy A: ", 0
msg_fdb: db ", B: ", 0

; geometry per CMOS type: max cylinder, sectors, max head
fd_geom:
        db 0, 0, 0
        db 39, 9, 1
        db 79, 15, 1
        db 79, 9, 1
        db 79, 18, 1
        db 79, 36, 1
        db 79, 36, 1
