#!/bin/sh
# Make a 20 MiB test hard disk image (MBR + one FAT16 partition, CHS 40/16/63)
# holding the test programs:  tests/dos/mkdisk.sh /tmp/dostest.img
# DOS_PROGRAMS=DIR takes the .com files from DIR instead of tests/dos.
set -eu
cd "$(dirname "$0")"
programs=${DOS_PROGRAMS:-.}
img=${1:-/tmp/dostest.img}
dd if=/dev/zero of="$img" bs=1M count=20 2>/dev/null
python3 - "$img" <<'PY'
import struct, sys
start, size = 63, 40 * 16 * 63 - 63
def chs(l):
    c, h, s = l // (16 * 63), (l // 63) % 16, l % 63 + 1
    return bytes([h, s | ((c >> 2) & 0xC0), c & 0xFF])
mbr = bytearray(512)
mbr[446:462] = bytes([0x80]) + chs(start) + bytes([0x06]) + chs(start + size - 1) + struct.pack('<II', start, size)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
PY
mformat -i "$img@@32256" -T 40257 -h 16 -s 63 -H 63 -v DOSTEST ::
for f in "$programs"/*.com; do mcopy -i "$img@@32256" "$f" ::; done
text=$(mktemp)
trap 'rm -f "$text"' EXIT
printf 'The Cloister disk test file.\r\n' > "$text"
mcopy -i "$img@@32256" "$text" ::TESTFILE.TXT
mdir -i "$img@@32256" ::
