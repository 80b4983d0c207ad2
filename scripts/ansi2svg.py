#!/usr/bin/env python3
"""ansi2svg.py: a terminal screen with ANSI colours (`tmux capture-pane -e -p -N`) as an SVG.

Standard library only. Reads the capture on stdin (or a file), writes the SVG on stdout (or
`-o FILE`).

    tmux capture-pane -e -p -N -t main | scripts/ansi2svg.py --cols 200 --rows 50 -o out.svg

What it understands:
  * SGR: reset, bold (1), dim (2), italic (3), underline (4), reverse (7), hidden (8),
    strike (9) and their resets (22-29); foreground/background in the 16 colours (30-37,
    90-97, 40-47, 100-107), 256 colours (38;5;N / 48;5;N) and truecolor (38;2;R;G;B, also the
    colon forms 38:5:N, 38:2::R:G:B); 39/49 default colours. Underline colour (58/59) is
    parsed and ignored. Other CSI and OSC sequences (e.g. OSC 8 links) are dropped.
  * The state carries from line to line, as tmux writes it (it only emits changes).
  * Layout: one cell per character as tmux gives it, two cells for an East Asian Wide /
    Fullwidth character (tmux writes a wide glyph once and skips its padding cell), none for
    a combining mark. Every glyph is placed at its own cell's x (runs of plain ASCII get one x
    and a textLength), so box-drawing characters and symbols drawn from a fallback font
    cannot push the rest of the line out of the grid. A line that does not come out at the
    pane's width is reported on stderr (the layout rule above disagreed with the terminal).
    (Lines may be shorter: tmux leaves out cells that were never written.)
"""

import argparse
import html
import re
import sys
import unicodedata

# A dark palette for the 16 ANSI colours (close to common terminal defaults).
PALETTE16 = [
    "#1d1f21", "#cc6666", "#8fb560", "#e0b050", "#6a9fd4", "#b294bb", "#5fb3b3", "#c5c8c6",
    "#666a6e", "#ff7b72", "#a6da7c", "#f7d774", "#8cc2ff", "#d7a8e6", "#8ee3e3", "#ffffff",
]
DEFAULT_FG = "#d0d3d4"
DEFAULT_BG = "#16181a"

FONT_SIZE = 14.0
CELL_W = 8.4  # 0.6 em: the advance of DejaVu Sans Mono, Menlo, Consolas…
CELL_H = 18.0
PAD = 10.0
FONTS = "'DejaVu Sans Mono','Menlo','Consolas','Liberation Mono','Noto Sans Mono',monospace"


def color256(n):
    """The hex colour of a 256-colour index."""
    if n < 16:
        return PALETTE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return "#%02x%02x%02x" % (r, g, b)
    v = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "hidden", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None = default
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = False
        self.reverse = self.hidden = self.strike = False

    def copy(self):
        s = Style()
        for k in Style.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def resolved(self):
        """(fg, bg, bold, dim, italic, underline, strike, hidden): colours as hex, reverse applied."""
        fg = self.fg or DEFAULT_FG
        bg = self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        return (fg, bg, self.bold, self.dim, self.italic, self.underline, self.strike, self.hidden)


def parse_extended(params, i):
    """A 38/48/58 colour starting at params[i] (the 38); returns (colour or None, next index)."""
    p = params[i]
    if ":" in p:  # colon form: 38:5:N or 38:2:[CS]:R:G:B
        sub = p.split(":")
        try:
            if sub[1] == "5":
                return color256(int(sub[2]) & 255), i + 1
            if sub[1] == "2":
                rgb = [int(x or 0) for x in sub[2:]][-3:]
                return "#%02x%02x%02x" % tuple(v & 255 for v in rgb), i + 1
        except (IndexError, ValueError):
            pass
        return None, i + 1
    try:
        kind = params[i + 1]
        if kind == "5":
            return color256(int(params[i + 2]) & 255), i + 3
        if kind == "2":
            r, g, b = (int(params[i + k] or 0) & 255 for k in (2, 3, 4))
            return "#%02x%02x%02x" % (r, g, b), i + 5
    except (IndexError, ValueError):
        pass
    return None, len(params)


def apply_sgr(style, arg):
    params = arg.split(";") if arg else ["0"]
    i = 0
    while i < len(params):
        p = params[i]
        head = p.split(":")[0]
        n = int(head) if head.isdigit() else 0
        if n in (38, 48, 58):
            c, i = parse_extended(params, i)
            if n == 38 and c:
                style.fg = c
            elif n == 48 and c:
                style.bg = c
            continue
        if n == 0:
            style.reset()
        elif n == 1:
            style.bold = True
        elif n == 2:
            style.dim = True
        elif n == 3:
            style.italic = True
        elif n == 4:
            style.underline = p != "4:0"
        elif n == 7:
            style.reverse = True
        elif n == 8:
            style.hidden = True
        elif n == 9:
            style.strike = True
        elif n == 21:
            style.underline = True
        elif n == 22:
            style.bold = style.dim = False
        elif n == 23:
            style.italic = False
        elif n == 24:
            style.underline = False
        elif n == 27:
            style.reverse = False
        elif n == 28:
            style.hidden = False
        elif n == 29:
            style.strike = False
        elif 30 <= n <= 37:
            style.fg = PALETTE16[n - 30]
        elif n == 39:
            style.fg = None
        elif 40 <= n <= 47:
            style.bg = PALETTE16[n - 40]
        elif n == 49:
            style.bg = None
        elif 90 <= n <= 97:
            style.fg = PALETTE16[n - 90 + 8]
        elif 100 <= n <= 107:
            style.bg = PALETTE16[n - 100 + 8]
        i += 1


ESC_RE = re.compile(
    r"\x1b\[([0-9;:?<=>]*)([ -/]*[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[()][0-9A-Za-z]"  # charset
    r"|\x1b[^\[\]]"  # other two-byte escapes
)


def char_width(ch):
    if unicodedata.combining(ch):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    o = ord(ch)
    if o < 32 or 0x7F <= o < 0xA0 or o in (0x200B, 0x200D, 0xFE0F):
        return 0
    return 1


def parse(text):
    """The screen as lines of cells: (char, width, Style) per glyph."""
    style = Style()
    lines = []
    for raw in text.split("\n"):
        cells = []
        pos = 0
        for m in ESC_RE.finditer(raw):
            for ch in raw[pos:m.start()]:
                cells.append((ch, char_width(ch), style.copy()))
            pos = m.end()
            if m.group(2) == "m":
                apply_sgr(style, m.group(1))
        for ch in raw[pos:]:
            cells.append((ch, char_width(ch), style.copy()))
        lines.append(cells)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def fmt(x):
    return ("%.2f" % x).rstrip("0").rstrip(".")


def render(lines, cols, rows, title):
    width = PAD * 2 + cols * CELL_W
    height = PAD * 2 + rows * CELL_H
    out = []
    out.append(
        '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" '
        'font-family="%s" font-size="%s">' % (fmt(width), fmt(height), fmt(width), fmt(height),
                                              html.escape(FONTS, quote=True), fmt(FONT_SIZE)))
    out.append("<title>%s</title>" % html.escape(title))
    out.append(
        "<style>text{white-space:pre;dominant-baseline:auto}"
        ".b{font-weight:bold}.i{font-style:italic}.u{text-decoration:underline}"
        ".s{text-decoration:line-through}.d{opacity:.6}</style>")
    out.append('<rect width="100%%" height="100%%" rx="6" fill="%s"/>' % DEFAULT_BG)
    texts = []
    rects = []
    for row, cells in enumerate(lines[:rows]):
        y_top = PAD + row * CELL_H
        baseline = y_top + CELL_H * 0.76
        col = 0
        runs = []  # (start col, [chars], [cols], style tuple)
        bg_run = None  # [start col, end col, colour]
        for ch, w, st in cells:
            if w == 0:
                if runs:
                    runs[-1][1][-1] += ch
                continue
            r = st.resolved()
            bg = r[1]
            if bg != DEFAULT_BG:
                if bg_run and bg_run[2] == bg and bg_run[1] == col:
                    bg_run[1] = col + w
                else:
                    if bg_run:
                        rects.append((row, *bg_run))
                    bg_run = [col, col + w, bg]
            if ch != " " and not r[7]:
                key = (r[0], r[2], r[3], r[4], r[5], r[6])
                ascii_ok = ch.isascii() and w == 1
                last = runs[-1] if runs else None
                if (last and last[3] == key and last[4] and ascii_ok
                        and last[2][-1] + 1 == col):
                    last[1].append(ch)
                    last[2].append(col)
                else:
                    runs.append([col, [ch], [col], key, ascii_ok])
            col += w
        if bg_run:
            rects.append((row, *bg_run))
        if col > cols:
            sys.stderr.write("ansi2svg: line %d is %d cells wide, the pane %d\n" % (row + 1, col, cols))
        for start, chars, cs, key, ascii_ok in runs:
            fg, bold, dim, italic, underline, strike = key
            cls = " ".join(c for c, on in (("b", bold), ("i", italic), ("u", underline),
                                            ("s", strike), ("d", dim)) if on)
            attrs = ' fill="%s"' % fg if fg != DEFAULT_FG else ""
            if cls:
                attrs += ' class="%s"' % cls
            text = html.escape("".join(chars), quote=False)
            if ascii_ok and len(chars) > 1:
                attrs += ' x="%s" textLength="%s" lengthAdjust="spacingAndGlyphs"' % (
                    fmt(PAD + start * CELL_W), fmt(len(chars) * CELL_W))
            else:
                attrs += ' x="%s"' % " ".join(fmt(PAD + c * CELL_W) for c in cs)
            texts.append((baseline, attrs, text))
    for row, c0, c1, colour in rects:
        out.append('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>' % (
            fmt(PAD + c0 * CELL_W), fmt(PAD + row * CELL_H), fmt((c1 - c0) * CELL_W + 0.4),
            fmt(CELL_H + 0.4), colour))
    # One <text> per line, one <tspan> per style run.
    out.append('<g fill="%s">' % DEFAULT_FG)
    by_line = {}
    for baseline, attrs, text in texts:
        by_line.setdefault(baseline, []).append("<tspan%s>%s</tspan>" % (attrs, text))
    for baseline in sorted(by_line):
        out.append('<text y="%s">%s</text>' % (fmt(baseline), "".join(by_line[baseline])))
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def verify(svg, plain):
    """Rebuilds the character grid from the SVG's tspans (each glyph at its x) and compares it
    with the plain capture (`tmux capture-pane -p`); returns the differing line numbers."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    grid = {}
    for text in ET.fromstring(svg).iter(ns + "text"):
        row = round((float(text.get("y")) - PAD - CELL_H * 0.76) / CELL_H)
        for span in text.iter(ns + "tspan"):
            xs = [float(x) for x in span.get("x").split()]
            chars = list(span.text or "")
            if len(xs) == 1 and len(chars) > 1:
                xs = [xs[0] + i * CELL_W for i in range(len(chars))]
            line = grid.setdefault(row, {})
            for x, ch in zip(xs, chars):
                line[round((x - PAD) / CELL_W)] = ch
    bad = []
    for row, want in enumerate(plain.split("\n")):
        cells = []
        for ch in want:
            w = char_width(ch)
            if w:
                cells.append(ch)
                cells.extend([""] * (w - 1))
        got = grid.get(row, {})
        have = "".join(got.get(c, " ") if cells[c] else "" for c in range(len(cells)))
        if have.rstrip() != want.rstrip():
            bad.append(row + 1)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help="capture file (default: stdin)")
    ap.add_argument("-o", "--output", help="SVG file (default: stdout)")
    ap.add_argument("--cols", type=int, help="pane width (default: the widest line)")
    ap.add_argument("--rows", type=int, help="pane height (default: the number of lines)")
    ap.add_argument("--title", default="calltop", help="the SVG's <title>")
    ap.add_argument("--verify", metavar="PLAIN",
                    help="check the SVG's glyphs sit where the plain capture has them")
    a = ap.parse_args()
    if a.input:
        with open(a.input, encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    lines = parse(text)
    cols = a.cols or max((sum(w for _, w, _ in l) for l in lines), default=80)
    rows = a.rows or len(lines)
    svg = render(lines, cols, rows, a.title)
    if a.output:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(svg)
    else:
        sys.stdout.write(svg)
    if a.verify:
        with open(a.verify, encoding="utf-8", errors="replace") as f:
            bad = verify(svg, f.read())
        if bad:
            sys.stderr.write("ansi2svg: lines %s differ from %s\n" % (bad, a.verify))
            sys.exit(1)


if __name__ == "__main__":
    main()
