; ---------------------------------------------------------------------------
; INT 13h -- hard disks on the primary ATA channel (PIO, polled, nIEN set)
; ---------------------------------------------------------------------------
ATA_DATA    equ 0x1F0
ATA_ERR     equ 0x1F1
ATA_COUNT   equ 0x1F2
ATA_LBA0    equ 0x1F3
ATA_LBA1    equ 0x1F4
ATA_LBA2    equ 0x1F5
ATA_DRIVE   equ 0x1F6
ATA_CMD     equ 0x1F7
ATA_ALT     equ 0x3F6

; ata_wait_bsy: wait BSY=0; AL = status; CF=1 on timeout (~4 s)
ata_wait_bsy:
        push ecx
        push dx
        mov dx, ATA_CMD
        mov ecx, 0x400000
.l:     in al, dx
        test al, 0x80
        jz .ok
        dec ecx
        jnz .l
        stc
        jmp .x
.ok:    clc
.x:     pop dx
        pop ecx
        ret

; ata_wait_drq: wait BSY=0 then DRQ or ERR; CF=1 timeout/error, AL=status
ata_wait_drq:
        call ata_wait_bsy
        jc .x
        test al, 0x01
        jnz .e
        test al, 0x08
        jnz .x                  ; CF=0 (test clears it)
.e:     stc
.x:     ret

ata_delay400:
        push ax
        push dx
        mov dx, ATA_ALT
        in al, dx
        in al, dx
        in al, dx
        in al, dx
        pop dx
        pop ax
        ret

; ---- POST: detect drives -----------------------------------------------------
ata_init:
        mov dx, ATA_ALT
        mov al, 0x02            ; nIEN: polled operation
        out dx, al
        mov byte [0x75], 0
        push es
        mov ax, EBDA_SEG
        mov es, ax
        xor bx, bx              ; BL = drive index 0/1
.drv:   call ata_identify
        jc .next
        call ata_setup_drive
.next:  inc bl
        cmp bl, 2
        jb .drv
        pop es
        ; equipment / count already set
        ret

; ata_identify: BL = 0 master / 1 slave; reads IDENTIFY data into EBDA bounce
; CF=1 if no ATA disk
ata_identify:
        mov al, bl
        shl al, 4
        or al, 0xA0
        mov dx, ATA_DRIVE
        out dx, al
        call ata_delay400
        mov dx, ATA_CMD
        in al, dx
        cmp al, 0xFF
        je .no
        ; quick presence check via the sector count register
        mov dx, ATA_COUNT
        mov al, 0x55
        out dx, al
        mov dx, ATA_LBA0
        mov al, 0xAA
        out dx, al
        mov dx, ATA_COUNT
        in al, dx
        cmp al, 0x55
        jne .no
        mov dx, ATA_CMD
        in al, dx
        test al, al
        jz .no
        call ata_wait_bsy
        jc .no
        mov dx, ATA_CMD
        mov al, 0xEC
        out dx, al
        call ata_delay400
        in al, dx
        test al, al
        jz .no
        call ata_wait_drq
        jc .no
        mov di, EB_BOUNCE
        mov cx, 256
        mov dx, ATA_DATA
        rep insw
        clc
        ret
.no:    stc
        ret

; ata_setup_drive: BL = index, IDENTIFY data at ES:EB_BOUNCE (ES = EBDA)
ata_setup_drive:
        movzx si, bl
        imul si, si, ATA_INFO_SIZE
        add si, EB_ATA
        mov byte [es:si+ATA_PRESENT], 1
        mov al, bl
        shl al, 4
        mov [es:si+ATA_SLAVE], al
        mov ax, [es:EB_BOUNCE + 1*2]
        mov [es:si+ATA_PCYLS], ax
        mov ax, [es:EB_BOUNCE + 3*2]
        mov [es:si+ATA_PHEADS], ax
        mov ax, [es:EB_BOUNCE + 6*2]
        mov [es:si+ATA_PSPT], ax
        mov eax, [es:EB_BOUNCE + 60*2]
        test eax, eax
        jnz .t
        movzx eax, word [es:si+ATA_PCYLS]
        movzx ecx, word [es:si+ATA_PHEADS]
        imul eax, ecx
        movzx ecx, word [es:si+ATA_PSPT]
        imul eax, ecx
.t:     mov [es:si+ATA_TOTAL], eax
        mov dword [es:si+ATA_TOTAL_HI], 0
        mov byte [es:si+ATA_LBA48], 0
        test word [es:EB_BOUNCE + 83*2], 0x0400
        jz .nol48
        mov byte [es:si+ATA_LBA48], 1
        mov eax, [es:EB_BOUNCE + 100*2]
        mov [es:si+ATA_TOTAL], eax
        mov eax, [es:EB_BOUNCE + 102*2]
        mov [es:si+ATA_TOTAL_HI], eax
        cmp dword [es:si+ATA_TOTAL], 0
        jne .nol48
        mov eax, [es:EB_BOUNCE + 60*2]
        mov [es:si+ATA_TOTAL], eax
.nol48:
        ; logical (INT 13h) geometry, LBA-assisted translation
        mov ax, [es:si+ATA_PSPT]
        mov cx, [es:si+ATA_PHEADS]
        mov dx, [es:si+ATA_PCYLS]
        cmp ax, 63
        jbe .s1
        mov ax, 63
.s1:    test ax, ax
        jnz .s2
        mov ax, 63
.s2:    test cx, cx
        jnz .s3
        mov cx, 16
.s3:    ; if drive is larger than physical CHS says, derive cylinders from size
        push ax
        push cx
        mov eax, [es:si+ATA_TOTAL]
        cmp dword [es:si+ATA_TOTAL_HI], 0
        je .s4
        mov eax, 0xFFFFFFFF
.s4:    pop cx
        pop di                  ; DI = spt
        push di
        push cx
        movzx ecx, cx
        movzx edi, di
        imul ecx, edi
        xor edx, edx
        div ecx                 ; EAX = cylinders
        pop cx
        pop di
.tr:    cmp eax, 1024
        jbe .tok
        cmp cx, 128
        ja .clamp
        shl cx, 1
        shr eax, 1
        jmp .tr
.clamp: cmp cx, 256
        jne .c2
        mov cx, 255
        ; recompute cylinders for 255 heads
        push cx
        mov eax, [es:si+ATA_TOTAL]
        movzx ecx, cx
        movzx edx, di
        imul ecx, edx
        xor edx, edx
        div ecx
        pop cx
.c2:    cmp eax, 1024
        jbe .tok
        mov eax, 1024
.tok:   test eax, eax
        jnz .tok2
        inc eax
.tok2:  mov [es:si+ATA_CYLS], ax
        mov [es:si+ATA_HEADS], cl
        mov ax, di
        mov [es:si+ATA_SPT], al
        ; fixed disk parameter table
        mov di, EB_FDPT0
        test bl, bl
        jz .f
        mov di, EB_FDPT1
.f:     mov ax, [es:si+ATA_CYLS]
        mov [es:di+0], ax
        mov al, [es:si+ATA_HEADS]
        mov [es:di+2], al
        mov word [es:di+5], 0xFFFF
        mov byte [es:di+8], 0x08
        mov ax, [es:si+ATA_CYLS]
        mov [es:di+0x0C], ax
        mov al, [es:si+ATA_SPT]
        mov [es:di+0x0E], al
        inc byte [0x75]
        ; report
        push si
        mov si, msg_hd
        call print_str
        mov al, '0'
        add al, bl
        call print_char
        mov si, msg_hd2
        call print_str
        pop si
        mov eax, [es:si+ATA_TOTAL]
        shr eax, 11
        call print_dec32
        push si
        mov si, msg_hd3
        call print_str
        pop si
        mov ax, [es:si+ATA_CYLS]
        call print_dec
        mov al, '/'
        call print_char
        movzx ax, byte [es:si+ATA_HEADS]
        call print_dec
        mov al, '/'
        call print_char
        movzx ax, byte [es:si+ATA_SPT]
        call print_dec
        push si
        mov si, msg_hd4
        call print_str
        pop si
        ret

        call print_str
        ret

msg_hd:  db "Hard disk ", 0
msg_hd2: db ": ", 0
msg_hd3: db " MiB, CHS ", 0
msg_hd4: db 13, 10, 0

; ---- INT 13h for DL >= 80h ----------------------------------------------------
; hd_done: AL = status
hd_done:
        mov [0x74], al
        mov [R_AH], al
        test al, al
        jz .ok
        SET_CF
        ret
.ok:    CLR_CF
        ret

; hd_info: DL -> ES:SI = drive info record (ES = EBDA); CF=1 if absent
hd_info:
        mov al, [R_DL]
        sub al, 0x80
        cmp al, 2
        jae .no
        movzx si, al
        imul si, si, ATA_INFO_SIZE
        add si, EB_ATA
        push ax
        mov ax, EBDA_SEG
        mov es, ax
        pop ax
        cmp byte [es:si+ATA_PRESENT], 1
        jne .no
        clc
        ret
.no:    stc
        ret

hd_service:
        mov ah, [R_AH]
        cmp ah, 0x15
        je hd_type_fn
        cmp ah, 0x08
        je hd_params_fn
        call hd_info
        jnc .ok
        mov al, 0x01
        jmp hd_done
.ok:    mov ah, [R_AH]
        cmp ah, 0x00
        je hd_ok
        cmp ah, 0x01
        je hd_status_fn
        cmp ah, 0x02
        je hd_chs_fn
        cmp ah, 0x03
        je hd_chs_fn
        cmp ah, 0x04
        je hd_chs_fn
        cmp ah, 0x05
        je hd_ok
        cmp ah, 0x09
        je hd_ok
        cmp ah, 0x0C
        je hd_ok
        cmp ah, 0x0D
        je hd_ok
        cmp ah, 0x10
        je hd_ok
        cmp ah, 0x11
        je hd_ok
        cmp ah, 0x14
        je hd_ok
        cmp ah, 0x41
        je hd_ext_check
        cmp ah, 0x42
        je hd_ext_rw
        cmp ah, 0x43
        je hd_ext_rw
        cmp ah, 0x44
        je hd_ext_rw
        cmp ah, 0x47
        je hd_ok
        cmp ah, 0x48
        je hd_ext_params
        mov al, 0x01
        jmp hd_done
hd_ok:  xor al, al
        jmp hd_done

hd_status_fn:
        mov al, [0x74]
        mov [R_AH], al
        CLR_CF
        test al, al
        jz .x
        SET_CF
.x:     ret

hd_type_fn:
        call hd_info
        jc .none
        movzx eax, word [es:si+ATA_CYLS]
        movzx ecx, byte [es:si+ATA_HEADS]
        imul eax, ecx
        mov cl, [es:si+ATA_SPT]
        imul eax, ecx
        mov [R_DX], ax
        shr eax, 16
        mov [R_CX], ax
        mov byte [R_AH], 0x03
        CLR_CF
        ret
.none:  mov byte [R_AH], 0
        CLR_CF
        ret

hd_params_fn:
        mov cl, [0x75]
        call hd_info
        jc .none
        mov ax, [es:si+ATA_CYLS]
        dec ax
        mov [R_CH], al
        shl ah, 6
        or ah, [es:si+ATA_SPT]
        mov [R_CL], ah
        mov al, [es:si+ATA_HEADS]
        dec al
        mov [R_DH], al
        mov [R_DL], cl
        mov word [R_AX], 0
        mov byte [R_BL], 0
        xor al, al
        jmp hd_done
.none:  mov [R_DL], cl
        mov word [R_CX], 0
        mov byte [R_DH], 0
        mov al, 0x07
        jmp hd_done

; CHS read/write/verify
hd_chs_fn:
        movzx eax, byte [R_CL]
        and al, 0x3F
        jz .bad
        cmp al, [es:si+ATA_SPT]
        ja .bad
        movzx cx, byte [R_CL]
        shr cx, 6
        xchg cl, ch
        mov cl, [R_CH]          ; CX = cylinder
        cmp cx, [es:si+ATA_CYLS]
        jae .bad
        movzx edx, byte [R_DH]
        cmp dl, [es:si+ATA_HEADS]
        jae .bad
        ; lba = (c * heads + h) * spt + s - 1
        movzx ecx, cx
        movzx ebx, byte [es:si+ATA_HEADS]
        imul ecx, ebx
        add ecx, edx
        movzx ebx, byte [es:si+ATA_SPT]
        imul ecx, ebx
        lea eax, [ecx + eax - 1]
        xor edx, edx
        movzx ecx, byte [R_AH]  ; op in ECX[31:16]
        shl ecx, 16
        mov cl, [R_AL]
        mov bx, [R_BX]
        mov di, [R_ES]          ; DI:BX = buffer
        mov byte [R_AL], 0
        call ata_transfer       ; -> AL status, CX done
        mov [R_AL], cl
        jmp hd_done
.bad:   mov byte [R_AL], 0
        mov al, 0x04
        jmp hd_done

hd_ext_check:
        cmp word [R_BX], 0x55AA
        jne .no
        mov word [R_BX], 0xAA55
        mov byte [R_AH], 0x21
        mov word [R_CX], 0x0001
        CLR_CF
        ret
.no:    mov al, 0x01
        jmp hd_done

; AH=42h/43h/44h: DS:SI -> disk address packet
hd_ext_rw:
        push es
        push si
        mov es, [R_DS]
        mov di, [R_SI]
        movzx ecx, word [es:di+2]
        mov bx, [es:di+4]
        mov eax, [es:di+8]
        mov edx, [es:di+12]
        mov di, [es:di+6]
        pop si
        pop es
        ; bounds check
        cmp edx, [es:si+ATA_TOTAL_HI]
        ja .bad
        jb .ok
        cmp eax, [es:si+ATA_TOTAL]
        jae .bad
.ok:    push eax
        movzx eax, byte [R_AH]
        sub al, 0x40            ; 42h->02h, 43h->03h, 44h->04h
        shl eax, 16
        or ecx, eax
        pop eax
        call ata_transfer
        push es
        mov es, [R_DS]
        mov di, [R_SI]
        mov [es:di+2], cx
        pop es
        jmp hd_done
.bad:   mov al, 0x04
        jmp hd_done

hd_ext_params:
        push es
        push si
        mov di, [R_SI]
        mov ax, [R_DS]
        push es
        pop fs
        mov es, ax
        cmp word [es:di], 0x1A
        jb .bad
        mov word [es:di], 0x1A
        mov word [es:di+2], 0x0002
        movzx eax, word [fs:si+ATA_CYLS]
        mov [es:di+4], eax
        movzx eax, byte [fs:si+ATA_HEADS]
        mov [es:di+8], eax
        movzx eax, byte [fs:si+ATA_SPT]
        mov [es:di+12], eax
        mov eax, [fs:si+ATA_TOTAL]
        mov [es:di+16], eax
        mov eax, [fs:si+ATA_TOTAL_HI]
        mov [es:di+20], eax
        mov word [es:di+24], 512
        pop si
        pop es
        xor al, al
        jmp hd_done
.bad:   pop si
        pop es
        mov al, 0x01
        jmp hd_done

; ata_transfer: EDX:EAX = LBA, CX = count, DI:BX = buffer (seg:off),
; ES:SI = drive record, ECX[31:16] = op (2 read, 3 write, 4 verify)
; returns AL = status, CX = sectors done
ata_transfer:
        push bp
        mov bp, sp
        push ds
        push di                 ; [bp-4] buffer segment
        push bx                 ; [bp-6] buffer offset
        push cx                 ; [bp-8] remaining
        push word 0             ; [bp-10] done
        push ecx                ; [bp-12] op
        mov ebx, eax            ; EDX:EBX = lba
.chunk: cmp word [bp-8], 0
        je .okdone
        mov cx, [bp-8]
        cmp cx, 128
        jbe .c1
        mov cx, 128
.c1:    ; issue command
        call ata_wait_bsy
        jc .to
        push dx
        test edx, edx
        jnz .l48
        cmp ebx, 0x0FFFFFFF
        ja .l48
        ; LBA28
        mov eax, ebx
        shr eax, 24
        and al, 0x0F
        or al, 0xE0
        or al, [es:si+ATA_SLAVE]
        mov dx, ATA_DRIVE
        out dx, al
        call ata_delay400
        mov dx, ATA_COUNT
        mov al, cl
        out dx, al
        mov eax, ebx
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        mov al, [bp-12]
        mov ah, 0x20
        cmp al, 2
        je .cmd
        mov ah, 0x30
        cmp al, 3
        je .cmd
        mov ah, 0x40
        jmp .cmd
.l48:   cmp byte [es:si+ATA_LBA48], 1
        pop dx
        push dx
        jne .badlba
        mov al, 0x40
        or al, [es:si+ATA_SLAVE]
        mov dx, ATA_DRIVE
        out dx, al
        call ata_delay400
        pop dx
        push dx
        mov eax, edx            ; high dword of LBA
        push eax
        mov dx, ATA_COUNT
        xor al, al
        out dx, al              ; count high
        mov eax, ebx
        shr eax, 24
        inc dx
        out dx, al              ; lba 31:24
        pop eax
        inc dx
        out dx, al              ; lba 39:32
        shr eax, 8
        inc dx
        out dx, al              ; lba 47:40
        mov dx, ATA_COUNT
        mov al, cl
        out dx, al
        mov eax, ebx
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        shr eax, 8
        inc dx
        out dx, al
        mov al, [bp-12]
        mov ah, 0x24
        cmp al, 2
        je .cmd
        mov ah, 0x34
        cmp al, 3
        je .cmd
        mov ah, 0x42
.cmd:   mov al, ah
        mov dx, ATA_CMD
        out dx, al
        call ata_delay400
        pop dx
        ; data phase
        push cx
        cmp byte [bp-12], 4
        jne .data
        call ata_wait_bsy
        jc .to2
        test al, 0x01
        jnz .err2
        pop cx
        jmp .adv
.data:  push dx
        push si
        push es
.sec:   call ata_wait_drq
        jc .err3
        push cx
        mov cx, 256
        mov dx, ATA_DATA
        cmp byte [bp-12], 3
        je .wr
        mov es, [bp-4]
        mov di, [bp-6]
        rep insw
        jmp .sd
.wr:    mov ds, [bp-4]
        mov si, [bp-6]
        rep outsw
        push word BDA_SEG
        pop ds
.sd:    pop cx
        add word [bp-4], 0x20   ; next 512 bytes
        inc word [bp-10]
        loop .sec
        pop es
        pop si
        pop dx
        pop cx
        cmp byte [bp-12], 3
        jne .adv2
        call ata_wait_bsy
        jc .to
        test al, 0x21
        jnz .err
        jmp .adv2
.adv:   add [bp-10], cx
.adv2:  sub [bp-8], cx
        movzx ecx, cx
        add ebx, ecx
        adc edx, 0
        jmp .chunk
.okdone:
        xor al, al
        jmp .x
.err3:  pop es
        pop si
        pop dx
.err2:  pop cx
.err:   mov dx, ATA_ERR
        in al, dx
        mov ah, al
        mov al, 0x04
        test ah, 0x10
        jnz .x
        mov al, 0x10
        test ah, 0x40
        jnz .x
        mov al, 0x20
        jmp .x
.to2:   pop cx
.to:    mov al, 0x80
        jmp .x
.badlba:
        pop dx
        mov al, 0x01
.x:     mov cx, [bp-10]
        mov ds, [bp-2]
        mov sp, bp
        pop bp
        ret
