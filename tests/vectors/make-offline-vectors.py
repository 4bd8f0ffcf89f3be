#!/usr/bin/env python3
"""Writes tests/vectors/offline-codes.txt: test vectors for offline codes.

An independent implementation of docs/offline-codes.md, written from that document
alone (Python standard library only: hashlib/hmac). Run it from anywhere:

    python3 tests/vectors/make-offline-vectors.py

and check the output file in. The generator (examples/offline-codegen --check-vectors)
regenerates every `gen` line; the lock-side tests replay the `check` lines in order on
one lock.

File format (one record per line, '#' starts a comment line, tokens separated by one
space, key=value):

    dk <64 lowercase hex>                      the device key DK
    koff <64 lowercase hex>                    K_off = HMAC-SHA256(DK, "lockcore offline key v1")
    gen epoch=<e> kind=<K> param=<7 digits> r=<R> code=<14 digits>
    check now=<unix s> tz=<minutes> code=<14 digits> expect=<granted|invalid|restricted|cleared>

In a `gen` line, R is the full value the param's truncated digits name (the hour index h
for kinds 1 and 9, the local day index D for kind 2, the hour index H for kind 3); the MAC
covers it (msg = "LKOC" || e || K P || R, 20 bytes), so the code depends on it.

The `check` lines are a sequence for ONE lock, run in order: it starts at epoch 0 with
an empty used list and no floor, offline_drift_s = 900, offline_otc_valid_s = 21600 and
LK_OFFLINE_USED_MAX = 8; `now` never decreases from one line to the next (the lock keeps
a high-water mark of time); `tz` is the lock's time zone (lk_set_time_zone) for that
line. Expectations:
    granted     kinds 1, 2, 3 accepted
    invalid     INVALID_CREDENTIAL (format, or the MAC with the resolved R matches
                neither epoch e nor e + 1)
    restricted  RESTRICTED (genuine, but outside its window, or a used one-time code)
    cleared     kind 9 accepted (epoch e -> e + 1, used list and floor emptied)
A refused code counts towards the lockout even when genuine, so the sequence never has
more than MAX_REFUSED_IN_A_ROW refusals in a row.

Every expectation is written out by hand below and also recomputed by a model of the
lock written from the document; the script refuses to write the file if they differ.
"""

import hashlib
import hmac
import os
import sys

DK = bytes(range(32))
KOFF_LABEL = b"lockcore offline key v1"
DRIFT = 900
OTC_VALID = 21600

T0 = 1795788000                 # 2026-11-27 14:00:00 UTC
H0 = T0 // 3600                 # hour index 498830
DAY = 86400
HOUR = 3600
MIN = 60


def utc(day_index, hh=0, mm=0, ss=0):
    """UNIX time of day_index (days since 1970-01-01) at hh:mm:ss UTC."""
    return day_index * DAY + hh * HOUR + mm * MIN + ss


D_NOV27 = T0 // DAY             # 20784
D_NOV28 = D_NOV27 + 1
D_NOV29 = D_NOV27 + 2
D_NOV30 = D_NOV27 + 3
D_DEC01 = D_NOV27 + 4
D_DEC02 = D_NOV27 + 5
D_DEC03 = D_NOV27 + 6
D_DEC20 = D_NOV27 + 23

# ---------------------------------------------------------------------------
# The algorithm (docs/offline-codes.md)


def offline_key(dk):
    return hmac.new(dk, KOFF_LABEL, hashlib.sha256).digest()


KOFF = offline_key(DK)


def mac_message(epoch, kind, param, r):
    """msg = "LKOC" || e (4 B big-endian) || K P (8 ASCII digits) || R (4 B big-endian)."""
    kp = ("%d%s" % (kind, param)).encode("ascii")
    assert len(kp) == 8 and kp.isdigit()
    assert 0 <= epoch <= 0xFFFFFFFF and 0 <= r <= 0xFFFFFFFF
    msg = b"LKOC" + epoch.to_bytes(4, "big") + kp + r.to_bytes(4, "big")
    assert len(msg) == 20
    return msg


def mac_digits(koff, epoch, kind, param, r):
    """The six MAC digits for (epoch, kind, 7-digit param string, full value R)."""
    mac = hmac.new(koff, mac_message(epoch, kind, param, r), hashlib.sha256).digest()
    m = int.from_bytes(mac[0:4], "big") % 1000000
    return "%06d" % m


def make_code(epoch, kind, param, r, koff=KOFF):
    return "%d%s%s" % (kind, param, mac_digits(koff, epoch, kind, param, r))


def p_otc(hour, seq):            # kinds 1 and 9; R = hour
    assert 0 <= seq <= 9
    return "%06d%d" % (hour % 1000000, seq)


def p_daily(aa, bb, last_day):   # kind 2; R = last_day
    return "%02d%02d%03d" % (aa, bb, last_day % 1000)


def p_until(hour):               # kind 3; R = hour
    assert 0 <= hour <= 9999999
    return "%07d" % hour


def otc(epoch, hour, seq):
    return make_code(epoch, 1, p_otc(hour, seq), hour)


def clear(epoch, hour, seq):
    return make_code(epoch, 9, p_otc(hour, seq), hour)


def daily(epoch, aa, bb, last_day):
    return make_code(epoch, 2, p_daily(aa, bb, last_day), last_day)


def until(epoch, hour):
    return make_code(epoch, 3, p_until(hour), hour)


def change_mac_digit(code, pos=11):
    """The code with one MAC digit (code[pos], pos in 8..13) changed."""
    assert 8 <= pos <= 13
    d = (int(code[pos]) + 1) % 10
    return code[:pos] + str(d) + code[pos + 1:]


# ---------------------------------------------------------------------------
# A model of the lock's check (docs/offline-codes.md, "What the lock checks"),
# step numbers as there. Operating modes (step 5) are not modelled: the vectors
# run in Normal mode.

USED_MAX = 8                    # LK_OFFLINE_USED_MAX


def resolve(c, digits, m):
    """Step 3: the x with x mod m == digits in base ... base + m - 1, where base is
    c - m/2 (taken as 0 when c < m/2)."""
    base = max(0, c - m // 2)
    return base + ((digits - base) % m)


class ModelLock:
    def __init__(self, koff, drift=DRIFT, otc_valid=OTC_VALID):
        self.koff = koff
        self.drift = drift
        self.otc_valid = otc_valid
        self.epoch = 0
        self.used = []          # names (id = 16 h + S) of the last accepted one-time codes
        self.floor = None       # one-time codes with id <= floor count as used; None: none
        self.high = None        # T: the latest time a genuine code was seen at

    def _empty_used(self):
        self.used = []
        self.floor = None

    def enter(self, wall, tz, code):
        # 1. now t = max(wall clock, T)
        t = wall if self.high is None else max(wall, self.high)
        # 2. format
        if len(code) != 14 or not code.isdigit():
            return "invalid"
        kind = int(code[0])
        param = code[1:8]
        if kind not in (1, 2, 3, 9):
            return "invalid"
        if kind == 2:
            aa, bb = int(param[0:2]), int(param[2:4])
            if aa >= bb or bb > 24:
                return "invalid"
        # 3. resolve the truncated fields against t: R
        c = t // HOUR
        d = (t + 60 * tz) // DAY
        if kind in (1, 9):
            r = resolve(c, int(param[0:6]), 1000000)
        elif kind == 2:
            r = resolve(d, int(param[4:7]), 1000)
        else:
            r = int(param)
        # 4. MAC with R under e, then e + 1 (mod 2^32)
        mac = code[8:14]
        e0, e1 = self.epoch, (self.epoch + 1) % (1 << 32)
        if hmac.compare_digest(mac, mac_digits(self.koff, e0, kind, param, r)):
            pass
        elif hmac.compare_digest(mac, mac_digits(self.koff, e1, kind, param, r)):
            self.epoch = e1     # a clear code the lock never saw: catch up
            self._empty_used()
        else:
            return "invalid"    # not genuine: T unchanged
        self.high = t           # genuine: T = t, whatever the outcome
        # 5. operating mode: Normal here
        # 6. the window
        if kind in (1, 9):
            if not (HOUR * r - self.drift <= t < HOUR * r + self.otc_valid + self.drift):
                return "restricted"
        elif kind == 2:
            if not ((t - self.drift + 60 * tz) // DAY <= r):
                return "restricted"
            m = ((t + 60 * tz) % DAY) // 60
            w = self.drift // 60
            if not (60 * aa - w <= m < 60 * bb + w):
                return "restricted"
        else:
            if not t < HOUR * r + self.drift:
                return "restricted"
        # 7. one-time codes: used list and floor
        if kind == 1:
            name = 16 * r + int(param[6])
            if (self.floor is not None and name <= self.floor) or name in self.used:
                return "restricted"
            if len(self.used) < USED_MAX:
                self.used.append(name)
            else:
                low = min(self.used + [name])
                self.floor = low
                if low != name:
                    self.used.remove(low)
                    self.used.append(name)
            assert self.floor is None or all(u > self.floor for u in self.used)
            return "granted"
        # 8. clear
        if kind == 9:
            self.epoch = (self.epoch + 1) % (1 << 32)
            self._empty_used()
            return "cleared"
        return "granted"


# ---------------------------------------------------------------------------
# Vectors


def gen_vectors():
    """(comment, epoch, kind, param, R) for the gen lines."""
    v = []
    v.append(("one-time, epoch 0, the hour 2026-11-27 14:00 UTC (the doc's example), S=0",
              0, 1, p_otc(H0, 0), H0))
    v.append(("one-time, epoch 0, same hour, S=7", 0, 1, p_otc(H0, 7), H0))
    v.append(("one-time, epoch 1", 1, 1, p_otc(H0, 0), H0))
    v.append(("one-time, epoch 2", 2, 1, p_otc(H0, 0), H0))
    v.append(("one-time, hour index 1000007 (param with leading zeros: 000007; R is the "
              "full hour index)", 0, 1, p_otc(1000007, 3), 1000007))
    v.append(("one-time, same digits as the last but hour index 7 (R = 7): another code",
              0, 1, p_otc(7, 3), 7))
    v.append(("one-time, hour index 0, S=0 (param all zeros, R = 0)", 0, 1, p_otc(0, 0), 0))
    v.append(("one-time, largest epoch 2^32-1", 0xFFFFFFFF, 1, p_otc(H0, 9), H0))
    v.append(("daily 09-17 until local day 20786 (2026-11-29), epoch 0",
              0, 2, p_daily(9, 17, D_NOV29), D_NOV29))
    v.append(("daily 09-17 until local day 21786, 1000 days later: same digits, another code",
              0, 2, p_daily(9, 17, D_NOV29 + 1000), D_NOV29 + 1000))
    v.append(("daily 00-06 until local day 21012 (param with leading zeros: 0006012)",
              1, 2, p_daily(0, 6, 21012), 21012))
    v.append(("daily 00-24, epoch 2", 2, 2, p_daily(0, 24, D_DEC20), D_DEC20))
    v.append(("valid until hour index 498830 (seven digits, leading zero: 0498830)",
              0, 3, p_until(H0), H0))
    v.append(("valid until hour index 1000000, epoch 1", 1, 3, p_until(1000000), 1000000))
    v.append(("valid until hour index 9999999, epoch 2", 2, 3, p_until(9999999), 9999999))
    v.append(("clear, epoch 0, hour 498830, S=0", 0, 9, p_otc(H0, 0), H0))
    v.append(("clear, epoch 1, hour index 123 (param 0001239)", 1, 9, p_otc(123, 9), 123))
    v.append(("clear, epoch 2", 2, 9, p_otc(H0 + 5, 1), H0 + 5))

    # MAC digits with leading zeros: the first one-time code from hour H0 on (epoch 0,
    # S = 0..9) whose MAC digits start with "000", and the first with one leading "0".
    found3 = found1 = None
    h = H0
    while found3 is None or found1 is None:
        for s in range(10):
            p = p_otc(h, s)
            m = mac_digits(KOFF, 0, 1, p, h)
            if found1 is None and m.startswith("0") and not m.startswith("00"):
                found1 = (p, h)
            if found3 is None and m.startswith("000"):
                found3 = (p, h)
        h += 1
    v.append(("one-time whose MAC digits have one leading zero (search)", 0, 1) + found1)
    v.append(("one-time whose MAC digits have three leading zeros (search)", 0, 1) + found3)
    # kind 2: last day D_NOV27 + (i mod 1000), from hour (i div 1000) mod 24 to 24
    i = 0
    while True:
        day = D_NOV27 + i % 1000
        p = p_daily(i // 1000 % 24, 24, day)
        if mac_digits(KOFF, 0, 2, p, day).startswith("00"):
            break
        i += 1
    v.append(("kind 2 whose MAC digits have leading zeros (search)", 0, 2, p, day))
    i = 0
    while not mac_digits(KOFF, 0, 3, p_until(H0 + i), H0 + i).startswith("00"):
        i += 1
    v.append(("kind 3 whose MAC digits have leading zeros (search)", 0, 3, p_until(H0 + i),
              H0 + i))
    return v


def check_vectors():
    """(comment, now, tz, code, expect) in the order the lock sees them."""
    c = []

    def add(comment, now, tz, code, expect):
        c.append((comment, now, tz, code, expect))

    # -- one-time codes for the hour h0 = 498830 (2026-11-27 14:00 UTC), epoch 0
    add("one-time h0 S=1, 1 s before its window (3600 h0 - drift - 1)",
        HOUR * H0 - DRIFT - 1, 0, otc(0, H0, 1), "restricted")
    add("one-time h0 S=2, exactly at 3600 h0 - drift: first second of its window",
        HOUR * H0 - DRIFT, 0, otc(0, H0, 2), "granted")
    add("one-time h0 S=0, inside its window (14:10 UTC)",
        T0 + 600, 0, otc(0, H0, 0), "granted")
    add("the same one-time code (h0, S=0) again: already used",
        T0 + 660, 0, otc(0, H0, 0), "restricted")
    add("another one-time code of the same hour, S=3: not used yet",
        T0 + 720, 0, otc(0, H0, 3), "granted")
    add("one-time h0 S=1, refused before its window earlier, is not used: now inside it",
        T0 + 780, 0, otc(0, H0, 1), "granted")
    add("one-time h0 S=5 with one MAC digit changed",
        T0 + 1800, 0, change_mac_digit(otc(0, H0, 5)), "invalid")
    add("kind digit 4 (not a kind), MAC digits computed over it as for a real kind",
        T0 + 1860, 0, make_code(0, 4, p_otc(H0, 0), H0), "invalid")
    add("one-time h0 S=4 at 3600 h0 + otc_valid_s + drift - 1: last second of its window",
        HOUR * H0 + OTC_VALID + DRIFT - 1, 0, otc(0, H0, 4), "granted")
    add("one-time h0 S=5 at 3600 h0 + otc_valid_s + drift: window over",
        HOUR * H0 + OTC_VALID + DRIFT, 0, otc(0, H0, 5), "restricted")

    # -- daily band 09-17 until local day 2026-11-29, epoch 0
    A = daily(0, 9, 17, D_NOV29)
    add("daily 09-17 until 11-29, 2026-11-27 21:00 UTC, tz=0: after the band",
        utc(D_NOV27, 21), 0, A, "restricted")
    add("daily 09-17, 2026-11-28 07:50 UTC, tz=60 (local 08:50): inside the band with drift",
        utc(D_NOV28, 7, 50), 60, A, "granted")
    add("daily 09-17, 2026-11-28 08:44:59 UTC, tz=0: minute 524 < 60*9 - 15, before the band",
        utc(D_NOV28, 8, 44, 59), 0, A, "restricted")
    add("daily 09-17, 2026-11-28 08:45:00 UTC, tz=0: minute 525 = 60*9 - drift/60, band start",
        utc(D_NOV28, 8, 45), 0, A, "granted")
    add("daily 09-17, 2026-11-28 12:00 UTC, tz=0: inside the band",
        utc(D_NOV28, 12), 0, A, "granted")
    add("daily with AA > BB (17-09), MAC digits computed over it",
        utc(D_NOV28, 12, 1), 0, daily(0, 17, 9, D_NOV29), "invalid")
    add("daily with AA = BB (12-12), MAC digits computed over it",
        utc(D_NOV28, 12, 2), 0, daily(0, 12, 12, D_NOV29), "invalid")
    add("daily with BB = 25, MAC digits computed over it",
        utc(D_NOV28, 12, 3), 0, daily(0, 9, 25, D_NOV29), "invalid")
    add("daily 09-17, 2026-11-28 16:30 UTC, tz=60 (local 17:30): after the band",
        utc(D_NOV28, 16, 30), 60, A, "restricted")
    add("daily 09-17, 2026-11-28 17:14:59 UTC, tz=0: minute 1034, last minute with drift",
        utc(D_NOV28, 17, 14, 59), 0, A, "granted")
    add("daily 09-17, 2026-11-28 17:15:00 UTC, tz=0: minute 1035 = 60*17 + drift/60, over",
        utc(D_NOV28, 17, 15), 0, A, "restricted")
    add("daily 09-17, 2026-11-28 21:00 UTC, tz=-300 (local 16:00): inside the band",
        utc(D_NOV28, 21), -300, A, "granted")
    add("daily 09-17, 2026-11-28 22:30 UTC, tz=-300 (local 17:30): after the band",
        utc(D_NOV28, 22, 30), -300, A, "restricted")
    add("daily 09-17, 2026-11-29 12:00 UTC, tz=0: its last day, inside the band",
        utc(D_NOV29, 12), 0, A, "granted")
    B = daily(0, 0, 24, D_NOV29)
    add("daily 00-24 until 11-29, 2026-11-29 23:30 UTC, tz=60: local 11-30 00:30, "
        "now - drift (local 00:15) is past the last day",
        utc(D_NOV29, 23, 30), 60, B, "restricted")
    add("daily 00-24 until 11-29, 2026-11-30 00:14:59 UTC, tz=0: last day judged at now - drift",
        utc(D_NOV30, 0, 14, 59), 0, B, "granted")
    add("daily 00-24 until 11-29, 2026-11-30 00:15:00 UTC, tz=0: now - drift is past the last day",
        utc(D_NOV30, 0, 15), 0, B, "restricted")
    C = daily(0, 20, 24, D_NOV29)
    add("daily 20-24 until 11-29, 2026-11-30 02:00 UTC, tz=-300: local 11-29 21:00, inside",
        utc(D_NOV30, 2), -300, C, "granted")
    add("daily 09-17 until 11-29, 2026-11-30 12:00 UTC, tz=0: inside the band, after its last day",
        utc(D_NOV30, 12), 0, A, "restricted")
    add("daily 09-17 until 11-29, 2026-11-30 16:00 UTC, tz=-300 (local 11-30 11:00): after its last day",
        utc(D_NOV30, 16), -300, A, "restricted")

    # -- valid until 2026-12-01 12:00 UTC, epoch 0
    HV = utc(D_DEC01, 12) // HOUR
    V = until(0, HV)
    add("valid until 12-01 12:00 UTC, at 12-01 08:00: before its end",
        utc(D_DEC01, 8), 0, V, "granted")
    add("valid until 12-01 12:00 UTC, at 3600 H + drift - 1: last second",
        HOUR * HV + DRIFT - 1, 0, V, "granted")
    add("valid until 12-01 12:00 UTC, at 3600 H + drift: over",
        HOUR * HV + DRIFT, 0, V, "restricted")

    # -- epochs: clear codes and the lock catching up with the app
    HC = utc(D_DEC02, 10) // HOUR
    Z0 = daily(0, 0, 24, D_DEC20)
    add("daily 00-24 until 12-20, epoch 0, 2026-12-02 10:00 UTC: granted before the clear",
        utc(D_DEC02, 10), 0, Z0, "granted")
    add("one-time 12-02 10:00 S=0, epoch 0: granted, (h, 0) now in the used list",
        utc(D_DEC02, 10, 1), 0, otc(0, HC, 0), "granted")
    K9 = clear(0, HC, 0)
    add("clear 12-02 10:00 S=0, epoch 0: the lock moves to epoch 1, used list emptied",
        utc(D_DEC02, 10, 2), 0, K9, "cleared")
    add("the epoch-0 daily code granted before the clear",
        utc(D_DEC02, 10, 3), 0, Z0, "invalid")
    add("the same epoch-0 clear code again",
        utc(D_DEC02, 10, 4), 0, K9, "invalid")
    add("one-time 12-02 10:00 S=0 made under epoch 1: same (h, S) as a code used before "
        "the clear, granted as the used list was emptied",
        utc(D_DEC02, 10, 5), 0, otc(1, HC, 0), "granted")
    Z1 = daily(1, 0, 24, D_DEC20)
    add("daily 00-24 until 12-20, epoch 1 (the lock's epoch)",
        utc(D_DEC02, 10, 6), 0, Z1, "granted")
    add("valid until 12-03 00:00 UTC made under epoch 2 (lock at 1): the lock moves to 2",
        utc(D_DEC02, 10, 7), 0, until(2, utc(D_DEC03) // HOUR), "granted")
    add("the epoch-1 daily code, now that the lock is at epoch 2",
        utc(D_DEC02, 10, 8), 0, Z1, "invalid")
    Z2 = daily(2, 0, 24, D_DEC20)
    add("daily 00-24 until 12-20, epoch 2",
        utc(D_DEC02, 10, 9), 0, Z2, "granted")
    add("valid until 12-02 09:00 UTC (over) made under epoch 3 (lock at 2): refused as over, "
        "but the lock has moved to epoch 3 first",
        utc(D_DEC02, 10, 10), 0, until(3, utc(D_DEC02, 9) // HOUR), "restricted")
    add("the epoch-2 daily code, now that the lock is at epoch 3",
        utc(D_DEC02, 10, 11), 0, Z2, "invalid")
    add("daily 00-24 until 12-20, epoch 3",
        utc(D_DEC02, 10, 12), 0, daily(3, 0, 24, D_DEC20), "granted")

    # -- the one-time floor (step 7). A clear code first empties the used list and the
    # floor; then ten one-time codes of one hour hf, names id = 16 hf + S.
    HF = utc(D_DEC02, 11) // HOUR
    add("clear 12-02 11:00 S=0, epoch 3: the lock moves to epoch 4, used list and floor emptied",
        utc(D_DEC02, 11), 0, clear(3, HF, 0), "cleared")
    for seq in range(1, 9):
        add("one-time 12-02 11:00 S=%d, epoch 4: granted, its name added (%d of 8 in the list)"
            % (seq, seq), utc(D_DEC02, 11, seq), 0, otc(4, HF, seq), "granted")
    add("one-time 12-02 11:00 S=0: unused, the list is full; the smallest of the list's "
        "names (S=1..8) and this one is this one: it becomes the floor, not added",
        utc(D_DEC02, 11, 9), 0, otc(4, HF, 0), "granted")
    add("one-time 12-02 11:00 S=9: above the floor, not in the list, the list is full; the "
        "smallest of the list's names and this one is S=1's: the floor, S=1 leaves, S=9 added",
        utc(D_DEC02, 11, 10), 0, otc(4, HF, 9), "granted")
    add("one-time 12-02 11:00 S=1 again: its name is at the floor, used",
        utc(D_DEC02, 11, 11), 0, otc(4, HF, 1), "restricted")
    add("one-time 12-02 11:00 S=0 again: its name is below the floor, used",
        utc(D_DEC02, 11, 12), 0, otc(4, HF, 0), "restricted")
    add("one-time 12-02 11:00 S=2 again: its name is in the list, used",
        utc(D_DEC02, 11, 13), 0, otc(4, HF, 2), "restricted")

    # -- 500 days on: truncated fields resolved near "now", and R in the MAC
    DF = D_DEC20 + 500
    add("daily 00-24 until local day %d (10 days on), epoch 4, 500 days after 12-20" % (DF + 10),
        utc(DF, 11), 0, daily(4, 0, 24, DF + 10), "granted")
    HG = utc(DF, 11) // HOUR
    add("one-time for hour index %d (> 500000: resolved from c - 500000) S=0, epoch 4; the "
        "list is full, its smallest name (12-02 11:00 S=2) becomes the floor" % HG,
        utc(DF, 11, 1), 0, otc(4, HG, 0), "granted")
    Z4 = daily(4, 0, 24, D_DEC20)
    add("daily 00-24 until 12-20 (day %d), epoch 4, at day %d, tz=0: DDD resolves to its "
        "last day, exactly 500 days ago: genuine, past its last day" % (D_DEC20, DF),
        utc(DF, 12), 0, Z4, "restricted")
    add("the same code at day %d, tz=0: exactly 501 days past its last day, DDD resolves to "
        "day %d (1000 days on), and the MAC made with R = %d does not match"
        % (DF + 1, D_DEC20 + 1000, D_DEC20),
        utc(DF + 1, 12), 0, Z4, "invalid")
    add("daily 00-24 until local day %d, epoch 4, the same day: the lock still opens"
        % (DF + 10), utc(DF + 1, 12, 1), 0, daily(4, 0, 24, DF + 10), "granted")
    return c


# The lock-side test replays the check lines on one lock with the default lockout
# (wrong_limit 5 wrong attempts within fail_window 5 min). A genuine code that is refused
# stays counted; only "granted" and "cleared" reset the count. So that the lockout never
# starts, the sequence never has more than this many refusals in a row, whatever the time
# between them.
MAX_REFUSED_IN_A_ROW = 4


def main():
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "offline-codes.txt")

    gens = gen_vectors()
    checks = check_vectors()

    # every gen line's R names its param's digits
    for comment, epoch, kind, param, r in gens:
        if kind in (1, 9):
            assert r % 1000000 == int(param[0:6]), comment
        elif kind == 2:
            assert r % 1000 == int(param[4:7]), comment
        else:
            assert r == int(param), comment

    # the model must agree with every hand-written expectation
    lock = ModelLock(KOFF)
    last = None
    bad = 0
    refused = 0
    for comment, now, tz, code, expect in checks:
        assert last is None or now >= last, "now decreases at: " + comment
        last = now
        got = lock.enter(now, tz, code)
        if got != expect:
            print("model disagrees (%s, expected %s): %s" % (got, expect, comment),
                  file=sys.stderr)
            bad += 1
        refused = 0 if expect in ("granted", "cleared") else refused + 1
        assert refused <= MAX_REFUSED_IN_A_ROW, "the lockout would start at: " + comment
    if bad:
        return 1
    assert len(lock.used) <= USED_MAX

    lines = []
    lines.append("# Offline-code test vectors (docs/offline-codes.md).")
    lines.append("# Generated by tests/vectors/make-offline-vectors.py; do not edit by hand.")
    lines.append("#")
    lines.append("# dk:    the device key DK; koff = HMAC-SHA256(DK, \"lockcore offline key v1\")")
    lines.append("# gen:   the code a generator must make for (epoch, kind, param) under koff;")
    lines.append("#        r = R, the full value param's digits name (hour index h for kinds 1")
    lines.append("#        and 9, local day index D for kind 2, hour index H for kind 3), which")
    lines.append("#        the MAC covers: msg = \"LKOC\" || e || K P || R (20 bytes)")
    lines.append("# check: a sequence for ONE lock, in order: it starts at epoch 0 with no used")
    lines.append("#        one-time codes and no floor, offline_drift_s = 900,")
    lines.append("#        offline_otc_valid_s = 21600, LK_OFFLINE_USED_MAX = 8, the default")
    lines.append("#        lockout (never reached: at most %d refusals in a row);"
                 % MAX_REFUSED_IN_A_ROW)
    lines.append("#        now (UNIX s) never decreases; tz = the lock's time zone in minutes.")
    lines.append("#        expect: granted (kinds 1-3 accepted), invalid (INVALID_CREDENTIAL:")
    lines.append("#        format, or MAC with the resolved R matches neither epoch e nor e + 1),")
    lines.append("#        restricted (RESTRICTED: genuine, but outside its window or a used")
    lines.append("#        one-time code), cleared (kind 9 accepted: epoch e -> e + 1, used list")
    lines.append("#        and floor emptied).")
    lines.append("")
    lines.append("dk " + DK.hex())
    lines.append("koff " + KOFF.hex())
    lines.append("")
    for comment, epoch, kind, param, r in gens:
        lines.append("# " + comment)
        lines.append("gen epoch=%d kind=%d param=%s r=%d code=%s"
                     % (epoch, kind, param, r, make_code(epoch, kind, param, r)))
    lines.append("")
    for comment, now, tz, code, expect in checks:
        lines.append("# " + comment)
        lines.append("check now=%d tz=%d code=%s expect=%s" % (now, tz, code, expect))
    text = "\n".join(lines) + "\n"
    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print("wrote %s: %d gen, %d check" % (out_path, len(gens), len(checks)))

    # The worked example for docs/offline-codes.md
    p = p_otc(H0, 0)
    msg = mac_message(0, 1, p, H0)
    mac = hmac.new(KOFF, msg, hashlib.sha256).digest()
    print("example: K_off %s\n  msg %s\n  mac %s\n  mac[0..3] %s = %d, mod 10^6 = %06d\n"
          "  code *%s#"
          % (KOFF.hex(" "), msg.hex(" "), mac.hex(" "), mac[:4].hex(" "),
             int.from_bytes(mac[:4], "big"), int.from_bytes(mac[:4], "big") % 1000000,
             make_code(0, 1, p, H0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
