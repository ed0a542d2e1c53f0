"""Extract every translatable sentence and merge it into the zh_CN and en catalogues.

Run after adding or changing a message:  .venv/bin/python scripts/update_catalogues.py
Then fill the empty ``msgstr`` entries of src/peakguard/locale/zh_CN/LC_MESSAGES/peakguard.po.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "peakguard" / "locale"
METHODS = [
    ("src/**.py", "python"),
    ("src/peakguard/web/templates/**.html", "jinja2"),
    ("src/peakguard/web/pages/templates/**.html", "jinja2"),
]


def extract() -> Catalog:
    template = Catalog(project="peakguard", version="0.1.0", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT,
        METHODS,
        keywords={"_": None, "gettext": None},
        options_map={
            "src/peakguard/web/templates/**.html": {"extensions": "jinja2.ext.i18n"},
            "src/peakguard/web/pages/templates/**.html": {"extensions": "jinja2.ext.i18n"},
        },
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            template.add(msgid, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update(template: Catalog, language: str) -> None:
    path = LOCALE / language / "LC_MESSAGES" / "peakguard.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale=language, project="peakguard", version="0.1.0")
        catalog.update(template, no_fuzzy_matching=True)
    with path.open("wb") as handle:
        write_po(
            handle,
            catalog,
            width=100,
            omit_header=False,
            ignore_obsolete=True,
            include_previous=False,
            sort_output=False,
        )


def main() -> None:
    template = extract()
    with (LOCALE / "peakguard.pot").open("wb") as handle:
        write_po(handle, template, width=100)
    for language in ("zh_CN", "en"):
        update(template, language)
    print(f"{len(template)} messages")


if __name__ == "__main__":
    main()
