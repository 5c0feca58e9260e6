#!/usr/bin/env python3
"""Drive QEMU with the Cloister BIOS: boot an image, type commands through
the monitor's sendkey, dump the text screen (pmemsave of B8000h).

usage: qemu-test.py [--fda IMG] [--hda IMG] [--boot a|c] [--wait S]
                    [--cmd TEXT]... [--screen] [--keep]
"""
import argparse, os, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
BIOS = os.path.join(HERE, "..", "cloister-bios.bin")

KEYMAP = {' ': 'spc', '\n': 'ret', '.': 'dot', ',': 'comma', '/': 'slash',
          '\\': 'backslash', ':': 'shift-semicolon', ';': 'semicolon',
          '-': 'minus', '=': 'equal', '*': 'shift-8', '>': 'shift-dot',
          '<': 'shift-comma', '_': 'shift-minus', '"': 'shift-apostrophe',
          "'": 'apostrophe', '?': 'shift-slash', '!': 'shift-1', '|': 'shift-backslash',
          '\x1b': 'esc', '+': 'shift-equal', '(': 'shift-9', ')': 'shift-0'}

class Mon:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.read()

    def read(self, t=0.3):
        self.s.settimeout(t)
        out = b""
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    break
                out += d
        except socket.timeout:
            pass
        return out.decode(errors="replace")

    def cmd(self, c, t=0.3):
        self.s.sendall((c + "\n").encode())
        return self.read(t)

    def type(self, text):
        for ch in text:
            if ch in KEYMAP:
                k = KEYMAP[ch]
            elif ch.isupper():
                k = "shift-" + ch.lower()
            else:
                k = ch
            self.cmd("sendkey " + k, 0.05)
            time.sleep(0.05)

    def screen(self, cols=80, rows=25):
        fn = tempfile.mktemp()
        r = self.cmd(f"pmemsave 0xb8000 {cols*rows*2} \"{fn}\"", 0.5)
        for _ in range(50):
            if os.path.exists(fn):
                break
            time.sleep(0.1)
        else:
            print("monitor:", r)
        d = open(fn, "rb").read()
        os.unlink(fn)
        lines = []
        for r in range(rows):
            row = d[r*cols*2:(r+1)*cols*2:2]
            lines.append(row.decode("cp437").rstrip())
        return "\n".join(lines)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fda")
    ap.add_argument("--hda")
    ap.add_argument("--boot", default="a")
    ap.add_argument("--wait", type=float, default=8)
    ap.add_argument("--cmd", action="append", default=[])
    ap.add_argument("--cmdwait", type=float, default=3)
    ap.add_argument("--mem", default="16")
    ap.add_argument("--machine", default="isapc")
    ap.add_argument("--bios", default=BIOS)
    ap.add_argument("--extra", default="")
    args = ap.parse_args()
    mon = tempfile.mktemp()
    dbg = tempfile.mktemp()
    q = ["qemu-system-i386", "-M", args.machine, "-bios", args.bios, "-m", args.mem,
         "-display", "none", "-vga", "std", "-debugcon", "file:" + dbg,
         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot",
         "-monitor", f"unix:{mon},server,nowait", "-boot", args.boot]
    if args.fda:
        q += ["-drive", f"file={args.fda},if=floppy,format=raw,index=0"]
    if args.hda:
        q += ["-drive", f"file={args.hda},if=ide,format=raw,index=0"]
    q += args.extra.split()
    p = subprocess.Popen(q)
    try:
        m = Mon(mon)
        time.sleep(args.wait)
        for c in args.cmd:
            m.type(c.replace("\\n", "\n").replace("\\e", "\x1b"))
            time.sleep(args.cmdwait)
        print(m.screen())
        print("---- debug port ----")
        print(open(dbg, "rb").read().decode(errors="replace")[-3000:])
        m.cmd("quit")
    finally:
        time.sleep(0.3)
        p.kill()
        p.wait()
        for f in (mon, dbg):
            try:
                os.unlink(f)
            except OSError:
                pass

if __name__ == "__main__":
    main()
