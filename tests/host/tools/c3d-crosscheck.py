#!/usr/bin/env python3
"""Reads a Tripod C3D export with py-c3d (the `c3d` package on PyPI, EmbodiedCognition/py-c3d:
a reader Tripod did not write; a copy is in tests/host/tools/vendor/py-c3d) and prints its force platform as CSV: time_s, FZ1..FZ4 (N), total_n,
and the TYPE 3 centre of pressure from the C3D spec's corner-sensor formulas (mm, the plate frame).

    PYTHONPATH=tests/host/tools/vendor/py-c3d python3 ...   (or pip install c3d numpy)
    python3 tests/host/tools/c3d-crosscheck.py s01.c3d > s01-pyc3d.csv
    tripod analyze s01-pyc3d.csv --x-col cop_x_mm --y-col cop_y_mm --json   # against
    tripod analyze s01.c3d --whole --json

Frames under 20 N get an empty CoP (as Tripod's own exports). Exits 1 with one line when the file
has no TYPE 3 platform.
"""
import sys

import c3d  # py-c3d

path = sys.argv[1]
with open(path, 'rb') as f:
    r = c3d.Reader(f)
    fp = r.get('FORCE_PLATFORM')
    ptype = fp.get('TYPE').int_array.ravel().tolist()
    if not ptype or ptype[0] != 3:
        print(f'{path}: no TYPE 3 force platform (FORCE_PLATFORM:TYPE {ptype})', file=sys.stderr)
        sys.exit(1)
    a, b, az0 = fp.get('ORIGIN').float_array.ravel().tolist()[:3]
    chans = [c - 1 for c in fp.get('CHANNEL').int_array.ravel().tolist()[:8]]
    rate = r.analog_rate
    print('time_s,fz1_n,fz2_n,fz3_n,fz4_n,total_n,cop_x_mm,cop_y_mm')
    i = 0
    for _, _points, analog in r.read_frames():
        for s in range(analog.shape[1]):
            v = [float(analog[c, s]) for c in chans]
            fx = v[0] + v[1]
            fy = v[2] + v[3]
            f1, f2, f3, f4 = v[4:8]
            fz = f1 + f2 + f3 + f4
            mx = b * (f1 + f2 - f3 - f4) + fy * az0
            my = a * (-f1 + f2 + f3 - f4) - fx * az0
            cop = f'{-my / fz:.4f},{mx / fz:.4f}' if abs(fz) >= 20 else ','
            print(f'{i / rate:.6f},{f1:.4f},{f2:.4f},{f3:.4f},{f4:.4f},{fz:.4f},{cop}')
            i += 1
