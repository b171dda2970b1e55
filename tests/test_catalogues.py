"""Every catalogue of every domain is complete in Finnish and Swedish, and compiles.

Each plugin (and core) has its own domain, ``locale/<fi|sv>/LC_MESSAGES/<domain>.po``;
English is the msgid. The app compiles the ``.po`` files in memory at start-up
(``core.i18n.load_translations``), so a ``.mo`` file in the tree could only be a
stale copy: there must be none.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "core",
    *sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()),
    *sorted(p for p in (ROOT / "examples").glob("*/*") if (p / "locale").is_dir()),
]
LANGUAGES = ("fi", "sv")
PLACEHOLDER = re.compile(r"\$\{\w+\}")
#: ``_()``, ``core.i18n.pluralize(localizer, singular, plural, ...)``.
KEYWORDS = {"_": None, "pluralize": (2, 3)}
SIMPLE_TRANSLATE = re.compile(r'i18n:translate=""[^>]*>([^<$]+)</')
DOMAIN = re.compile(r'TranslationStringFactory\("(\w+)"\)')


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _domain(source: Path) -> str:
    """The domain a source's ``_`` names (contacts: ``myynti_contacts``)."""
    init = source / ("i18n.py" if source.name == "core" else "__init__.py")
    found = DOMAIN.search(init.read_text(encoding="utf-8"))
    assert found, f"{_where(init)} makes no TranslationStringFactory"
    return found.group(1)


def _catalogue(source: Path, language: str) -> dict[str | tuple[str, ...], object]:
    path = source / "locale" / language / "LC_MESSAGES" / f"{_domain(source)}.po"
    assert path.is_file(), f"{_where(source)}: no {_where(path)}"
    with path.open("rb") as po_file:
        return {m.id: m.string for m in read_po(po_file, locale=language) if m.id}


@pytest.mark.parametrize("source", SOURCES, ids=_where)
def test_every_message_has_finnish_and_swedish(source):
    finnish, swedish = (_catalogue(source, lang) for lang in LANGUAGES)
    for language, catalogue, other in (("fi", finnish, swedish), ("sv", swedish, finnish)):
        missing = sorted(str(m) for m in set(other) | set(catalogue) if not catalogue.get(m))
        assert not missing, f"{_where(source)}: no {language} for {missing}"
        for msgid, msgstr in catalogue.items():
            ids = msgid if isinstance(msgid, tuple) else (msgid,)
            strings = msgstr if isinstance(msgstr, tuple) else (msgstr,)
            wanted = set(PLACEHOLDER.findall(ids[-1]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) == wanted, (language, msgid, string)
                assert string, (language, msgid)


@pytest.mark.parametrize("source", SOURCES, ids=_where)
def test_the_code_s_messages_are_in_its_own_domain(source):
    """A plugin's ``_()`` and templates find their text in the plugin's own catalogue."""
    catalogue = _catalogue(source, "fi")
    singulars = {m if isinstance(m, str) else m[0] for m in catalogue}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(source), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    for template in sorted((source / "templates").rglob("*.pt")):
        text = template.read_text(encoding="utf-8")
        if f'i18n:domain="{_domain(source)}"' in text:
            found.update(" ".join(t.split()) for t in SIMPLE_TRANSLATE.findall(text))
    missing = sorted(m for m in found if m and m not in singulars)
    assert not missing, f"{_where(source)}: add to the {_domain(source)} catalogue: {missing}"


@pytest.mark.parametrize("source", SOURCES, ids=_where)
def test_the_catalogues_compile_and_no_stale_mo_is_left(source):
    for language in LANGUAGES:
        path = source / "locale" / language / "LC_MESSAGES" / f"{_domain(source)}.po"
        with path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=language)
        assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);", _where(path)
        write_mo(_Sink(), catalogue)
    assert not sorted(source.rglob("*.mo")), f"{_where(source)}: .mo files go stale; remove them"


class _Sink:
    def write(self, data: bytes) -> int:
        return len(data)
