"""Which catalogue entries readers see, and which of them are not translated yet.

The admin speaks German and English only (WAGTAILADMIN_PERMITTED_LANGUAGES), so an
entry used only by admin code needs no Pashto; every other entry is read by the
public in every site language and must be translated. ``python scripts/catalogues.py``
lists the gaps per language (``--show LANG`` prints them as catalogue entries).
"""

import argparse
import fnmatch
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
# Source files only staff see: the admin, its emails to editors, staff sign-in.
ADMIN_ONLY = (
    "*/admin/*",
    "*/wagtail_hooks.py",
    "*/admin_views.py",
    "*/apps.py",
    "accounts/*",
    "templates/accounts/*",
    "operations/*",
    "directory/coordination_views.py",
    "directory/duplicate_views.py",
    "directory/duplicates.py",
    "directory/feedback_views.py",
    "directory/report_views.py",
    "directory/reports.py",
    "newsletter/mailbox_views.py",
    "newsletter/mailbox_hooks.py",
    "templates/directory/email/*",
    "tests/*",
)
# The source language (German, its catalogue is the one editors read) and English,
# whose msgids are the text.
CHECKED_LANGUAGES = ("ar", "ckb", "fa", "fr", "ps", "ru", "ti", "tr", "uk", "de")
MACHINE_MADE = "machine-made, needs review"


def admin_only(path: str) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in ADMIN_ONLY)


def public(entry: polib.POEntry) -> bool:
    return not entry.obsolete and any(
        not admin_only(path) for path, _line in entry.occurrences
    )


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "django.po"))


def gaps(language: str) -> list[polib.POEntry]:
    """Public entries without a translation or marked fuzzy."""
    return [
        entry
        for entry in catalogue(language)
        if public(entry) and (not entry.translated() or "fuzzy" in entry.flags)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", metavar="LANG", help="print one language's gaps")
    args = parser.parse_args()
    if args.show:
        for entry in gaps(args.show):
            print(entry, end="")
        return 0
    total = 0
    for language in CHECKED_LANGUAGES:
        missing = gaps(language)
        total += len(missing)
        public_count = sum(1 for entry in catalogue(language) if public(entry))
        print(f"{language:4} {len(missing):4} of {public_count} public entries to do")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
