#!/bin/sh
# Build the DOS test programs (.COM) with NASM.
set -eu
cd "$(dirname "$0")"
for f in *.asm; do
    nasm -f bin -o "${f%.asm}.com" "$f"
done
echo "built: $(ls *.com | tr '\n' ' ')"
