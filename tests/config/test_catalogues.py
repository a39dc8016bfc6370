"""Every site language reads a complete interface, and German speaks in one register."""

import re
import subprocess

import pytest

from scripts import catalogues

# Formal address in the middle of a sentence ("wählen Sie", "Ihre Daten"). A capital
# "Sie" at the start of a sentence may be "they", so it is left to the reader.
FORMAL = re.compile(
    r"(?<![.!?:…„\"(]\s)(?<!^)(?<![.!?:]\n)\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b"
)
# ps, ckb and ti were translated by machine; a reviewer removes the mark.
MACHINE_LANGUAGES = ("ckb", "ps", "ti")


@pytest.mark.parametrize("language", catalogues.CHECKED_LANGUAGES)
def test_every_public_string_is_translated(language):
    missing = catalogues.gaps(language)
    assert not missing, (
        f"{len(missing)} public strings in {language} are untranslated or fuzzy "
        f"(python scripts/catalogues.py --show {language}), e.g. "
        + "; ".join(repr(entry.msgid[:60]) for entry in missing[:5])
    )


@pytest.mark.parametrize("language", catalogues.CHECKED_LANGUAGES)
def test_placeholders_survive_translation(language):
    path = catalogues.LOCALES / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", MACHINE_LANGUAGES)
def test_machine_made_translations_are_marked_for_review(language):
    unmarked = [
        entry.msgid
        for entry in catalogues.catalogue(language)
        if catalogues.public(entry)
        and entry.translated()
        and catalogues.MACHINE_MADE not in entry.tcomment
    ]
    assert not unmarked, unmarked[:5]


def test_german_says_du_everywhere():
    formal = [
        entry.msgstr
        for entry in catalogues.catalogue("de")
        if not entry.obsolete and FORMAL.search(entry.msgstr)
    ]
    assert not formal, formal[:5]


@pytest.mark.parametrize(
    "text, formal",
    [
        ("Bitte wählen Sie eine Datei aus.", True),
        ("Hier findest du Ihre Beratung.", True),
        ("Sie kommen in ein paar Minuten.", False),
        ("Die Daten sind da. Sie hängen als Datei an.", False),
        ("Wähle eine Datei aus.", False),
    ],
)
def test_the_register_check_tells_formal_from_they(text, formal):
    assert bool(FORMAL.search(text)) is formal
