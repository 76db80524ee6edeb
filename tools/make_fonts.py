"""Make the bundled PDF fonts (theme/fonts/*.otf): subsets of Noto Serif/Sans CJK SC.

Not run at build time. Run it by hand when the character set should change:

    apt-get install fonts-noto-cjk        # the sources: Debian's Noto CJK collections
    .venv/bin/python tools/make_fonts.py  # writes theme/fonts/*.otf

The subsets keep every character of GB2312 (levels 1 and 2, with its symbols), ASCII,
Latin-1, the common CJK/general punctuation and full-width forms, and every character
found in this repository's content, standards, glossary and templates. Hinting, vertical
metrics and OpenType layout tables are dropped (the PDF needs none of them), which keeps
each font near 2 MB. The families are renamed (… GB) so that they never shadow a full
Noto CJK installed on the machine. Licence: SIL OFL 1.1 (theme/fonts/OFL.txt).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCES = Path("/usr/share/fonts/opentype/noto")
SC_INDEX = 2  # the Simplified Chinese face in Debian's Noto CJK .ttc collections
FONTS = [  # (collection, output file, family name, PostScript name)
    ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular-GB.otf", "Noto Serif CJK SC GB",
     "NotoSerifCJKscGB-Regular"),
    ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular-GB.otf", "Noto Sans CJK SC GB",
     "NotoSansCJKscGB-Regular"),
]
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x2010, 0x205E),  # general punctuation (dashes, quotes, ‰, ※ …)
    (0x2100, 0x218F),  # letterlike symbols, number forms (℃, №, Ⅰ …)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics (①, ⑴, ⒈ …)
    (0x2500, 0x25FF),  # box drawing, geometric shapes
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK (㈠ …)
    (0x3380, 0x33FF),  # CJK compatibility (㎡, ㎏ …)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFF5E),  # full-width forms
    (0xFFE0, 0xFFE6),  # full-width signs (￥ …)
]
REPOSITORY_TEXT = ["content", "builder/standards", "theme/glossary.yaml", "templates", "site.yaml"]


def gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def repository_characters() -> set[str]:
    chars: set[str] = set()
    for rel in REPOSITORY_TEXT:
        path = ROOT / rel
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            try:
                chars |= set(file.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                continue
    return {c for c in chars if c.isprintable()}


def charset() -> set[str]:
    chars = gb2312() | repository_characters()
    for first, last in RANGES:
        chars |= {chr(c) for c in range(first, last + 1)}
    return chars


def rename(font: TTFont, family: str, postscript: str) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18):
            names.removeNames(nameID=record.nameID)
    for name_id, text in ((1, family), (2, "Regular"), (3, f"{postscript};budgetsite subset"),
                          (4, family), (6, postscript)):
        names.setName(text, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName = family
    top.FamilyName = family


def make(source: Path, out: Path, family: str, postscript: str, chars: set[str]) -> None:
    font = TTFont(source, fontNumber=SC_INDEX)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["DSIG", "VORG", "vhea", "vmtx", "BASE", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    rename(font, family, postscript)
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {len(font.getBestCmap())} characters, "
          f"{out.stat().st_size / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=SOURCES,
                        help="folder with Debian's Noto CJK .ttc files")
    parser.add_argument("--out", type=Path, default=ROOT / "theme/fonts")
    args = parser.parse_args()
    chars = charset()
    args.out.mkdir(parents=True, exist_ok=True)
    for collection, name, family, postscript in FONTS:
        make(args.sources / collection, args.out / name, family, postscript, chars)


if __name__ == "__main__":
    main()
