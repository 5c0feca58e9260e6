#!/bin/sh
# Build a bootable 20 MiB FreeDOS hard disk image for testing the BIOS's
# hard disk boot path (INT 19h from C:, INT 13h AH=42h):
#   MBR (mbr.asm) + one active FAT16 partition at sector 63 (CHS 40/16/63),
#   our FAT16 boot sector (fat16boot.asm, BPB from mformat), KERNEL.SYS and
#   COMMAND.COM copied from the FreeDOS boot floppy, plus the DOS test programs.
# usage: tests/dos/hdboot/mkbootdisk.sh OUT.img [FLOPPY.img]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/fdboot-hd.img}
fd=${2:-/work/shared/testdata/images/freedos-boot-1.4MB.img}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -o "$tmp/mbr.bin" "$here/mbr.asm"
nasm -f bin -o "$tmp/boot.bin" "$here/fat16boot.asm"
dd if=/dev/zero of="$out" bs=1M count=20 2>/dev/null
python3 - "$out" "$tmp/mbr.bin" <<'PY'
import struct, sys
start, size = 63, 40 * 16 * 63 - 63
def chs(l):
    c, h, s = l // (16 * 63), (l // 63) % 16, l % 63 + 1
    return bytes([h, s | ((c >> 2) & 0xC0), c & 0xFF])
mbr = bytearray(512)
code = open(sys.argv[2], 'rb').read()
mbr[:len(code)] = code
mbr[446:462] = bytes([0x80]) + chs(start) + bytes([0x06]) + chs(start + size - 1) + struct.pack('<II', start, size)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
PY
part="$out@@32256"
mformat -i "$part" -T 40257 -h 16 -s 63 -H 63 -v FDHD ::
for f in KERNEL.SYS COMMAND.COM; do
    mcopy -i "$fd" "::$f" "$tmp/$f"
    mcopy -i "$part" "$tmp/$f" ::
done
printf 'SWITCHES=/N\r\n' > "$tmp/CONFIG.SYS"
printf '@echo off\r\necho Cloister: FreeDOS booted from the hard disk\r\n' > "$tmp/AUTOEXEC.BAT"
mcopy -i "$part" "$tmp/CONFIG.SYS" "$tmp/AUTOEXEC.BAT" ::
if ls "$here"/../*.com >/dev/null 2>&1; then
    for f in "$here"/../*.com; do mcopy -i "$part" "$f" ::; done
fi
# our boot code around mformat's BPB (bytes 3..61 kept)
python3 - "$out" "$tmp/boot.bin" <<'PY'
import sys
img, boot = sys.argv[1], open(sys.argv[2], 'rb').read()
with open(img, 'r+b') as f:
    f.seek(63 * 512)
    cur = bytearray(f.read(512))
    new = bytearray(boot)
    new[3:62] = cur[3:62]
    f.seek(63 * 512)
    f.write(new)
PY
echo "$out: bootable FreeDOS hard disk image"
