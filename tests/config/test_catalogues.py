"""Every site language reads a complete interface, and German speaks in one register."""

import importlib
import pkgutil
import re
import subprocess

import pytest

import demo
from demo import places, seed
from scripts import catalogues

# Formal address in the middle of a sentence ("wählen Sie", "Ihre Daten"). A capital
# "Sie" at the start of a sentence may be "they", so it is left to the reader; the
# full stop of an abbreviation ("d. h. Sie müssen") does not start a sentence.
FORMAL = re.compile(
    r"(?:(?<![.!?:…„\"(]\s)|(?<=\bz\.\sB\.\s)|(?<=\bz\.B\.\s)|(?<=\bd\.\sh\.\s)"
    r"|(?<=\bbzw\.\s)|(?<=\bggf\.\s))"
    r"(?<!^)(?<![.!?:]\n)\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b"
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
        ("Noch keine Nachrichten. Melden Sie sich für den Newsletter an.", True),
        ("Die Frist läuft, d. h. Sie müssen bald kommen.", True),
        ("Bring Papiere mit, z. B. Ihren Pass.", True),
        ("Die Beratung ist kostenlos. Sie hilft bei Briefen.", False),
        ("Zwei Beiträge fehlen: Sie sind nicht veröffentlicht.", False),
    ],
)
def test_the_register_check_tells_formal_from_they(text, formal):
    assert bool(FORMAL.search(text)) is formal


def _german_demo_texts() -> list[str]:
    """Every German text of the demo region: the strings under a "de" key (a text or
    a body of blocks) in the data of every module of the demo package."""
    texts: list[str] = []

    def collect(value, german=False):
        if isinstance(value, str):
            if german:
                texts.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(item, german or key == "de")
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item, german)

    for module_info in pkgutil.iter_modules(demo.__path__):
        if not module_info.ispkg:
            module = importlib.import_module(f"demo.{module_info.name}")
            for value in vars(module).values():
                collect(value)
    return texts


def test_the_demo_region_says_du_too():
    texts = _german_demo_texts()
    assert places.TOPICS[0]["description"]["de"] in texts
    assert seed.HOME_INTRO["de"] in texts
    formal = [text for text in texts if FORMAL.search(text)]
    assert not formal, formal[:5]
