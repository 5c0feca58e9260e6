#!/bin/sh
# Build the Cloister BIOS image and the demo floppy reproducibly.
#   bios/build.sh          build into bios/
#   bios/build.sh --check  rebuild into a temp dir, compare with committed images
set -eu
here=$(cd "$(dirname "$0")" && pwd)

build() {   # $1 = output directory
    out=$1
    nasm -f bin -w+all -I"$here/src/" -o "$out/cloister-bios.bin" "$here/src/bios.asm"
    # checksum byte at F000:FFFF makes the 64 KiB image sum to 0 mod 256
    python3 - "$out/cloister-bios.bin" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
assert len(d) == 65536, len(d)
d[-1] = 0
d[-1] = (-sum(d)) & 0xFF
open(p, 'wb').write(d)
PY
    nasm -f bin -w+all -o "$out/cloister-demo.img" "$here/demo/demo.asm"
}

if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    build "$tmp"
    rc=0
    for f in cloister-bios.bin cloister-demo.img; do
        if cmp -s "$tmp/$f" "$here/$f"; then
            echo "$f: OK (reproducible)"
        else
            echo "$f: DIFFERS from committed image" >&2
            rc=1
        fi
    done
    exit $rc
fi
build "$here"
echo "built $here/cloister-bios.bin and $here/cloister-demo.img"
