"""The Chinese font carried inside an HTML page, for a PC that has none.

A page that relies on the system's fonts shows empty boxes on a machine without a Chinese font
(seen with fix_list.html). The bundled Noto Sans SC is 6.9 MB, too much for every page, so each
page carries a subset of it: only the characters the page uses, as WOFF2 in a data: URL
(about 100-300 KB for a fix list). The subset depends only on the text, so identical pages stay
byte-identical (the manifest hashes every output).
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

from fontTools import subset
from fontTools.ttLib import TTFont

from flows.settings import TEMPLATE_DIR

FONT_FILE = TEMPLATE_DIR / "fonts" / "NotoSansSC-Regular.ttf"
FAMILY = "ETDZ Noto Sans SC"


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return FONT_FILE.read_bytes()


@lru_cache(maxsize=32)
def _subset_woff2(characters: str) -> bytes:
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]  # keep the font's names and licence notice
    options.layout_features = ["*"]
    font = TTFont(io.BytesIO(_font_bytes()), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def page_characters(text: str) -> str:
    """Every character a page may show, in a stable order (so the subset is too)."""
    return "".join(sorted(set(text) | set("0123456789")))


def embedded_font_face(text: str) -> str:
    """An @font-face rule with the subset for `text`, and the body rule that uses it first."""
    data = base64.b64encode(_subset_woff2(page_characters(text))).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
            f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}\n'
            f'body {{ font-family: "{FAMILY}", "Microsoft YaHei", "PingFang SC", '
            '"Noto Sans CJK SC", sans-serif; }}')
