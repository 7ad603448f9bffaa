"""The translation catalogues: which strings each one owns, updating and compiling them.

One catalogue per feature (`tribes/<feature>/translations`) owns the strings of
`tribes/<feature>/` and `templates/<feature>/`; the core catalogue (`tribes/translations`)
owns those of the other modules in `tribes/` and of the top-level templates. Used by
`tribes i18n update|compile` and by tests/test_i18n.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from tribes.i18n import LOCALES

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE.parent / "templates"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "pgettext": ((1, "c"), 2)}
STABLE_DATE = datetime(2026, 11, 30, tzinfo=UTC)
#: the languages translated from English (English is the source text)
TRANSLATED = tuple(locale for locale in LOCALES if locale != "en")


@dataclass(frozen=True)
class Catalogue:
    """A catalogue directory and the source files whose strings it owns."""

    name: str
    directory: Path
    sources: tuple[Path, ...]

    def po(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / "messages.po"

    def mo(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / "messages.mo"


def catalogues() -> list[Catalogue]:
    """The core catalogue and one per feature package."""
    features = sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    found = [
        Catalogue(
            "core",
            PACKAGE / "translations",
            tuple(sorted(PACKAGE.glob("*.py"))) + tuple(sorted(TEMPLATES.glob("*.html"))),
        )
    ]
    for feature in features:
        sources = tuple(sorted(feature.rglob("*.py"))) + tuple(sorted((TEMPLATES / feature.name).rglob("*.html")))
        found.append(Catalogue(feature.name, feature / "translations", sources))
    return found


def extract(catalogue: Catalogue) -> Iterator[tuple[str | tuple[str, ...], str, int, str | None]]:
    """(message, file, line, context) of every translatable string in the catalogue's sources."""
    for path in catalogue.sources:
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else {}
        for line, message, _comments, context in extract_from_file(method, str(path), keywords=KEYWORDS, options=options):
            yield message, str(path.relative_to(PACKAGE.parent)), line, context


def template(catalogue: Catalogue) -> Catalog:
    """The catalogue's strings as a fresh (untranslated) catalog."""
    pot = Catalog(project="Tribes", charset="utf-8")
    for message, path, line, context in extract(catalogue):
        pot.add(message, locations=[(path, line)], context=context)
    return pot


def read(path: Path, locale: str) -> Catalog:
    """A .po file, or an empty catalog for a language not started yet."""
    if not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(catalogue: Catalogue) -> None:
    """Bring every language's .po in line with the sources (new strings empty, gone ones dropped)."""
    pot = template(catalogue)
    for locale in TRANSLATED:
        po = read(catalogue.po(locale), locale)
        po.update(pot, no_fuzzy_matching=True)
        po.obsolete.clear()
        # a stable header: updating a catalogue changes only its messages (no date churn)
        po.project, po.version, po.fuzzy = "Tribes", "1", False
        po.creation_date = po.revision_date = STABLE_DATE
        po.last_translator = po.language_team = "Tribes <tribes@localhost>"
        po.msgid_bugs_address = ""
        if not len(po) and not catalogue.po(locale).exists():
            continue
        catalogue.po(locale).parent.mkdir(parents=True, exist_ok=True)
        with catalogue.po(locale).open("wb") as handle:
            write_po(handle, po, width=100, sort_output=True, omit_header=False)


def compiled(catalogue: Catalogue, locale: str) -> bytes:
    """The .mo bytes of a language's .po."""
    buffer = io.BytesIO()
    write_mo(buffer, read(catalogue.po(locale), locale))
    return buffer.getvalue()


def compile_all() -> list[Path]:
    """Write the .mo of every .po; returns the files written."""
    written = []
    for catalogue in catalogues():
        for locale in TRANSLATED:
            if catalogue.po(locale).exists():
                catalogue.mo(locale).write_bytes(compiled(catalogue, locale))
                written.append(catalogue.mo(locale))
    return written


def missing(catalogue: Catalogue, locale: str) -> list[str]:
    """Strings of the sources with no translation in the catalogue's .po."""
    po = read(catalogue.po(locale), locale)
    gaps = []
    for message, path, line, context in extract(catalogue):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = po.get(message if isinstance(message, str) else message[0], context=context)
        translated = entry is not None and (all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        if not translated or (entry is not None and entry.fuzzy):
            gaps.append(f"{path}:{line}: {msgid!r}")
    return gaps


def stale(catalogue: Catalogue, locale: str) -> bool:
    """Whether the committed .mo says something else than its .po."""
    if not catalogue.po(locale).exists():
        return False
    if not catalogue.mo(locale).exists():
        return True
    with catalogue.mo(locale).open("rb") as handle:
        shipped = read_mo(handle)
    wanted = read(catalogue.po(locale), locale)
    # plural forms read back as a list from the .mo and as a tuple from the .po
    as_dict = lambda cat: {(m.id if isinstance(m.id, str) else m.id[0], m.context):  # noqa: E731
                           m.string if isinstance(m.string, str) else tuple(m.string) for m in cat if m.id}
    return as_dict(shipped) != as_dict(wanted)
