"""The table of pinyin readings that ``identity.name_pinyin`` reads names with.

Names are read one character at a time, each by its first reading (曾 is read as the
surname zeng where it begins a name: ``identity._SURNAME_READINGS``). Loading pypinyin's
dictionaries to do so takes 35 ms in every process that reads a name, a bulk import's
longest wait before its first row; this table of the same readings loads in 9.

``python -m kewei.customers.pinyin_table`` writes the table again from the installed
pypinyin; a test fails when the two differ.
"""

from __future__ import annotations

from pathlib import Path

TABLE = Path(__file__).with_name("data") / "pinyin.txt"


def build() -> str:
    """The table's text from pypinyin: every character it knows on the first line, their
    readings (without tones, ``lazy_pinyin``'s) separated by spaces on the second."""
    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    characters = [chr(code) for code in sorted(pinyin_dict)]
    readings = [lazy_pinyin(character, errors="ignore") for character in characters]
    known = [(c, r[0]) for c, r in zip(characters, readings, strict=True) if r]
    return "".join(c for c, _r in known) + "\n" + " ".join(r for _c, r in known) + "\n"


def read() -> dict[str, str]:
    characters, readings = TABLE.read_text(encoding="utf-8").splitlines()
    return dict(zip(characters, readings.split(" "), strict=True))


if __name__ == "__main__":
    TABLE.write_text(build(), encoding="utf-8")
    print(f"{TABLE}: {len(read())} characters")
