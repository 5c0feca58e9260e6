#!/bin/sh
# Boot each FreeDOS floppy under QEMU with the Cloister BIOS and run ver, dir
# and mem; checks for the prompt, the FreeCom version line and the directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${IMAGES:-/work/shared/testdata/images}
rc=0
for img in freedos-boot-1.4MB freedos-boot-1200K freedos-boot-720K freedos-boot-360K freedos-boot-160K; do
    out=$(python3 "$here/qemu-test.py" --fda "$dir/$img.img" --wait 8 \
          --cmd 'ver\n' --cmd 'dir\n' --cmd 'mem\n' 2>&1)
    screen=$(echo "$out" | sed '/---- debug port ----/,$d')
    if echo "$screen" | grep -q 'A:\\>' && echo "$screen" | grep -q 'FreeCom version' \
       && echo "$screen" | grep -q 'KERNEL   SYS'; then
        echo "$img: OK  ($(echo "$screen" | grep 'bytes free' | sed 's/^ *//'); mem: $(echo "$screen" | grep -i -A1 '>mem' | tail -1))"
    else
        echo "$img: FAILED"; echo "$screen"; rc=1
    fi
done
exit $rc
