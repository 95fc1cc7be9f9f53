#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""png_check.py FILE.png MIN_COLOURS MIN_INK_PERCENT

Exit 0 when the PNG shows a picture: at least MIN_COLOURS colours that each
cover 100+ pixels, and at least MIN_INK_PERCENT % of pixels not background
(the most common colour). Decodes 8-bit RGB/RGBA PNGs with zlib only.
"""
import struct
import sys
import zlib
from collections import Counter


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth} type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    path, min_colours, min_ink = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    w, h, bpp, rows = decode(path)
    hist = Counter()
    for r in rows:
        for x in range(0, w * bpp, bpp):
            hist[r[x:x + 3]] += 1
    bg, bg_n = hist.most_common(1)[0]
    ink = 100.0 * (w * h - bg_n) / (w * h)
    colours = sum(1 for n in hist.values() if n >= 100)
    print(f"{path}: {w}x{h}, {colours} colours with 100+ px, {ink:.1f}% ink")
    sys.exit(0 if colours >= min_colours and ink >= min_ink else 1)


if __name__ == "__main__":
    main()
