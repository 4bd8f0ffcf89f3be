#!/usr/bin/env python3
"""lock-sim's answers to bad input, checked exactly.

usage: check-errors.py LOCK-SIM CASE

Each CASE writes a scenario (or names a file or a path that cannot be used)
in a fresh temporary directory, runs lock-sim on it, and checks the exit
status and the exact message, with the file:line:col for a scenario error.
Exits 0 when lock-sim answered as expected, 1 otherwise.
"""
import os
import subprocess
import sys
import tempfile

GOOD = 'user 0 unrestricted\npin 0 user 0 246810\n'

# name: (scenario text or None, extra args, exit status, stream, expected line)
# In the expected line {scn} is the scenario's path and {dir} the temporary
# directory.
CASES = {
    # a value of the wrong kind: the column is the value's, after 'limit='
    'syntax': (GOOD + '1s attach usb limit=fast\n', [], 2, 'stderr',
               "{scn}:3:21: expected a current such as 500mA or 1.5A, got 'fast'"),
    # a string left open
    'unterminated-string': (GOOD + '1s keys "246810#\n', [], 2, 'stderr',
                            "{scn}:3:17: expected a closing '\"' for the string at column 9"),
    'unknown-action': (GOOD + '# a comment\n\n2s dance\n', [], 2, 'stderr',
                       "{scn}:5:4: expected an action (say, main, attach, detach, move-phone, "
                       "keys, card, finger, remote, offline, key, mech-code, thumbturn, handle, "
                       "force, door, escutcheon, jam, unjam, request, silence, mode), got 'dance'"),
    'bad-time': (GOOD + '1.5x keys "246810#"\n', [], 2, 'stderr',
                 "{scn}:3:1: expected a time such as 1.5s, 300ms or 2min, got '1.5x'"),
    'time-backwards': (GOOD + '2s keys "1#"\n1s keys "2#"\n', [], 2, 'stderr',
                       "{scn}:4:1: expected a time at or after 2.000s (the previous action's), "
                       "got '1s'"),
    'bad-expectation': (GOOD + 'expect unlocked by soon\n', [], 2, 'stderr',
                        "{scn}:3:20: expected a time such as 1.5s, 300ms or 2min, got 'soon'"),
    # lockcore itself refuses the setup (a weak PIN): the line that asked
    'refused-pin': ('user 0 unrestricted\npin 0 user 0 123456\n', [], 2, 'stderr',
                    "{scn}:2: lockcore refused credential 0: PIN too easy to guess (all one "
                    "digit or a straight run)"),
    'missing-file': (None, [], 2, 'stderr',
                     "lock-sim: cannot read scenario '{scn}': No such file or directory"),
    'unwritable-svg': (GOOD + 'expect locked at 1s\n', ['-o', '{dir}/no-such-dir/x.svg'], 2,
                       'stderr',
                       "lock-sim: cannot write picture '{dir}/no-such-dir/x.svg': "
                       "No such file or directory"),
    # a scenario that runs but whose expectation does not hold: status 1,
    # and the line that says which and why
    'failing-expectation': (GOOD + '1s keys "111222#"\nexpect unlocked by 5s\n', [], 1, 'stdout',
                            "  FAIL {scn}:4: expect unlocked by 5s -- never unlocked in the "
                            "10.000 s run"),
    'bad-option': (GOOD, ['--sample', '99'], 2, 'stderr',
                   "lock-sim: --sample takes 1..50 (ms), not '99'"),
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__.strip(), file=sys.stderr)
        print('cases: ' + ', '.join(CASES), file=sys.stderr)
        return 2
    exe, case = sys.argv[1], sys.argv[2]
    text, extra, want_rc, stream, want = CASES[case]
    with tempfile.TemporaryDirectory() as d:
        scn = os.path.join(d, case + '.scn')
        if text is not None:
            with open(scn, 'w', encoding='utf-8') as f:
                f.write(text)
        args = [a.format(dir=d) for a in extra]
        if '-o' not in args:
            args = ['--no-svg'] + args
        p = subprocess.run([exe] + args + [scn], capture_output=True, text=True, timeout=60)
        want = want.format(scn=scn, dir=d)
        got = p.stderr if stream == 'stderr' else p.stdout
        ok = True
        if p.returncode != want_rc:
            print(f'{case}: exit status {p.returncode}, expected {want_rc}')
            ok = False
        if want not in got.splitlines():
            print(f'{case}: expected this line on {stream}:\n  {want}')
            ok = False
        if not ok:
            print(f'--- stdout:\n{p.stdout}--- stderr:\n{p.stderr}---')
            return 1
        print(f'{case}: ok ({want})')
        return 0


if __name__ == '__main__':
    sys.exit(main())
