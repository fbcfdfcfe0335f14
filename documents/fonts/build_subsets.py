"""Rebuild the bundled DejaVu Sans subsets from the Debian fonts-dejavu-core files.

Run once by hand when the character ranges change:
``python documents/fonts/build_subsets.py [SOURCE_DIR]`` (default: the folder where
fontconfig finds DejaVu Sans, i.e. Debian's fonts-dejavu-core). The subsets keep Latin
(Basic, Latin-1 Supplement, Extended-A, the Romanian letters and capital sharp s),
the € sign and the usual punctuation; they drop hinting and the OpenType layout
tables (so no kerning) and are renamed, as the Bitstream Vera licence asks of
modified fonts. Small enough (≈ 36 kB each) to be embedded whole, so WeasyPrint has
nothing to subset at render time (see ``documents/pdf.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
FAMILY = "DejaVu Sans Invoice"

UNICODES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A (œ, Polish, Czech, Hungarian, ...)
    (0x0192, 0x0192),  # ƒ
    (0x0218, 0x021B),  # Ș ș Ț ț
    (0x02C6, 0x02C7),  # modifier circumflex and caron
    (0x02DA, 0x02DC),  # ring, ogonek, small tilde
    (0x1E9E, 0x1E9E),  # ẞ
    (0x2007, 0x200A),  # figure, punctuation, thin, hair spaces
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x202F, 0x202F),  # narrow no-break space (CLDR's French group separator)
    (0x2030, 0x2030),  # per mille
    (0x2039, 0x203A),  # single guillemets
    (0x2044, 0x2044),  # fraction slash
    (0x20A0, 0x20C0),  # currency signs (€ £ ₹ ₽ ₺ ...)
    (0x2116, 0x2116),  # numero sign
    (0x2122, 0x2122),  # trade mark
    (0x2212, 0x2212),  # minus sign
)

STYLES = {"DejaVuSans.ttf": "Book", "DejaVuSans-Bold.ttf": "Bold"}


def unicodes() -> list[int]:
    """Every code point the subsets keep."""
    return [code for start, end in UNICODES for code in range(start, end + 1)]


def build(source: Path, target: Path, style: str) -> None:
    """Subset one DejaVu Sans file into ``target``."""
    options = subset.Options()
    options.hinting = False
    # No OpenType layout tables at all: fontTools would parse them at every render
    # (a third of the time of the first version), and Latin invoices need no shaping.
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM", "MATH", "GDEF", "GPOS", "GSUB"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes())
    subsetter.subset(font)
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    names = {1: FAMILY, 3: f"{FAMILY} {style}", 4: f"{FAMILY} {style}", 6: postscript}
    names |= {16: FAMILY, 17: style}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    font.save(target)


def system_dejavu_dir() -> Path:
    """The folder of the system's DejaVu Sans, as fontconfig finds it."""
    command = ["fc-match", "--format=%{file}", "DejaVu Sans:style=Book"]
    # A fixed command line: nothing untrusted reaches it.
    found = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return Path(found.stdout).parent


def write_license(source: Path) -> None:
    """Copy the licence the font carries (name ID 13) next to the subsets."""
    text = TTFont(source)["name"].getDebugName(13)
    header = (
        f"{FAMILY} is a subset of DejaVu Sans 2.37 (fonts-dejavu-core), renamed as the\n"
        "licence below requires for modified fonts. Built by build_subsets.py.\n\n"
    )
    (HERE / "LICENSE").write_text(header + text.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    """Build every style from the given (or the system's) DejaVu folder."""
    source_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else system_dejavu_dir()
    for file_name, style in STYLES.items():
        target = HERE / file_name.replace("DejaVuSans", "DejaVuSansInvoice")
        build(source_dir / file_name, target, style)
        print(f"{target.name}: {target.stat().st_size} bytes")
    write_license(source_dir / "DejaVuSans.ttf")


if __name__ == "__main__":
    main()
