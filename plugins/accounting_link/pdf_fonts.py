"""DejaVu Sans for the document PDFs, read once per process instead of once per PDF.

fpdf2's ``add_font`` parses the whole TrueType file for every document
(about 80 ms a face), and ``output`` cuts that file's 6,000 glyphs down to
the ones the document uses (another 50–90 ms a face): most of the cost of an
invoice PDF. Here each face is parsed once per process and its metrics
(fpdf2's ``TTFFont``: widths, character map, descriptor) are shared; each
document gets its own copy with its own glyph map, so what one document
prints never leaks into another's embedded font.

Before output each copy is given a fontTools ``TTFont`` to subset that is
already cut down to the base repertoire (``BASE``: Latin-1, Latin
Extended-A, the euro sign, typographic punctuation) plus whatever else the
document prints. Those cut-down fonts are cached by their extra glyphs, so
a document in Finnish, Swedish or English reuses one, and fpdf2's own
subsetting works on a few hundred glyphs: the PDF is exactly as before.
"""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer

#: Characters every document may print without a font cut of its own.
BASE = "".join(
    [
        *map(chr, range(0x20, 0x7F)),
        *map(chr, range(0xA0, 0x180)),
        "€–—‘’‚“”„•…‰‹›",
    ]
)
#: Tables neither fpdf2 nor a PDF viewer reads from an embedded font.
DROPPED_TABLES = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern"]
CUTS_KEPT = 256

_template_lock = threading.Lock()


class _Templates:
    """An ``FPDF`` that is never output: it only owns the parsed faces."""

    def __init__(self) -> None:
        self.pdf = FPDF()

    def font(self, path: Path, style: str) -> TTFFont:
        family = f"template-{path.stem}".lower()
        if family + style not in self.pdf.fonts:
            self.pdf.add_font(family, style, path)
        return self.pdf.fonts[family + style]


_templates = _Templates()


@lru_cache(maxsize=8)
def _file(path: Path) -> bytes:
    return path.read_bytes()


def _template(path: Path, style: str) -> TTFFont:
    with _template_lock:
        return _templates.font(path, style)


@lru_cache(maxsize=8)
def _base_glyphs(path: Path) -> frozenset[str]:
    cmap = TTFont(io.BytesIO(_file(path)), lazy=True).getBestCmap()
    return frozenset(cmap[ord(c)] for c in BASE if ord(c) in cmap)


def _cut(data: bytes, glyphs: Iterable[str]) -> bytes:
    """``data`` with only ``glyphs`` (and .notdef), keeping the glyph names fpdf2 looks up."""
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += DROPPED_TABLES
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=sorted(glyphs))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=8)
def _base_cut(path: Path) -> bytes:
    return _cut(_file(path), _base_glyphs(path))


@lru_cache(maxsize=CUTS_KEPT)
def _cut_font(path: Path, glyphs: frozenset[str]) -> bytes:
    """The face with only ``glyphs``: cut from the base cut when they are all in it."""
    source = _base_cut(path) if glyphs <= _base_glyphs(path) else _file(path)
    return _cut(source, glyphs)


def add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """Add the face at ``path`` to ``pdf`` as ``family`` in ``style`` ("" or "B")."""
    font = copy.copy(_template(path, style))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


class CutFontsOutput(OutputProducer):
    """fpdf2's output, each face given a cut-down font of its own to subset and embed.

    Passed as ``output(output_producer_class=...)``: it runs after the last
    footer is laid out, so every glyph the document prints is known.
    """

    def bufferize(self) -> bytearray:
        _give_cut_fonts(self.fpdf)
        return super().bufferize()


def _give_cut_fonts(pdf: FPDF) -> None:
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont) or font.color_font:
            continue
        path = Path(font.ttffile)
        used = frozenset(font.subset.get_all_glyph_names())
        # The cut glyphs keep their bounding boxes, so fpdf2's save need not redo them.
        font.ttfont = TTFont(
            io.BytesIO(_cut_font(path, used)),
            recalcTimestamp=False,
            recalcBBoxes=False,
            lazy=True,
        )


def reset() -> None:
    """Forget the parsed faces and the cuts (the next PDF reads the font files again)."""
    global _templates
    with _template_lock:
        _templates = _Templates()
    for cached in (_file, _base_glyphs, _base_cut, _cut_font):
        cached.cache_clear()
