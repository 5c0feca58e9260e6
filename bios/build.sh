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
    # (the byte is assembled as 0; od/awk/printf/dd only, no other tools)
    size=$(wc -c < "$out/cloister-bios.bin")
    [ "$size" -eq 65536 ] || { echo "ROM image is $size bytes, not 65536" >&2; exit 1; }
    sum=$(od -An -v -tu1 "$out/cloister-bios.bin" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }')
    ck=$(( (256 - sum) % 256 ))
    printf "$(printf '\\%03o' "$ck")" | dd of="$out/cloister-bios.bin" bs=1 seek=65535 conv=notrunc 2>/dev/null
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
