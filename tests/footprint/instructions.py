#!/usr/bin/env python3
"""Host instruction counts of single lockcore operations (issue #8).

Runs the ops harness (tests/footprint/ops.c, a plain -O2 executable) under
valgrind --tool=callgrind --toggle-collect=fp_measured, one run per
operation, and splits each count by where the instructions ran:

  instructions op=<name> count=<lockcore> port=<sim callbacks> total=<all>

count is lockcore's own code (functions in lib/); port is the sim port's
callbacks the operation made (ports/sim: a real port's ADC or GPIO reads
cost what they cost, as a callback's stack is the port's budget); total
adds the harness's call. --enforce-idle fails (exit 1) when lockcore's own
count for one idle poll exceeds 500 (the budget of issue #8).

usage: instructions.py SRCROOT OPS_EXE WORKDIR [--enforce-idle] [OP ...]
"""
import os
import re
import subprocess
import sys

OPS = ["idle-poll", "input-poll", "keypad-verdict", "audit-append", "init-full"]
BUDGET_IDLE = 500
LINE = re.compile(r"^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(\S+?):(\S+)")


def split(src, out_file):
    """(lockcore, port, total) instructions of one callgrind profile."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", "--auto=no", out_file],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: callgrind_annotate: " + r.stdout)
    lib = os.path.join(src, "lib") + os.sep
    ports = os.path.join(src, "ports") + os.sep
    own = port = total = 0
    for line in r.stdout.split("\n"):
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = LINE.match(line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        path = os.path.realpath(m.group(2)) + ("" if m.group(2).endswith(os.sep) else "")
        if path.startswith(lib):
            own += n
        elif path.startswith(ports):
            port += n
    return own, port, total


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 3:
        sys.exit(__doc__)
    src, ops, work = os.path.realpath(args[0]), args[1], args[2]
    enforce = "--enforce-idle" in sys.argv[1:]
    wanted = args[3:] or OPS
    os.makedirs(work, exist_ok=True)
    fail = []
    for op in wanted:
        out = os.path.join(work, "cg." + op)
        log = os.path.join(work, "ops." + op)
        with open(log, "w") as fh:
            r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                                "--toggle-collect=fp_measured", ops, op],
                               stdout=fh, stderr=subprocess.STDOUT)
        text = open(log).read()
        if r.returncode != 0 or not re.search(r"^op=%s .* ok$" % re.escape(op), text, re.M):
            sys.exit("FAIL: %s:\n%s" % (op, text))
        own, port, total = split(src, out)
        if own == 0:
            sys.exit("FAIL: %s: no instructions attributed to %s/lib (debug info?)" % (op, src))
        print("instructions op=%s count=%d port=%d total=%d build=-O2" % (op, own, port, total))
        if op == "idle-poll":
            verdict = "ok" if own <= BUDGET_IDLE else "OVER by %d" % (own - BUDGET_IDLE)
            print("budget idle_poll=%d limit=%d %s" % (own, BUDGET_IDLE, verdict))
            if enforce and own > BUDGET_IDLE:
                fail.append("idle poll: %d of lockcore's instructions > %d" % (own, BUDGET_IDLE))
    for f in fail:
        print("FAIL: " + f)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
