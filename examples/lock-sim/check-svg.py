#!/usr/bin/env python3
"""Checks that lock-sim's pictures are valid, self-contained SVG.

usage: check-svg.py LOCK-SIM SCENARIO...
       check-svg.py --self-test

Runs lock-sim on each scenario, writing its picture into a temporary
directory, and checks the picture: well-formed XML (Python's expat parser;
`xmllint --noout` as well when it is installed), an <svg> root in the SVG
namespace with a width, a height and a viewBox, nothing that runs or loads
(no <script>, <foreignObject>, on* attributes, external href or url()), and
the parts the picture promises: the bolt plot, the events lane, and for a
run with the power model the power plot and the "ready to stroke" line.
Exits 0 when every picture passes, 1 otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'


def check(path, power):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f'not well-formed XML: {e}']
    if root.tag != SVG + 'svg':
        problems.append(f'root element is {root.tag}, not svg in the SVG namespace')
    for a in ('width', 'height', 'viewBox'):
        if not root.get(a):
            problems.append(f'the svg element has no {a}')
    texts = []
    polylines = 0
    for el in root.iter():
        tag = el.tag.replace(SVG, '')
        if tag in ('script', 'foreignObject', 'iframe', 'object', 'embed', 'image', 'use'):
            problems.append(f'<{tag}> element')
        for k, v in el.attrib.items():
            name = k.split('}')[-1]
            if name.lower().startswith('on'):
                problems.append(f'event attribute {name} on <{tag}>')
            if name == 'href' or 'url(' in v:
                problems.append(f'external reference {name}="{v}" on <{tag}>')
        if tag == 'polyline':
            polylines += 1
            pts = el.get('points', '').split()
            if not pts or any(len(p.split(',')) != 2 for p in pts):
                problems.append('a polyline with malformed points')
        if el.text:
            texts.append(el.text)
    alltext = ' '.join(texts)
    want = ['bolt (0 = retracted', 'lockcore']
    if power:
        want += ['power into the reserve', 'ready to stroke']
    for w in want:
        if w not in alltext:
            problems.append(f'no text "{w}"')
    if polylines == 0:
        problems.append('no plotted line')
    if shutil.which('xmllint'):
        p = subprocess.run(['xmllint', '--noout', path], capture_output=True, text=True)
        if p.returncode != 0:
            problems.append('xmllint: ' + p.stderr.strip())
    return problems


def self_test():
    """The checker rejects what it must: each of these fails, the good one passes."""
    head = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
            'viewBox="0 0 10 10">')
    body = ('<text>bolt (0 = retracted</text><text>lockcore</text>'
            '<polyline points="0,0 1,1"/>')
    cases = {
        'good': (head + body + '</svg>', True),
        'truncated': (head + body, False),
        'script': (head + body + '<script>alert(1)</script></svg>', False),
        'onload': (head.replace('<svg ', '<svg onload="x()" ') + body + '</svg>', False),
        'external': (head + body + '<a href="http://example.com/">x</a></svg>', False),
        'no-viewbox': (head.replace(' viewBox="0 0 10 10"', '') + body + '</svg>', False),
        'not-svg': ('<html>' + body + '</html>', False),
        'no-plot': (head + '<text>bolt (0 = retracted</text><text>lockcore</text></svg>', False),
    }
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for name, (text, good) in cases.items():
            path = os.path.join(d, name + '.svg')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            problems = check(path, False)
            if (not problems) != good:
                print(f'self-test {name}: {"rejected" if problems else "accepted"}, '
                      f'should be {"accepted" if good else "rejected"} {problems}')
                bad += 1
            else:
                print(f'self-test {name}: {"accepted" if good else "rejected"}: ok')
    return 1 if bad else 0


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        return self_test()
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    exe = sys.argv[1]
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for scn in sys.argv[2:]:
            out = os.path.join(d, os.path.basename(scn) + '.svg')
            p = subprocess.run([exe, '-q', '-o', out, scn], capture_output=True, text=True,
                               timeout=120)
            if p.returncode not in (0, 1) or not os.path.exists(out):
                print(f'{scn}: lock-sim exited {p.returncode}:\n{p.stdout}{p.stderr}')
                failed += 1
                continue
            with open(scn, encoding='utf-8') as f:
                power = not any(l.split('#')[0].split() == ['board', 'off'] for l in f)
            problems = check(out, power)
            if problems:
                failed += 1
                print(f'{scn}: {out}:')
                for pr in problems:
                    print(f'  {pr}')
            else:
                print(f'{scn}: valid SVG, {os.path.getsize(out)} bytes')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
