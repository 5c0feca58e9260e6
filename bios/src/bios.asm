; Cloister BIOS -- 64 KiB system ROM image mapped at F0000h-FFFFFh.
; Assemble: nasm -f bin -o cloister-bios.bin bios.asm   (see ../build.sh)
        cpu 386
        bits 16
        org 0

%include "equates.inc"

bios_start:
        db "Cloister BIOS", 0

%include "post.asm"
%include "util.asm"
%include "video.asm"
%include "cga.asm"
%include "kbd.asm"
%include "disk.asm"
%include "ata.asm"
%include "time.asm"
%include "system.asm"
%include "boot.asm"

        align 16
%include "vgatab.asm"
        align 16
%include "fonts.inc"

code_end:
; ---------------------------------------------------------------- fixed tail
        times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:                           ; F000:FFF0
        jmp 0xF000:post_entry
        db "11/21/26"                   ; F000:FFF5 BIOS date
        db 0                            ; F000:FFFD
        db 0xFC                         ; F000:FFFE model byte (AT class)
        db 0                            ; F000:FFFF checksum (patched by build.sh)
