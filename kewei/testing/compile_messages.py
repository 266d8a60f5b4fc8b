"""Compile every ``.po`` catalogue of Kewei to ``.mo`` with polib (no GNU gettext needed).

``make messages`` runs it after ``kewei makemessages``; the compiled files are committed
so that a fresh machine needs no gettext tools. A test checks they are up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_all() -> list[Path]:
    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(path.relative_to(LOCALE_DIR.parent.parent))
    sys.exit(0)
