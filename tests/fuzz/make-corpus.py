#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<harness>/ (tests/fuzz/README.md).

Each seed is a short input in its harness's format (the comment at the top of
each fuzz_<harness>.c) that reaches a path worth starting from: a correct PIN,
a lockout, a genuine offline code and its replay, a valid storage image, a
jam and its recovery, a key used on a healthy battery, and so on. Run it again
after changing a harness's input format:

    python3 tests/fuzz/make-corpus.py

The storage seeds in raw mode embed the committed format fixtures
(tests/fixtures/store-v1-*.bin), cut after their last written byte.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def u16(v):
    return struct.pack('<H', v & 0xFFFF)


def u32(v):
    return struct.pack('<I', v & 0xFFFFFFFF)


def b(*xs):
    return bytes(x & 0xFF for x in xs)


# ---- keypad: setup byte, then keys / commands ----
RUN = {1: 0xF0, 10: 0xF1, 30: 0xF2, 100: 0xF3, 500: 0xF4, 1000: 0xF5, 2999: 0xF6,
       5000: 0xF7, 10000: 0xF8, 30000: 0xF9, 60000: 0xFA, 90000: 0xFB, 300000: 0xFC,
       900000: 0xFD, 3600000: 0xFE, 86400000: 0xFF}
LOCK, REBOOT, WALL_FRI14, WALL_FRI18, WALL_FRI09, WALL_SAT, CLEAR_WALL, RAW = range(0xE0, 0xE8)


def keypad():
    k = lambda s: s.encode()
    settle = b(RUN[2999], LOCK, RUN[2999])
    return {
        'pin-ok': b(0) + k('246810#'),
        'pin-8-digits': b(0) + k('13579024#'),
        'wrong-then-right': b(0) + k('111222#246810#'),
        'lockout-and-after': b(0) + k('111222#' * 5 + '246810#') + b(RUN[90000], RUN[1000]) +
                             k('246810#'),
        'lockout-tight-config': b(2) + k('123123#' * 3 + '246810#') + b(RUN[5000]) +
                                k('246810#'),
        'guess-limit-decoys': b(0) + k('9999888877776666#99998888#246810#'),
        'decoys-around-pin': b(0) + k('9305246810774#'),
        'overlong-entry': b(0) + k('12345678901234567#246810#'),
        'dual-rule': b(0) + k('192837#564738#') + settle + k('192837#') + b(RUN[30000]) +
                     k('564738#'),
        'duress-user': b(0) + k('271828#') + settle,
        'disposable-user': b(0) + k('161803#') + settle + k('161803#') + b(REBOOT) +
                           k('161803#'),
        'schedules': b(0, WALL_FRI14) + k('505050#') + settle + k('606061#') + settle +
                     k('707172#') + settle + k('818283#') + settle + b(WALL_SAT) +
                     k('505050#818283#') + b(CLEAR_WALL) + k('505050#'),
        'refused-users': b(0) + k('314159#135790#141421#975310#864209#'),
        'digit-timeout': b(0) + k('246') + b(RUN[5000]) + k('810#246') + b(RUN[2999]) +
                         k('810#'),
        'offline-entry': b(0) + k('*14988300881894#') + b(WALL_FRI14) + k('*14988300881894#'),
        'clock-wrap': b(1) + k('246810#') + b(RUN[300000], RUN[900000]) + k('246810#'),
        'raw-keys': b(0, RAW, 0, RAW, 0xB9) + k('a246810#') + b(RAW, ord('#')),
        'reboot-keeps-count': b(0) + k('111222#111222#') + b(REBOOT) + k('111222#') +
                              b(REBOOT) + k('111222#111222#246810#') + b(RUN[90000]),
        # regression: a reset mid-stroke, then a stroke the other way at once
        # (once reversed the bridge with no brake time)
        'regress-reboot-mid-stroke': b(0) + k('246810#') + b(RUN[100], REBOOT, LOCK,
                                                            RUN[100], LOCK, RUN[2999]),
    }


# ---- api: setup byte, then op byte + operands ----
(USER_SET, USER_DELETE, USER_GET, CRED_SET, CRED_DELETE, CRED_GET, CRED_PRESENT,
 TOKEN_CHALLENGE, TOKEN_RESPONSE, TOKEN_KEY, SET_MODE, WALL, CLEAR_WALL_OP, TIME_ZONE,
 FREE_INDEX, LOCKOUT_INFO, API_REBOOT, API_RUN, KEY, KEYS_PIN, REQUEST, SILENCE, AUDIT,
 OFFLINE_RESET, OFFLINE_KEY, CHECK_MODEL) = range(26)


def user_set(idx, typ, enabled=1, rule=0, days=0, ws=0, we=0, ys=0, ye=0, exp=0, sane=1):
    return (b(USER_SET, idx, sane, typ, enabled, rule, days) + u16(ws) + u16(we) + u32(ys) +
            u32(ye) + u16(exp) + u32(0))


def cred_set(idx, typ, owner, data, sane=3):
    return b(CRED_SET, sane, typ, idx, owner, len(data)) + bytes(data)


def pin(digits):
    return b(KEYS_PIN, len(digits)) + bytes(int(c) for c in digits)


def api_run(ms_index):
    return b(API_RUN, ms_index)


def api():
    token = b(TOKEN_CHALLENGE, TOKEN_RESPONSE, 1, 2)
    return {
        'pin': b(0) + pin('246810') + api_run(6),
        'token-and-reboot': b(1) + token + api_run(6) + b(API_REBOOT, CHECK_MODEL) + token,
        'enrol-reboot-delete': b(2) + user_set(5, 0) + cred_set(6, 1, 5, [5, 8, 0, 1, 4, 7]) +
                               b(API_REBOOT) + pin('580147') + b(FREE_INDEX, 0, FREE_INDEX, 1,
                               USER_DELETE, 5, CHECK_MODEL),
        'modes': b(0, SET_MODE, 1) + pin('246810') + token + b(SET_MODE, 2, API_REBOOT,
                   CHECK_MODEL, SET_MODE, 4) + pin('246810') + api_run(10),
        'schedule-and-audit': b(3, WALL, 0) + u32(0) + b(CRED_PRESENT, 3, 2, 0, 7) +
                              b(TIME_ZONE) + u16(120) + b(AUDIT) + u16(0) + b(LOCKOUT_INFO),
        'disposable-user': b(0) + pin('161803') + api_run(6) + b(REQUEST, 0, 2, 0, 0, 0, 0) +
                           api_run(6) + pin('161803') + b(API_REBOOT, CHECK_MODEL),
        'refusals': b(0) + user_set(3, 99, sane=0) + b(CRED_SET, 0, 0x7F, 1, 0, 4, 1, 2, 3, 4,
                    CRED_PRESENT, 2, 30) + bytes(30) + b(SET_MODE, 9, TIME_ZONE) + u16(900) +
                    b(FREE_INDEX, 5, REQUEST, 0, 11, 0, 0, 0, 0, OFFLINE_RESET) + u32(0) +
                    b(OFFLINE_KEY, TOKEN_KEY, 0, USER_GET, 0xFF, CRED_GET, 0xF3),
        'lockout': b(0) + pin('111222') * 5 + b(LOCKOUT_INFO, CRED_PRESENT, 2, 4, 4, 0xA1,
                   0x22, 0x33) + api_run(11) + pin('246810'),
        'cards-and-fingers': b(0, CRED_PRESENT, 2, 4, 4, 0xA1, 0x22, 0x33) + api_run(6) +
                             b(CRED_PRESENT, 3, 2, 0, 7, CRED_PRESENT, 5, 2, 0, 7),
        'fill-users': b(0) + b''.join(user_set(i, 0) for i in range(4, 17)) +
                      b(FREE_INDEX, 0, CHECK_MODEL),
        'regress-reboot-mid-stroke': b(0) + pin('246810') + api_run(3) +
                                     b(API_REBOOT, REQUEST, 0, 2, 0, 0, 0, 0) + api_run(3) +
                                     b(REQUEST, 0, 2, 0, 0, 0, 0) + api_run(6),
    }


# ---- offline: setup byte, then op byte + operands ----
(O_WALL, O_CLEAR_WALL, O_TZ, O_RANDOM, O_GENUINE, O_REBOOT, O_RUN, O_MODE, O_RESET,
 O_SETTLE, O_RAW, O_REPLAY) = range(12)


def wall(how, v):
    return b(O_WALL, how) + u32(v)


def genuine(kind, delta=0, a=0, bb=0, c=0, flip=0, from_t=0):
    sel = {1: 0, 2: 1, 3: 2, 9: 3}[kind] | ({0: 0, 1: 1, 2: 2, -1: 3}[delta] << 2)
    sel |= (0x10 if flip else 0) | (0x40 if from_t else 0)
    return b(O_GENUINE, sel, a, bb, c)


def offline():
    return {
        'one-time-and-replay': b(0) + wall(0, 10) + genuine(1) + b(O_SETTLE, O_REPLAY,
                               O_REBOOT) + wall(0, 11) + b(O_REPLAY),
        'clear-daily-until': b(0) + wall(0, 10) + genuine(9) + genuine(2, bb=0, c=24) +
                             b(O_SETTLE) + genuine(3, a=5) + b(O_SETTLE),
        'catch-up-epoch': b(0) + wall(0, 10) + genuine(1, delta=1) + b(O_SETTLE) +
                          genuine(1, delta=1, bb=1),
        'daily-time-zone': b(2, O_TZ) + u16(740 + 120) + wall(0, 10) + genuine(2, bb=14, c=20) +
                           b(O_SETTLE) + genuine(2, bb=8, c=9),
        'clock-set-back': b(0) + wall(0, 7 * 60) + genuine(1, a=0xF9) + wall(4, 7 * 3600) +
                          b(O_REPLAY),
        'hour-500000': b(0) + wall(3, 0) + genuine(1) + b(O_SETTLE) + genuine(1, a=1) +
                       wall(3, 0xFFF0),
        'near-miss': b(0) + wall(0, 10) + genuine(1, flip=1, c=9) + genuine(1, flip=1, c=3),
        'vacation-mode': b(0, O_MODE, 1) + wall(0, 10) + genuine(1) + genuine(9) +
                         b(O_MODE, 0, O_REPLAY),
        'reset': b(1, O_RESET, 0) + wall(0, 10) + b(O_RESET, 3) + genuine(1) + genuine(1, a=2),
        'random-codes': b(0) + wall(0, 10) + b(O_RANDOM, 14) + bytes(range(14)) +
                        b(O_RANDOM, 13) + bytes(13) + b(O_RANDOM, 16) + bytes(16),
        'lockout': b(0) + wall(0, 10) + (b(O_RANDOM, 14) + bytes(14)) * 5 + genuine(1) +
                   b(O_RUN, 11, O_RUN, 11),
        'reboot-untrusted': b(3) + wall(1, 100) + genuine(3) + b(O_REBOOT) + genuine(3) +
                            b(O_RAW, ord('*'), O_RAW, ord('1')),
    }


# ---- storage: mode byte, then the image or patches ----
def storage():
    def fixture(name, erased):
        d = open(os.path.join(ROOT, 'tests', 'fixtures', name), 'rb').read()
        end = max(i for i, x in enumerate(d) if x != erased) + 1
        return d[:end]

    def patches(mode, *pairs):
        return b(mode) + b''.join(u16(off) + b(v) for off, v in pairs)

    return {
        'valid-nor': b(0x02),
        'valid-mcu': b(0x06),
        'valid-nor-own-key': b(0x0A),
        'valid-mcu-own-key': b(0x0E),
        'raw-fixture-nor': b(0x00) + fixture('store-v1-nor.bin', 0xFF),
        'raw-fixture-mcu': b(0x04) + fixture('store-v1-mcu00.bin', 0x00),
        'blank': b(0x00),
        'foreign-data': b(0x00) + bytes((i * 37 + 11) & 0xFF for i in range(64)),
        'pad-other-value': b(0x10) + fixture('store-v1-nor.bin', 0xFF)[:96],
        'bank1-header-gen': patches(0x02, (4096 + 4, 0x01)),
        'bank1-header-gone': patches(0x03, (4096, 0x00), (4097, 0x00)),
        'records-flipped': patches(0x02, (4096 + 40, 0x80), (4096 + 300, 0x01),
                                   (4096 + 700, 0x10)),
        'audit-dense': b(0x01) + u16(8192) + bytes([0x55]) * 48,
        'device-key-record': patches(0x0A, (4096 + 28, 0x01)),
        'mcu-audit-patch': patches(0x06, (8192 + 4, 0x01), (10240 + 30, 0x02)),
        # bit 5: CRCs fixed after patching, so the values themselves are fuzzed
        'crc-fixed-record-value': patches(0x22, (4096 + 104, 0x3F)),
        'crc-fixed-record-key': patches(0x22, (4096 + 20 + 1, 0x10), (4096 + 20, 0x07)),
        'crc-fixed-delete-kind': patches(0x23, (4096 + 20 + 3, 0xA5)),
        'crc-fixed-audit-seq-max': patches(0x23, (8192 + 16, 0xFF), (8192 + 17, 0xFF),
                                           (8192 + 18, 0xFF), (8192 + 19, 0xFF)),
        'crc-fixed-bank-geometry': patches(0x26, (4096 + 12, 0x01), (4, 0x07)),
        'crc-fixed-raw-fixture': b(0x20) + fixture('store-v1-nor.bin', 0xFF)[:600],
        # regression: the offline state lost while users exist (lk_user_set once
        # failed with NOENT until lk_offline_reset)
        'regress-offline-state-lost': bytes.fromhex(
            '022814802c1101bc122d010407f6f200000028e3df2225282b2e313a34373a3d40434649'
            '4c4f525510'),
    }


# ---- sensors: 4 config bytes, then op byte + operands ----
(S_SENSOR, S_POKE, S_BOLT_FORCE, S_MOVE, S_JAM, S_CLEAR_JAM, S_RUN, S_REQUEST, S_FAIL,
 S_SILENCE, S_REBOOT, S_STEP, S_KEY_TURN) = range(13)
SR = {1: 0, 5: 1, 10: 2, 29: 3, 31: 4, 50: 5, 100: 6, 300: 7, 700: 8, 1000: 9, 2100: 10,
      3000: 11, 10000: 12, 31000: 13, 65000: 14, 600000: 15}
KEY, MECH, THUMB, HANDLE, DOOR, TAMPER = 1, 2, 3, 4, 5, 6
ALL = 0x3F


def srun(ms):
    return b(S_RUN, SR[ms])


def sreq(unlock, src_index=0):
    return b(S_REQUEST, 1 if unlock else 0, src_index)


def sensors():
    return {
        'unlock-lock': b(ALL, 0, 1, 0) + sreq(1) + srun(3000) + sreq(0) + srun(3000),
        'jam-and-recover': b(ALL, 0, 0, 1, S_JAM, 0, 2) + sreq(1) + srun(3000) + srun(3000) +
                           b(S_CLEAR_JAM) + sreq(1) + srun(3000),
        'jam-not-recovered': b(ALL, 0, 0, 0, S_JAM, 0, 2, S_JAM, 1, 4) + sreq(1) +
                             srun(3000) + srun(3000) + b(S_SILENCE) + srun(65000),
        'key-turn-alarm': b(0x05, 0x20, 0, 0, S_KEY_TURN, 0) + srun(1000) + b(S_KEY_TURN, 1) +
                          srun(1000),
        'door-ajar': b(ALL, 0, 0, 1, S_SENSOR, DOOR, 1) + srun(3000) + b(S_SILENCE) +
                     b(S_SENSOR, DOOR, 0) + srun(1000),
        'tamper': b(ALL, 0, 0, 0, S_SENSOR, TAMPER, 1) + srun(100) + b(S_SILENCE) +
                  srun(65000) + b(S_SENSOR, TAMPER, 0) + srun(100),
        'forced': b(ALL, 0x0F, 0, 0, S_MOVE, 2) + srun(300) + b(S_MOVE, 0) + srun(1000),
        'sensor-fault': b(ALL, 0, 0, 0, S_FAIL, 1) + srun(100) + sreq(1) + b(S_FAIL, 0) +
                        srun(1000) + sreq(1) + srun(3000),
        'bad-levels': b(ALL, 0, 0, 0, S_POKE, 0, 7) + srun(100) + b(S_BOLT_FORCE, 5) +
                      srun(100) + sreq(1) + b(S_BOLT_FORCE, 0x80) + srun(1000),
        'late-poll': b(ALL, 0, 0, 0) + sreq(1) + b(S_STEP, 255) + srun(1000),
        'relock-held-by-door': b(ALL, 0, 1, 0) + sreq(1) + srun(3000) + b(S_SENSOR, DOOR, 1) +
                               srun(10000) + b(S_SENSOR, DOOR, 0) + srun(3000),
        'weak-supply': b(ALL, 0, 0x40, 0) + sreq(1) + srun(3000) + srun(3000),
        'clock-wrap': b(ALL, 0, 1, 2) + sreq(1) + srun(31000) + srun(31000),
        'tight-timing': b(ALL, 0, 3, 1) + sreq(1) + srun(1000) + b(S_MOVE, 3) + srun(700),
        'mid-travel-start': b(ALL, 0, 0x10, 0) + srun(100) + sreq(0) + srun(3000),
        'regress-reboot-mid-stroke': b(ALL, 0, 0, 0) + sreq(1) + srun(100) + b(S_REBOOT) +
                                     sreq(0) + srun(50) + sreq(0) + srun(3000),
    }


# ---- power: 2 config bytes, then op byte + operands ----
(P_SUPPLY, P_PORT_REPORTS, P_RUN, P_KEY, P_THUMB, P_HAND, P_REQUEST, P_REBOOT, P_JAM,
 P_DOOR) = range(10)
MV = {0: 0, 1: 1, 3599: 2, 3600: 3, 4599: 4, 4600: 5, 4601: 6, 5000: 7, 6000: 8, 9000: 9,
      12000: 10, 59999: 11, 60000: 12, 60001: 13, 65535: 14, 0xFFFFFFFF: 15}
PR = {1: 0, 10: 1, 31: 2, 100: 3, 250: 4, 600: 5, 1000: 6, 2000: 7, 2100: 8, 3000: 9,
      5000: 10, 10000: 11, 30000: 12, 61000: 13, 300000: 14, 3600000: 15}


def supply(mv):
    return b(P_SUPPLY, MV[mv])


def prun(ms):
    return b(P_RUN, PR[ms])


def key_by_hand():
    return b(P_KEY, 1, P_HAND, P_KEY, 0)


def power():
    return {
        'key-healthy-battery': b(0x04, 0) + key_by_hand() + prun(5000),
        'key-low-battery': b(0x04, 0) + supply(4599) + key_by_hand() + prun(5000),
        'key-at-the-threshold': b(0x04, 0) + supply(4600) + key_by_hand() + supply(60000) +
                                prun(61000) + key_by_hand(),
        'port-reports-over-60V': b(0x04, 0, P_PORT_REPORTS) + u16(16) + key_by_hand() +
                                 supply(6000),
        'stall-on-low-supply': b(0, 0) + supply(3599) + b(P_REQUEST, 1) + prun(3000) +
                               supply(6000) + b(P_REQUEST, 1) + prun(3000),
        'dead-battery-thumbturn': b(0x04, 3, P_THUMB, 1, P_HAND, P_THUMB, 0, P_REBOOT) +
                                  supply(6000) + prun(3000),
        'relock-after-supply-drop': b(0x10, 0, P_REQUEST, 1) + prun(3000) + supply(0) +
                                    prun(5000) + supply(6000) + prun(5000),
        'jam-without-current-sense': b(0x08, 0, P_JAM, 120, P_REQUEST, 1) + prun(3000) +
                                     prun(3000),
        'threshold-extremes': b(0x05, 1) + key_by_hand() + prun(61000) + supply(60000) +
                              key_by_hand() + supply(60001) + prun(61000) + key_by_hand(),
        'door-and-supply': b(0x04, 1, P_DOOR, 1) + prun(1000) + supply(9000) + key_by_hand() +
                           b(P_DOOR, 0) + prun(1000),
        'regress-reboot-mid-stroke': b(0, 0, P_REQUEST, 1) + prun(100) +
                                     b(P_REBOOT, P_REQUEST, 0) + prun(100) +
                                     b(P_REQUEST, 0) + prun(3000),
    }


def main():
    corpora = {'keypad': keypad(), 'api': api(), 'offline': offline(), 'storage': storage(),
               'sensors': sensors(), 'power': power()}
    total = 0
    for harness, seeds in corpora.items():
        out = os.path.join(HERE, 'corpus', harness)
        os.makedirs(out, exist_ok=True)
        # Seeds written by hand (pm-*, regress-*: tests/fuzz/README.md) stay.
        for old in os.listdir(out):
            if not old.startswith(('pm-', 'regress-')):
                os.remove(os.path.join(out, old))
        for name, data in seeds.items():
            with open(os.path.join(out, name), 'wb') as f:
                f.write(data)
            total += len(data)
        print('%-8s %2d seeds, %6d bytes' % (harness, len(seeds),
                                              sum(len(d) for d in seeds.values())))
    print('total %d bytes' % total)
    return 0


if __name__ == '__main__':
    sys.exit(main())
