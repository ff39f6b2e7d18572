"""Build the bundled Chinese report fonts from Debian's fonts-noto-cjk.

Usage::

    python scripts/build_fonts.py                 # GBK subset into report_templates/fonts/
    python scripts/build_fonts.py --charset gb2312 --out-dir /tmp/fonts-gb2312

Why this exists (measured, see report_templates/fonts/README.md):
- WeasyPrint re-subsets the embedded font for every PDF. With the full 65k-glyph CFF
  collection that costs ~8 s per report; a TrueType subset of one face costs a fraction.
- The .ttc's face 0 is Japanese; ``@font-face`` on a .ttc always takes face 0, so the
  Simplified Chinese face is picked by name and written out as a standalone font.
- GBK rather than GB2312: enterprise and place names use characters outside GB2312's
  6,763 hanzi (e.g. 珺, 昇, 堃, 喆, 玥).

The output is byte-identical on every run for the same source package: timestamps are
pinned to the source face's own ``head.created`` and nothing else depends on the clock
or on dict/set ordering.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "report_templates" / "fonts"

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
SOURCE_FAMILY = "Noto Sans CJK SC"  # the Simplified Chinese face, wherever it sits in the .ttc
WEIGHTS = {"Regular": "NotoSansCJK-Regular.ttc", "Bold": "NotoSansCJK-Bold.ttc"}

# Renamed so a PDF's embedded font shows whether the bundled subset or a system-wide
# Noto CJK was used (tests check this). "Noto" is not a Reserved Font Name; the only
# one in the source ("Source", Adobe) is not used.
OUT_FAMILY = "Noto Sans SC"
OUT_PS_PREFIX = "NotoSansSC"

# cu2qu tolerance in font units (1000 upm); the fontTools otf2ttf snippet's default.
CU2QU_MAX_ERR = 1.0

DROPPED_FEATURES = {"locl", "vert", "vrt2", "vkrn", "vpal", "valt", "vhal", "vchw", "vjmo"}

# Symbols the report templates and the lead's formatters print, beyond the GB sets.
# Most are in GBK/GB2312 already; listing them keeps the GB2312 variant complete too.
REPORT_SYMBOLS = "（）、，。：；“”‘’《》〈〉【】「」—–…·％×÷√○●△▲□■◆◇☆★≥≤≠±～→←↑↓℃‰§№"

EXTRA_RANGES: list[tuple[int, int]] = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (×, ·, °, ², ³, ±, ...)
    (0x2010, 0x2027),  # dashes, quotes, ellipsis
    (0x2030, 0x203B),  # per mille, primes, reference mark
    (0x2190, 0x2199),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: − (U+2212) in formulas, ≈, ∑, ≥ ...
    (0x2A7D, 0x2A7E),  # ⩽ ⩾ (slanted less/greater-than-or-equal)
    (0x2460, 0x2473),  # circled digits ①..⑳
    (0x2160, 0x216B),  # Roman numerals Ⅰ..Ⅻ
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF01, 0xFF5E),  # full-width ASCII forms
    (0xFFE0, 0xFFE6),  # full-width signs (￥ etc.)
]


def encodable_codepoints(codec: str) -> set[int]:
    """Every BMP code point the codec can encode (multi-byte or not)."""
    result = set()
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF or 0xE000 <= cp <= 0xF8FF:  # surrogates, private use
            continue
        try:
            chr(cp).encode(codec)
        except UnicodeEncodeError:
            continue
        result.add(cp)
    return result


def wanted_codepoints(charset: str) -> set[int]:
    codec = {"gbk": "gbk", "gb2312": "gb2312"}[charset]
    cps = encodable_codepoints(codec)
    for lo, hi in EXTRA_RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(ord(ch) for ch in REPORT_SYMBOLS)
    return cps


def ensure_source_fonts() -> None:
    if all((NOTO_DIR / name).exists() for name in WEIGHTS.values()):
        return
    print("fonts-noto-cjk missing: installing with apt-get", file=sys.stderr)
    subprocess.run(["apt-get", "update"], check=True)
    subprocess.run(["apt-get", "install", "-y", "fonts-noto-cjk"], check=True)


def load_sc_face(ttc_path: Path) -> TTFont:
    collection = TTCollection(str(ttc_path), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SOURCE_FAMILY:
            # Re-open the face on its own, not lazily, so the subsetter owns it.
            return TTFont(str(ttc_path), fontNumber=index)
    raise SystemExit(f"{ttc_path}: no face named {SOURCE_FAMILY!r}")


def subset_font(font: TTFont, codepoints: set[int]) -> None:
    options = subset.Options()
    # fontTools' default features minus vertical and locl: locl pulls in the Japanese,
    # Korean and Traditional forms (40k glyphs instead of 24k) that zh-CN text never uses.
    options.layout_features = [
        f for f in subset.Options._layout_features_default if f not in DROPPED_FEATURES
    ]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]
    options.name_languages = [0x0409]
    options.hinting = False  # CFF hints do not survive conversion to quadratic outlines
    options.desubroutinize = True
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]  # horizontal text only
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)


def cff_to_truetype(font: TTFont) -> None:
    """Same steps as fontTools' snippets/otf2ttf.py (cubic CFF -> quadratic glyf)."""
    assert font.sfntVersion == "OTTO" and "CFF " in font
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(tt_pen, CU2QU_MAX_ERR, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()

    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]
    glyf.compile(font)

    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)

    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = 0

    # Glyph names of a CID font are just "cid01234": format 3 drops them (saves space).
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, style: str, charset: str, source_version: str) -> None:
    names = font["name"]
    values = {
        1: OUT_FAMILY,
        2: style,
        3: f"{source_version};{OUT_PS_PREFIX}-{style};subset-{charset}",
        4: f"{OUT_FAMILY} {style}" if style != "Regular" else OUT_FAMILY,
        6: f"{OUT_PS_PREFIX}-{style}",
    }
    # Drop every record for these IDs (incl. Mac / other languages), then write one set.
    names.names = [r for r in names.names if r.nameID not in values]
    for name_id, value in values.items():
        names.setName(value, name_id, 3, 1, 0x0409)
    names.names.sort(key=lambda r: (r.platformID, r.platEncID, r.langID, r.nameID))


def build_weight(style: str, charset: str, out_dir: Path) -> Path:
    ttc_path = NOTO_DIR / WEIGHTS[style]
    font = load_sc_face(ttc_path)
    created = font["head"].created
    source_version = font["name"].getDebugName(5).split(";")[0]
    subset_font(font, wanted_codepoints(charset))
    cff_to_truetype(font)
    rename(font, style, charset, source_version)
    # Pin both timestamps to the source face's creation time: re-runs are byte-identical.
    font["head"].created = created
    font["head"].modified = created
    font.recalcTimestamp = False
    out_path = out_dir / f"{OUT_PS_PREFIX}-{style}.ttf"
    font.save(str(out_path), reorderTables=True)
    return out_path


def write_licence(out_dir: Path, copyright_line: str) -> Path:
    """OFL text from the Debian copyright file (deb822 continuation lines un-indented)."""
    text = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    match = re.search(r"^License: SIL-1\.1\n((?:[ \t].*\n?)+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{DEBIAN_COPYRIGHT}: no 'License: SIL-1.1' paragraph")
    body = []
    for line in match.group(1).splitlines():
        line = line[1:] if line.startswith(" ") else line
        body.append("" if line == "." else line)
    licence = "\n".join([copyright_line, "", *body]).rstrip() + "\n"
    out_path = out_dir / "OFL.txt"
    out_path.write_text(licence, encoding="utf-8")
    return out_path


def source_package_version() -> str:
    changelog = Path("/usr/share/doc/fonts-noto-cjk/changelog.Debian.gz")
    if changelog.exists():
        first = gzip.open(changelog, "rt", encoding="utf-8").readline()
        match = re.search(r"\(([^)]+)\)", first)
        if match:
            return match.group(1)
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="构建报告内置中文字体 / build bundled CJK fonts")
    parser.add_argument("--charset", choices=["gbk", "gb2312"], default="gbk")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)

    ensure_source_fonts()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    print(f"source: fonts-noto-cjk {source_package_version()}, charset {args.charset}")
    outputs = [build_weight(style, args.charset, args.out_dir) for style in WEIGHTS]
    copyright_line = TTFont(str(outputs[0]))["name"].getDebugName(0)
    outputs.append(write_licence(args.out_dir, copyright_line))
    for path in outputs:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.name}\t{path.stat().st_size:>10,} B\tsha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
