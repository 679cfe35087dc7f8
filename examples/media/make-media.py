#!/usr/bin/env python3
"""Writes the example attachments in this folder with the Python 3 standard library only.

  air-max-90-lateral.png       640x400 illustration: a running shoe seen from the lateral side,
                               with a dashed marker where the logo goes (no real logo is drawn)
  authentication-guide-2025.pdf  one-page product guide: what to check on stitching, labels
                               and box markings

Run from anywhere: python3 examples/media/make-media.py. The output is deterministic for a given
zlib; the committed files are the reference, and examples/right.json, attachment.json and
attachment-guide.json cite their SHA-256 and size (a test checks that they agree).
"""

import math
import os
import struct
import zlib
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 640, 400
SUB = 4  # sub-scanlines per pixel row for anti-aliased fills


# ---------------------------------------------------------------------------------------------
# A small rasterizer: filled paths (cubic Bezier curves flattened), anti-aliased strokes, text.

def hexcolor(text):
    text = text.lstrip('#')
    return tuple(int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))


def cubic(p0, p1, p2, p3, steps=24):
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        u = 1 - t
        out.append((u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0],
                    u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1]))
    return out


def path(spec):
    """A closed outline from a list: ('M', x, y), ('L', x, y), ('C', x1, y1, x2, y2, x, y)."""
    points = []
    for command in spec:
        if command[0] in ('M', 'L'):
            points.append((command[1], command[2]))
        else:
            _, x1, y1, x2, y2, x, y = command
            points.extend(cubic(points[-1], (x1, y1), (x2, y2), (x, y)))
    return points


def ellipse(cx, cy, rx, ry, steps=72):
    return [(cx + rx * math.cos(2 * math.pi * i / steps), cy + ry * math.sin(2 * math.pi * i / steps)) for i in range(steps)]


def rounded_rect(x0, y0, x1, y1, r):
    k = 0.5523 * r
    return path([
        ('M', x0 + r, y0), ('L', x1 - r, y0), ('C', x1 - r + k, y0, x1, y0 + r - k, x1, y0 + r),
        ('L', x1, y1 - r), ('C', x1, y1 - r + k, x1 - r + k, y1, x1 - r, y1),
        ('L', x0 + r, y1), ('C', x0 + r - k, y1, x0, y1 - r + k, x0, y1 - r),
        ('L', x0, y0 + r), ('C', x0, y0 + r - k, x0 + r - k, y0, x0 + r, y0),
    ])


def coverage(polygons):
    """Per-pixel coverage (0..1, even-odd rule) of one or more closed polygons."""
    cov = array('f', bytes(4 * W * H))
    edges = []
    for poly in polygons:
        for i in range(len(poly)):
            (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % len(poly)]
            if y0 != y1:
                edges.append((x0, y0, x1, y1) if y0 < y1 else (x1, y1, x0, y0))
    if not edges:
        return cov
    top = max(0, int(min(e[1] for e in edges)))
    bottom = min(H - 1, int(max(e[3] for e in edges)) + 1)
    weight = 1.0 / SUB
    for row in range(top, bottom + 1):
        diff = [0.0] * (W + 1)
        part = [0.0] * (W + 1)
        touched = False
        for s in range(SUB):
            y = row + (s + 0.5) / SUB
            xs = sorted(x0 + (y - y0) * (x1 - x0) / (y1 - y0) for x0, y0, x1, y1 in edges if y0 <= y < y1)
            for k in range(0, len(xs) - 1, 2):
                a, b = max(0.0, xs[k]), min(float(W), xs[k + 1])
                if b <= a:
                    continue
                touched = True
                ia, ib = int(a), int(b)
                if ia == ib:
                    part[ia] += (b - a) * weight
                else:
                    part[ia] += (ia + 1 - a) * weight
                    diff[ia + 1] += weight
                    diff[ib] -= weight
                    part[ib] += (b - ib) * weight
        if not touched:
            continue
        run = 0.0
        base = row * W
        for x in range(W):
            run += diff[x]
            value = run + part[x]
            if value > 0.0:
                cov[base + x] = 1.0 if value > 1.0 else value
    return cov


def stroke_coverage(lines, width, dash=None):
    """Coverage of polylines drawn `width` wide with round ends; `dash` = (on, off) in pixels."""
    cov = array('f', bytes(4 * W * H))
    half = width / 2.0
    segments = []
    for line in lines:
        walked = 0.0
        for (x0, y0), (x1, y1) in zip(line, line[1:]):
            length = math.hypot(x1 - x0, y1 - y0)
            if length == 0:
                continue
            if dash is None:
                segments.append((x0, y0, x1, y1))
            else:
                on, off = dash
                t = 0.0
                while t < length:
                    phase = (walked + t) % (on + off)
                    if phase < on:
                        end = min(length, t + on - phase)
                        segments.append((x0 + (x1 - x0) * t / length, y0 + (y1 - y0) * t / length,
                                         x0 + (x1 - x0) * end / length, y0 + (y1 - y0) * end / length))
                        t = end
                    else:
                        t += on + off - phase
            walked += length
    for x0, y0, x1, y1 in segments:
        dx, dy = x1 - x0, y1 - y0
        ll = dx * dx + dy * dy
        for py in range(max(0, int(min(y0, y1) - half - 1)), min(H, int(max(y0, y1) + half + 2))):
            for px in range(max(0, int(min(x0, x1) - half - 1)), min(W, int(max(x0, x1) + half + 2))):
                cx, cy = px + 0.5, py + 0.5
                t = 0.0 if ll == 0 else max(0.0, min(1.0, ((cx - x0) * dx + (cy - y0) * dy) / ll))
                d = math.hypot(cx - x0 - t * dx, cy - y0 - t * dy)
                c = half + 0.5 - d
                if c > 0:
                    i = py * W + px
                    if c > cov[i]:
                        cov[i] = 1.0 if c > 1.0 else c
    return cov


class Canvas:
    def __init__(self, background):
        r, g, b = hexcolor(background)
        self.r = array('f', [r]) * (W * H)
        self.g = array('f', [g]) * (W * H)
        self.b = array('f', [b]) * (W * H)

    def paint(self, cov, color, opacity=1.0, clip=None):
        r, g, b = hexcolor(color)
        for i in range(W * H):
            a = cov[i]
            if a <= 0.0:
                continue
            if clip is not None:
                a *= clip[i]
                if a <= 0.0:
                    continue
            a *= opacity
            self.r[i] += (r - self.r[i]) * a
            self.g[i] += (g - self.g[i]) * a
            self.b[i] += (b - self.b[i]) * a

    def fill(self, polygons, color, opacity=1.0, clip=None):
        cov = coverage(polygons)
        self.paint(cov, color, opacity, clip)
        return cov

    def stroke(self, lines, width, color, dash=None, opacity=1.0, clip=None):
        self.paint(stroke_coverage(lines, width, dash), color, opacity, clip)

    def rect(self, x0, y0, x1, y1, color):
        r, g, b = hexcolor(color)
        for y in range(max(0, y0), min(H, y1)):
            for x in range(max(0, x0), min(W, x1)):
                i = y * W + x
                self.r[i], self.g[i], self.b[i] = r, g, b

    def text(self, x, y, text, scale, color):
        for ch in text:
            rows = FONT.get(ch)
            if rows is None:
                raise ValueError('no glyph for %r' % ch)
            for j, row in enumerate(rows):
                for i, bit in enumerate(row):
                    if bit == '#':
                        self.rect(x + i * scale, y + j * scale, x + (i + 1) * scale, y + (j + 1) * scale, color)
            x += 6 * scale

    def png(self):
        raw = bytearray()
        for y in range(H):
            raw.append(0)
            for x in range(W):
                i = y * W + x
                raw += bytes((round(self.r[i] * 255), round(self.g[i] * 255), round(self.b[i] * 255)))
        return encode_png(W, H, bytes(raw))


def text_width(text, scale):
    return (6 * len(text) - 1) * scale


# 5x7 capitals, digits and the few signs the picture uses.
FONT = {
    ' ': ['.....'] * 7,
    'A': ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
    'C': ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
    'D': ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
    'E': ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
    'G': ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.###.'],
    'H': ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
    'I': ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
    'L': ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
    'M': ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
    'N': ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
    'O': ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
    'P': ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
    'R': ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
    'S': ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
    'T': ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
    'U': ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
    'V': ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
    'W': ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '##.##', '#...#'],
    'X': ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
    'Y': ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
    '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
    '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
    '-': ['.....', '.....', '.....', '.###.', '.....', '.....', '.....'],
    ',': ['.....', '.....', '.....', '.....', '.....', '..#..', '.#...'],
}


def encode_png(width, height, raw):
    """RGB, 8 bits; each row filtered with whichever of None/Sub/Up/Paeth leaves the smallest sum."""
    stride = 3 * width
    out = bytearray()
    prev = bytes(stride)
    for y in range(height):
        row = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        candidates = [(0, row)]
        candidates.append((1, bytes((row[i] - (row[i - 3] if i >= 3 else 0)) & 255 for i in range(stride))))
        candidates.append((2, bytes((row[i] - prev[i]) & 255 for i in range(stride))))
        paeth = bytearray(stride)
        for i in range(stride):
            a = row[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            paeth[i] = (row[i] - pred) & 255
        candidates.append((4, bytes(paeth)))
        kind, data = min(candidates, key=lambda c: sum(v if v < 128 else 256 - v for v in c[1]))
        out.append(kind)
        out += data
        prev = row

    def chunk(tag, body):
        return struct.pack('>I', len(body)) + tag + body + struct.pack('>I', zlib.crc32(tag + body) & 0xffffffff)

    return (b'\x89PNG\r\n\x1a\n'
            + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'tEXt', b'Title\x00Air Max 90, lateral view, logo placement (tradeledger example illustration)')
            + chunk(b'IDAT', zlib.compress(bytes(out), 9))
            + chunk(b'IEND', b''))


# ---------------------------------------------------------------------------------------------
# The shoe: a right shoe from its lateral side, toe to the right.

def draw_shoe():
    c = Canvas('#f3f1ec')
    ink = '#3a3a3a'

    c.fill([ellipse(336, 334, 268, 9)], '#d9d5cc')

    # Upper (clip for the overlays), then its panels.
    upper = path([
        ('M', 80, 248), ('C', 68, 214, 68, 176, 82, 146), ('C', 88, 134, 104, 132, 116, 138),
        ('C', 140, 150, 160, 160, 186, 158), ('C', 206, 156, 220, 138, 232, 110),
        ('C', 237, 98, 250, 92, 262, 96), ('C', 272, 100, 279, 110, 283, 122),
        ('C', 322, 158, 382, 194, 442, 212), ('C', 502, 228, 560, 244, 584, 264),
        ('C', 593, 272, 596, 280, 594, 286), ('C', 520, 280, 450, 278, 360, 272),
        ('C', 260, 264, 150, 254, 80, 248),
    ])
    clip = c.fill([upper], '#fbfbf9')
    # Mudguard (grey suede) along the sole and over the toe.
    c.fill([path([('M', 60, 232), ('C', 150, 236, 250, 244, 340, 250), ('C', 420, 255, 490, 250, 532, 236),
                  ('C', 556, 240, 580, 252, 600, 270), ('L', 600, 300), ('L', 60, 300)])], '#b8b7b3', clip=clip)
    # Heel overlay and the lace stay in grey, the accent on the heel tab.
    c.fill([path([('M', 60, 130), ('L', 108, 140), ('C', 120, 172, 122, 212, 112, 252), ('L', 60, 252)])], '#9d9c98', clip=clip)
    c.fill([path([('M', 60, 128), ('L', 96, 134), ('C', 100, 150, 100, 168, 96, 186), ('L', 60, 186)])], '#d8363d', clip=clip)
    eyestay = path([('M', 268, 108), ('C', 320, 156, 384, 196, 446, 214), ('L', 440, 232),
                    ('C', 376, 214, 306, 172, 252, 124)])
    c.fill([eyestay], '#b8b7b3', clip=clip)
    # Tongue with its woven label.
    c.fill([rounded_rect(244, 100, 262, 116, 3)], '#d8363d', clip=clip)

    # Stitching: dashed lines inside the overlays' edges.
    c.stroke([path([('M', 72, 227), ('C', 150, 231, 250, 239, 340, 245), ('C', 420, 250, 490, 245, 530, 231),
                    ('C', 552, 235, 572, 245, 588, 258)])], 1.1, '#6d6c68', dash=(4, 3), clip=clip)
    c.stroke([path([('M', 103, 146), ('C', 114, 178, 116, 212, 107, 246)])], 1.1, '#6d6c68', dash=(4, 3), clip=clip)
    c.stroke([path([('M', 262, 120), ('C', 312, 166, 378, 204, 440, 222)])], 1.1, '#6d6c68', dash=(4, 3), clip=clip)

    # Laces from the eyelets up over the top of the stay, the eyelets in the middle of the band.
    for k in range(6):
        t = (k + 0.7) / 6.6
        top = (268 + t * (446 - 268), 108 + t * (214 - 108))
        low = (252 + t * (440 - 252), 124 + t * (232 - 124))
        eyelet = (top[0] + 0.5 * (low[0] - top[0]), top[1] + 0.5 * (low[1] - top[1]))
        lace = [eyelet, (top[0] + 14, top[1] - 8)]
        c.stroke([lace], 6.0, '#8a8985', clip=clip)
        c.stroke([lace], 4.0, '#fdfdfd', clip=clip)
        c.fill([ellipse(eyelet[0], eyelet[1], 3.4, 3.4, 24)], '#4b4a47')

    # Midsole with the visible air unit at the heel, then the outsole.
    midsole = path([
        ('M', 80, 246), ('C', 150, 252, 260, 262, 360, 270), ('C', 450, 276, 520, 278, 594, 284),
        ('C', 592, 298, 572, 308, 548, 308), ('L', 100, 308), ('C', 86, 306, 78, 296, 78, 280),
        ('C', 77, 268, 78, 256, 80, 246),
    ])
    c.fill([midsole], '#fafaf8')
    c.stroke([midsole + midsole[:1]], 1.6, ink)
    window = rounded_rect(126, 262, 232, 298, 9)
    c.fill([window], '#cfe1ec')
    for x in (150, 176, 202):
        c.stroke([[(x, 264), (x, 296)]], 3.0, '#9fb6c4')
    c.stroke([window + window[:1]], 1.6, '#5d717e')
    outsole = path([
        ('M', 78, 294), ('C', 80, 314, 90, 326, 106, 326), ('L', 548, 326), ('C', 574, 326, 596, 310, 598, 290),
        ('L', 592, 288), ('C', 586, 302, 568, 308, 546, 308), ('L', 100, 308), ('C', 90, 306, 82, 302, 78, 294),
    ])
    c.fill([outsole], '#2f2f2f')
    for x in range(120, 560, 18):
        c.stroke([[(x, 318), (x + 8, 318)]], 2.0, '#4a4a4a')

    # The upper's outline over everything.
    c.stroke([upper + upper[:1]], 2.0, ink)

    # Logo placement marker: a dashed frame on the quarter panel, corner ticks, a callout.
    blue = '#1f63d8'
    x0, y0, x1, y1 = 206, 176, 350, 230
    frame = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    c.fill([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]], blue, opacity=0.08)
    c.stroke([frame], 1.6, blue, dash=(6, 4))
    for (cx, cy, sx, sy) in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x1, y1, -1, -1), (x0, y1, 1, -1)):
        c.stroke([[(cx, cy + 12 * sy), (cx, cy), (cx + 12 * sx, cy)]], 3.0, blue)
    c.text((x0 + x1 - text_width('LOGO', 2)) // 2, (y0 + y1) // 2 - 7, 'LOGO', 2, blue)
    c.stroke([[(x1, y0), (392, 132), (418, 132)]], 1.6, blue)
    c.fill([ellipse(x1, y0, 3.5, 3.5, 24)], blue)
    c.text(424, 126, 'LOGO PLACEMENT', 2, blue)

    # Captions.
    c.text(28, 28, 'AIR MAX 90', 3, '#262626')
    c.text(28, 58, 'LATERAL VIEW, RIGHT SHOE', 2, '#5a5a5a')
    c.text(28, 372, 'TRADELEDGER EXAMPLE ILLUSTRATION - NOT A PRODUCT PHOTO', 1, '#8a877f')
    return c


# ---------------------------------------------------------------------------------------------
# The product guide: a hand-written PDF 1.4 with the standard Helvetica fonts.

GUIDE_TITLE = 'Authentication guide: stitching, labels and box markings (2025)'

GUIDE = [
    ('F2', 15, GUIDE_TITLE),
    ('F1', 10, 'Air Max 90. For customs officers, licensed importers and retailers.'),
    ('F1', 9, 'Example document of the tradeledger demonstration network; not a publication of the rights holder.'),
    ('gap',),
    ('F2', 12, '1. Stitching'),
    ('F1', 10, '- Toe box: double stitching, 8-10 stitches per inch, evenly spaced.'),
    ('F1', 10, '- Mudguard: one stitch line parallel to the midsole, about 3 mm from the edge.'),
    ('F1', 10, '- Heel counter and collar: no loose threads, no glue marks at the seams.'),
    ('gap',),
    ('F2', 12, '2. Labels'),
    ('F1', 10, '- Tongue label: woven, the registered mark centred, edges sealed.'),
    ('F1', 10, '- Inner size label: style code, sizes, country of manufacture, production period.'),
    ('F1', 10, '- The style code on the size label matches the one on the box label.'),
    ('gap',),
    ('F2', 12, '3. Box markings'),
    ('F1', 10, '- Box label: style code, colourway, size and a GTIN barcode.'),
    ('F1', 10, '- The GTIN scans to one registered on the ledger for this right (5901234123457 in the example).'),
    ('F1', 10, '- Lid print: the registered mark, even colour, no spelling errors.'),
    ('gap',),
    ('F2', 12, '4. When in doubt'),
    ('F1', 10, '- Look the GTIN up: tradeledger check product <gtin> names the rights holder and licensees.'),
    ('F1', 10, '- Compare with the image attached to the right (lateral view, logo placement).'),
    ('F1', 10, '- Hold the goods and ask the rights holder through the ledger.'),
]


def pdf_string(text):
    return '(' + text.replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)') + ')'


def make_guide():
    lines = []
    y = 780
    for item in GUIDE:
        if item[0] == 'gap':
            y -= 10
            continue
        font, size, text = item
        lines.append('BT /%s %d Tf 1 0 0 1 56 %d Tm %s Tj ET' % (font, size, y, pdf_string(text)))
        if text == GUIDE_TITLE:
            lines.append('0.12 0.39 0.85 RG 1.2 w 56 %d m 539 %d l S' % (y - 10, y - 10))
            y -= 14
        y -= round(size * 1.6)
    lines.append('0.6 0.6 0.6 RG 0.5 w 56 60 m 539 60 l S')
    lines.append('BT /F1 8 Tf 1 0 0 1 56 46 Tm (tradeledger example attachment, written by examples/media/make-media.py) Tj ET')
    content = ('\n'.join(lines) + '\n').encode('latin-1')

    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>',
        b'<< /Length %d >>\nstream\n' % len(content) + content + b'endstream',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
        ('<< /Title %s /Author (Example rights holder, tradeledger demo) /Producer (examples/media/make-media.py) /CreationDate (D:20250301000000Z) >>'
         % pdf_string(GUIDE_TITLE)).encode('latin-1'),
    ]
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b'%d 0 obj\n' % number + body + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    for offset in offsets:
        out += b'%010d 00000 n \n' % offset
    out += b'trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objects) + 1, len(objects), xref)
    return bytes(out)


def main():
    import hashlib
    files = {
        'air-max-90-lateral.png': draw_shoe().png(),
        'authentication-guide-2025.pdf': make_guide(),
    }
    for name, data in files.items():
        with open(os.path.join(HERE, name), 'wb') as handle:
            handle.write(data)
        print('%s  %d bytes  sha256 %s' % (name, len(data), hashlib.sha256(data).hexdigest()))


if __name__ == '__main__':
    main()
