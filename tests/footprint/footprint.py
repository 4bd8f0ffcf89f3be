#!/usr/bin/env python3
"""lockcore's footprint on real cores (issue #8), from a fresh cross build.

For each core (cortex-m0plus -Os, cortex-m3 -Os, cortex-m4 hard-float -O2),
lib/*.c is compiled with -ffunction-sections -fdata-sections -fstack-usage
-fcallgraph-info=su and linked with tests/footprint/image.c (a stub port and
a call to every public entry point) using --gc-sections, so only what a
firmware really pulls in counts. Prints one line per figure:

  footprint core=<c> module=<m> text=<B> rodata=<B> data=<B> bss=<B>
  footprint core=<c> text=<B> rodata=<B> data=<B> bss=<B> instance=<B> stack_max=<B>
  stack core=<c> entry=<fn> bytes=<B> port_calls=<n> path=<a>,<b>,...

The stack of an entry point is the deepest path through lockcore's own
frames (from -fstack-usage) along the call graph (-fcallgraph-info); a call
through a port callback (or the event callback) is the port's own budget:
its call site's frames are counted, the callback's are not, and
port_calls=1 says the deepest path ends in such a call. libgcc helpers and the
memcpy/memset GCC emits count as 0 (they are leaf routines of a few words).

Fails (exit 1) on recursion, on a frame of dynamic size (VLA, alloca), on
library .data/.bss, on a public function the image does not call, and on
each budget of issue #8 named in --enforce= (flash, instance, stack; all
three are printed either way, with by how much they are over).

The library is built warning-free (-Wall -Wextra -Wpedantic -Werror) in each
configuration asked for: full (the defaults) and minimal (PIN, key override
and USB emergency power only: the flags in tests/trim/minimal.flags); lines
carry config=<name>. --options adds, for Cortex-M0+, what each feature
option saves from the full build:

  option core=m0plus name=<LK_...=value> flash=<B> saves=<B>

Budgets apply to the full configuration.

usage: footprint.py SRCROOT WORKDIR [--enforce=flash,instance,stack,ceiling] [--cores=m0plus,m3,m4f]
                    [--configs=full,minimal] [--options]
"""
import glob
import os
import re
import subprocess
import sys

CORES = {
    "m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-Os"],
    "m3": ["-mcpu=cortex-m3", "-mthumb", "-Os"],
    "m4f": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2"],
}
CC = "arm-none-eabi-gcc"
COMMON = ["-std=c99", "-ffreestanding", "-ffunction-sections", "-fdata-sections"]
WARN = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]
# Each feature option of include/lockcore/config.h, as the value that strips it.
OPTIONS = ["LK_WITH_OFFLINE=0", "LK_WITH_TOKENS=0", "LK_WITH_PRESENTED=0", "LK_WITH_AUDIT=0",
           "LK_WITH_MATTER=0", "LK_WITH_STRERROR=0", "LK_PSRC_FITTED=0x03u"]

BUDGET_FLASH_M0 = 12 * 1024
BUDGET_INSTANCE = 1024
BUDGET_STACK = 512
# Not a budget: until the 12 KiB budget is met, a ceiling just above the
# figure measured when this was set (22,789 B), so that it cannot grow
# unnoticed (--enforce=ceiling).
CEILING_FLASH_M0 = 23 * 1024


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: %s\n%s" % (" ".join(cmd), r.stdout))
    return r.stdout


def public_functions(src):
    names = set()
    for h in glob.glob(os.path.join(src, "include", "lockcore", "*.h")):
        text = open(h).read()
        names.update(re.findall(r"^[a-z][a-z0-9_ ]*[ *](lk_[a-z0-9_]+)\(", text, re.M))
    return sorted(names)


def config_flags(src, config):
    if config == "full":
        return []
    if config == "minimal":
        path = os.path.join(src, "tests", "trim", "minimal.flags")
        return [l.strip() for l in open(path) if l.strip()]
    return ["-D" + config]  # one option, as in OPTIONS


def build(src, work, core, config="full"):
    d = os.path.join(work, core if config == "full" else core + "-" + re.sub(r"\W", "_", config))
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "*")):
        os.remove(f)
    flags = CORES[core] + COMMON + config_flags(src, config)
    objs = []
    for c in sorted(glob.glob(os.path.join(src, "lib", "*.c"))):
        o = os.path.join(d, os.path.basename(c)[:-2] + ".o")
        run([CC] + flags + WARN + ["-fstack-usage", "-fcallgraph-info=su", "-I", src + "/include",
                            "-I", src + "/lib", "-c", c, "-o", o], d)
        objs.append(o)
    img = os.path.join(d, "image.o")
    run([CC] + flags + ["-fno-builtin", "-Wall", "-Wextra", "-Werror", "-I", src + "/include",
                        "-c", os.path.join(src, "tests", "footprint", "image.c"), "-o", img], d)
    elf = os.path.join(d, "image.elf")
    run([CC] + CORES[core] + ["-nostartfiles", "-nostdlib", "-Wl,--gc-sections",
                              "-Wl,-Map=" + os.path.join(d, "image.map"), "-e", "_start", img]
        + objs + ["-lgcc", "-o", elf], d)
    return d


SECTION = re.compile(r"^ (\.[^\s]+|COMMON)\s*$")
SECTION_FULL = re.compile(r"^ (\.[^\s]+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)\s*$")
CONT = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)\s*$")


def kind_of(sec):
    for k in ("text", "rodata", "data", "bss"):
        if sec.startswith("." + k):
            return k
    return "bss" if sec == "COMMON" else None


def module_of(path):
    if "libgcc" in path:
        return "libgcc"
    return os.path.basename(path).rsplit(".", 1)[0]


def sizes(d):
    """Per-module section sizes of what the linker kept."""
    lines = open(os.path.join(d, "image.map")).read().split("\n")
    start = lines.index("Linker script and memory map")
    out = {}
    pending = None
    for line in lines[start:]:
        m = SECTION_FULL.match(line)
        if m:
            sec, size, path = m.group(1), int(m.group(3), 16), m.group(4)
        else:
            m = SECTION.match(line)
            if m:
                pending = m.group(1)
                continue
            m = CONT.match(line)
            if not (m and pending):
                pending = None
                continue
            sec, size, path = pending, int(m.group(2), 16), m.group(3)
            pending = None
        k = kind_of(sec)
        if k is None or size == 0 or not path.endswith(")") and not path.endswith(".o"):
            continue
        mod = module_of(path)
        out.setdefault(mod, {"text": 0, "rodata": 0, "data": 0, "bss": 0})[k] += size
    return out


NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def stack(d, entries):
    frames = {}   # (file, fn) -> bytes
    dynamic = []
    for su in glob.glob(os.path.join(d, "*.su")):
        for line in open(su):
            loc, size, qual = line.rstrip("\n").split("\t")
            fn = loc.rsplit(":", 1)[1]
            f = os.path.basename(su)[:-3]
            frames[(f, fn)] = int(size)
            if "dynamic" in qual:
                dynamic.append("%s:%s" % (f, fn))
    defs = {}
    for (f, fn) in frames:
        defs.setdefault(fn, []).append(f)
    edges = {}
    for ci in glob.glob(os.path.join(d, "*.ci")):
        f = os.path.basename(ci)[:-3]
        for line in open(ci):
            m = EDGE.search(line)
            if m:
                # a static function is titled "/path/file.c:fn"
                src_fn, dst_fn = (g.rsplit(":", 1)[-1] for g in m.groups())
                edges.setdefault((f, src_fn), []).append(dst_fn)

    def resolve(f, name):
        if name == "__indirect_call":
            return "port"
        if (f, name) in frames:
            return (f, name)
        if name in defs and len(defs[name]) == 1:
            return (defs[name][0], name)
        return None  # libgcc helper or builtin

    memo = {}
    onpath = set()
    cycles = []

    def worst(node):
        if node in memo:
            return memo[node]
        if node in onpath:
            cycles.append(node)
            return (0, 0, [])
        onpath.add(node)
        best = (0, 0, [])
        for t in edges.get(node, []):
            r = resolve(node[0], t)
            if r == "port":
                cand = (0, 1, ["<port>"])
            elif r is None:
                continue
            else:
                cand = worst(r)
            if cand[0] > best[0] or (cand[0] == best[0] and cand[1] > best[1]):
                best = cand
        onpath.discard(node)
        res = (frames.get(node, 0) + best[0], best[1], [node[1]] + best[2])
        memo[node] = res
        return res

    out = {}
    for e in entries:
        if e not in defs:
            continue
        out[e] = worst((defs[e][0], e))
    return out, dynamic, sorted(set("%s:%s" % c for c in cycles))


def instance_size(d):
    out = run(["arm-none-eabi-nm", "-S", os.path.join(d, "image.elf")], d)
    for line in out.split("\n"):
        p = line.split()
        if len(p) == 4 and p[3] == "lk_footprint_instance":
            return int(p[1], 16)
    sys.exit("FAIL: lk_footprint_instance not found")


def measure(src, work, core, config, entries, quiet=False):
    """Build one core in one configuration; print its lines unless quiet."""
    d = build(src, work, core, config)
    mods = sizes(d)
    total = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    tag = "core=%s config=%s" % (core, config)
    for mod in sorted(mods):
        if mod in ("image", "libgcc"):
            continue
        s = mods[mod]
        if not quiet:
            print("footprint %s module=%s text=%d rodata=%d data=%d bss=%d"
                  % (tag, mod, s["text"], s["rodata"], s["data"], s["bss"]))
        for k in total:
            total[k] += s[k]
    if "libgcc" in mods and not quiet:
        s = mods["libgcc"]
        print("footprint %s module=libgcc(not counted) text=%d rodata=%d"
              % (tag, s["text"], s["rodata"]))
    inst = instance_size(d)
    st, dynamic, cycles = stack(d, entries)
    smax = max(v[0] for v in st.values())
    if not quiet:
        print("footprint %s text=%d rodata=%d data=%d bss=%d instance=%d stack_max=%d"
              % (tag, total["text"], total["rodata"], total["data"], total["bss"], inst, smax))
        for e in sorted(st):
            b, ports, path = st[e]
            print("stack %s entry=%s bytes=%d port_calls=%d path=%s"
                  % (tag, e, b, ports, ",".join(path)))
    return total, inst, smax, dynamic, cycles


def budget(fail, enforce, what, value, limit):
    verdict = "ok" if value <= limit else "OVER by %d" % (value - limit)
    print("budget core=m0plus config=full %s=%d limit=%d %s" % (what, value, limit, verdict))
    if what.split("_")[0] in enforce and value > limit:
        fail.append("m0plus %s %d > %d" % (what, value, limit))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    src, work = os.path.abspath(args[0]), os.path.abspath(args[1])
    enforce = []
    cores = list(CORES)
    configs = ["full"]
    options = False
    for a in sys.argv[1:]:
        if a.startswith("--cores="):
            cores = a.split("=", 1)[1].split(",")
        elif a.startswith("--enforce="):
            enforce = a.split("=", 1)[1].split(",")
        elif a.startswith("--configs="):
            configs = a.split("=", 1)[1].split(",")
        elif a == "--options":
            options = True
        elif a.startswith("--"):
            sys.exit("unknown option %s\n%s" % (a, __doc__))
    fail = []
    entries = public_functions(src)
    image = open(os.path.join(src, "tests", "footprint", "image.c")).read()
    missing = [e for e in entries if not re.search(r"\b%s\(" % e, image)]
    if missing:
        fail.append("image.c does not call %s" % ", ".join(missing))
    full_flash = None
    for config in configs:
        for core in cores:
            total, inst, smax, dynamic, cycles = measure(src, work, core, config, entries)
            if dynamic:
                fail.append("%s %s: frames of dynamic size (VLA/alloca): %s"
                            % (core, config, ", ".join(dynamic)))
            if cycles:
                fail.append("%s %s: recursion through %s" % (core, config, ", ".join(cycles)))
            if total["data"] + total["bss"] != 0:
                fail.append("%s %s: library .data + .bss = %d, budget 0"
                            % (core, config, total["data"] + total["bss"]))
            if core == "m0plus" and config == "full":
                full_flash = total["text"] + total["rodata"]
                budget(fail, enforce, "flash", full_flash, BUDGET_FLASH_M0)
                if "ceiling" in enforce and full_flash > CEILING_FLASH_M0:
                    fail.append("m0plus flash %d > the regression ceiling %d"
                                % (full_flash, CEILING_FLASH_M0))
                budget(fail, enforce, "instance", inst, BUDGET_INSTANCE)
                budget(fail, enforce, "stack_max", smax, BUDGET_STACK)
    if options:
        if full_flash is None:
            total = measure(src, work, "m0plus", "full", entries, quiet=True)[0]
            full_flash = total["text"] + total["rodata"]
        for opt in OPTIONS:
            total = measure(src, work, "m0plus", opt, entries, quiet=True)[0]
            flash = total["text"] + total["rodata"]
            print("option core=m0plus name=%s flash=%d saves=%d" % (opt, flash, full_flash - flash))
    for f in fail:
        print("FAIL: " + f)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
