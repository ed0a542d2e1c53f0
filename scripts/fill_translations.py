"""Fill zh_CN translations from a JSON map {msgid: translation}, then list what is still empty.

Usage:  .venv/bin/python scripts/update_catalogues.py
        .venv/bin/python scripts/fill_translations.py translations.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = (
    Path(__file__).resolve().parent.parent / "src/peakguard/locale/zh_CN/LC_MESSAGES/peakguard.po"
)


def main() -> None:
    with PATH.open("rb") as handle:
        catalogue = read_po(handle, locale="zh_CN")
    translations = (
        json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else {}
    )
    for message in catalogue:
        if message.id in translations:
            message.string = translations[message.id]
    with PATH.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=False)
    left = [message.id for message in catalogue if message.id and not message.string]
    print(json.dumps(left, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
