#!/bin/sh
# Run all DOS test programs under QEMU with the Cloister BIOS: boots the
# FreeDOS 1.44M floppy, the tests sit on a FAT16 hard disk (C:).
#   tests/dos/run-qemu.sh     -> prints each program's output, exit 1 on FAIL
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fda=${FDA:-/work/shared/testdata/images/freedos-boot-1.4MB.img}
"$here/build.sh" >/dev/null
img=$(mktemp /tmp/dostest.XXXXXX.img)
ser=$(mktemp /tmp/dostest-serial.XXXXXX)
trap 'rm -f "$img" "$ser"' EXIT
"$here/mkdisk.sh" "$img" >/dev/null
out=$(python3 "$root/bios/tools/qemu-test.py" --fda "$fda" --hda "$img" --wait 8 \
    --extra "-serial file:$ser" \
    --cmd 'c:\n' --cmd 'meminfo\n' --cmd 'vgatest\n' --cmdwait 6 \
    --cmd 'modetest\n' --cmd 'cgatest\n' --cmd 'pittest\n' --cmd 'sertest\n' --cmd 'disktest\n' \
    --cmd 'kbdtest\n' --cmd 'Cloister!\e')
echo "$out" | sed -n '/---- debug port ----/,$p'
echo "---- serial (COM1) ----"
cat "$ser"
echo
fails=$(echo "$out" | sed -n '/---- debug port ----/,$p' | grep -c ': FAIL' || true)
passes=$(echo "$out" | sed -n '/---- debug port ----/,$p' | grep -c ': PASS' || true)
echo "PASS: $passes  FAIL: $fails"
[ "$fails" -eq 0 ] && [ "$passes" -eq 8 ]
