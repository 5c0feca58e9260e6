; FAT16 partition boot sector for the Cloister test disks: loads KERNEL.SYS
; (FreeDOS) to 0060:0000 and starts it with BL = DL = boot drive.
; Only the code is ours; mkbootdisk.sh keeps the BPB that mformat wrote.
        cpu 386
        bits 16
        org 0x7C00

bpb_spc      equ 0x7C0D     ; sectors per cluster (byte)
bpb_reserved equ 0x7C0E     ; reserved sectors (word)
bpb_nfats    equ 0x7C10     ; number of FATs (byte)
bpb_rootents equ 0x7C11     ; root directory entries (word)
bpb_spf      equ 0x7C16     ; sectors per FAT (word)
bpb_hidden   equ 0x7C1C     ; hidden sectors (dword)
RELOC_SEG    equ 0x1FE0     ; 1FE0:7C00 = 27A00h, out of the kernel's way
DIRBUF       equ 0x8000     ; buffers in RELOC_SEG
FATBUF       equ 0x8200

        jmp short start
        nop
        times 0x3E - ($ - $$) db 0      ; BPB (filled in from the formatted disk)

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        cld
        mov ax, RELOC_SEG
        mov es, ax
        mov si, 0x7C00
        mov di, si
        mov cx, 256
        rep movsw
        jmp RELOC_SEG:reloc
reloc:  mov ds, ax
        mov ss, ax
        mov [drive], dl
        ; fat_start = hidden + reserved
        mov eax, [bpb_hidden]
        movzx ebx, word [bpb_reserved]
        add eax, ebx
        mov [fat_start], eax
        ; root_start = fat_start + nfats * spf
        movzx ebx, word [bpb_spf]
        movzx ecx, byte [bpb_nfats]
        imul ebx, ecx
        add eax, ebx
        mov [root_start], eax
        ; data_start = root_start + root sectors
        movzx ebx, word [bpb_rootents]
        add ebx, 15
        shr ebx, 4
        mov [root_secs], bx
        add eax, ebx
        mov [data_start], eax
        ; search the root directory
        mov eax, [root_start]
.dirsec:
        push ds
        pop es
        mov bx, DIRBUF
        call read_sector
        mov di, DIRBUF
.ent:   mov si, kname
        push di
        mov cx, 11
        repe cmpsb
        pop di
        je .found
        add di, 32
        cmp di, DIRBUF + 512
        jb .ent
        inc eax
        dec word [root_secs]
        jnz .dirsec
        mov si, msg_nokernel
        jmp fail
.found: movzx eax, word [di + 0x1A]     ; first cluster
        mov word [load_seg], 0x60
.clus:  cmp ax, 0xFFF8
        jae .done
        mov [cluster], ax
        ; sector = data_start + (cluster - 2) * spc
        sub eax, 2
        movzx ecx, byte [bpb_spc]
        imul eax, ecx
        add eax, [data_start]
.sec:   push cx
        mov es, [load_seg]
        xor bx, bx
        call read_sector
        add word [load_seg], 0x20
        inc eax
        pop cx
        loop .sec
        ; next cluster from the FAT
        movzx eax, word [cluster]
        shr eax, 8
        add eax, [fat_start]
        push ds
        pop es
        mov bx, FATBUF
        call read_sector
        movzx si, byte [cluster]
        shl si, 1
        movzx eax, word [FATBUF + si]
        jmp .clus
.done:  mov dl, [drive]
        mov bl, dl
        jmp 0x0060:0x0000

; read_sector: EAX = LBA -> ES:BX (INT 13h AH=42h)
read_sector:
        pushad
        mov [dap_lba], eax
        mov [dap_off], bx
        mov [dap_seg], es
        mov si, dap
        mov dl, [drive]
        mov ah, 0x42
        int 0x13
        popad
        jc .err
        ret
.err:   mov si, msg_readerr
fail:   lodsb
        test al, al
        jz $
        mov ah, 0x0E
        mov bx, 7
        int 0x10
        jmp fail

dap:    db 0x10, 0
        dw 1
dap_off: dw 0
dap_seg: dw 0
dap_lba: dd 0, 0
kname:  db "KERNEL  SYS"
msg_nokernel: db "no KERNEL.SYS", 0
msg_readerr:  db "read error", 0
drive:  db 0
cluster: dw 0
load_seg: dw 0
root_secs: dw 0
fat_start: dd 0
root_start: dd 0
data_start: dd 0
        times 510 - ($ - $$) db 0
        dw 0xAA55
