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
; ---------------------------------------------------------------------------
; IBM PC/AT compatible fixed addresses.  Some old programs call or read these
; directly; each entry jumps to (or is) the real thing.
; ---------------------------------------------------------------------------
%macro AT 1
%if ($ - $$) > %1
%error "fixed-address area overlaps at %1"
%endif
        times %1 - ($ - $$) db 0xFF
%endmacro

        AT 0xE05B
        jmp post_entry                  ; POST entry
        AT 0xE2C3
        iret                            ; NMI
        AT 0xE3FE
        jmp int13_handler               ; INT 13h (hard disk)
        AT 0xE6F2
        jmp int19_handler               ; INT 19h
        AT 0xE6F5
bios_config_table:                      ; INT 15h AH=C0h
        dw 8
        db 0xFC                         ; model
        db 0x01                         ; submodel
        db 0x00                         ; BIOS revision
        db 0x74                         ; EBDA, INT 15h/4Fh from INT 09h, RTC, 2nd 8259
        db 0x00, 0x00, 0x00, 0x00
        AT 0xE729
        dw 1047, 768, 384, 192, 96, 48, 24, 12   ; baud rate divisors
        AT 0xE739
        jmp int14_handler               ; INT 14h
        AT 0xE82E
        jmp int16_handler               ; INT 16h
        AT 0xE987
        jmp int09_handler               ; INT 09h
        AT 0xEC59
        jmp int13_handler               ; INT 13h (diskette)
        AT 0xEF57
        jmp int0e_handler               ; INT 0Eh
        AT 0xEFC7
diskette_param_table:                   ; INT 1Eh
        db 0xDF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08
        AT 0xEFD2
        jmp int17_handler               ; INT 17h
        AT 0xF045
        iret                            ; INT 10h functions 0-F (old entry)
        AT 0xF065
        jmp int10_handler               ; INT 10h
        AT 0xF841
        jmp int12_handler               ; INT 12h
        AT 0xF84D
        jmp int11_handler               ; INT 11h
        AT 0xF859
        jmp int15_handler               ; INT 15h
        AT 0xFA6E
font8x8_fixed:                          ; 8x8 font, characters 00h-7Fh
        FONT8X8_LOW
        AT 0xFE6E
        jmp int1a_handler               ; INT 1Ah
        AT 0xFEA5
        jmp int08_handler               ; INT 08h
        AT 0xFF53
        iret                            ; dummy interrupt handler
        AT 0xFF54
        iret                            ; INT 05h (print screen: nothing)
        AT 0xFFF0
reset_vector:                           ; F000:FFF0
        jmp 0xF000:post_entry
        db "11/21/26"                   ; F000:FFF5 BIOS date
        db 0                            ; F000:FFFD
        db 0xFC                         ; F000:FFFE model byte (AT class)
        db 0                            ; F000:FFFF checksum (patched by build.sh)
