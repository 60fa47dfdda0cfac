"""The pamphlet's fixed text in its reader's language: gettext catalogs (translate/locale/<lang>/LC_MESSAGES/
pamphlet.po, read with Babel, so an installed package needs no compile step) and CLDR language names, lists and
dates (Babel). A language without a catalog gets the English text, with its own names and dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

DOMAIN = "pamphlet"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@lru_cache(maxsize=None)
def _translations(lang: str) -> NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = catalog_path(lang)
    if not path.is_file():
        return NullTranslations()
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@lru_cache(maxsize=None)
def _locale(lang: str):
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


class Speaker:
    """Fixed text, language names and dates in one language (templates call it: `T.gettext("Glossary")`)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.locale = _locale(lang)

    def gettext(self, message: str, **values: object) -> str:
        text = _translations(self.lang).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = _translations(self.lang).ngettext(singular, plural, n)
        return text % ({"n": n} | values)

    def raw(self, message: str) -> str:
        """The translation with its %(name)s placeholders left in, for text that CSS fills in (page counters)."""
        return _translations(self.lang).gettext(message)

    def language(self, code: str) -> str:
        """The name of language `code` in this language, as it stands inside a sentence ("inglés")."""
        return self.locale.languages.get(code) or _locale("en").languages.get(code) or code

    def own_name(self) -> str:
        """This language's name for itself, as a label starts it ("Español")."""
        name = self.locale.get_language_name(self.lang) or self.lang
        return name[:1].upper() + name[1:]

    def date(self, value: date | datetime | str) -> str:
        """A long date ("22 de abril de 2014"); text that is not an ISO date is shown as it is."""
        from babel.dates import format_date

        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                return value
        return format_date(value, format="long", locale=self.locale)

    def list(self, items: list[str]) -> str:
        from babel.lists import format_list

        return format_list(list(items), locale=self.locale) if items else ""


def css_counter_content(template: str, counters: dict[str, str]) -> str:
    """A translated "Page %(page)s of %(pages)s" as a CSS `content` value: strings around counter() calls."""
    parts = []
    for i, piece in enumerate(re.split(r"%\((\w+)\)s", template)):
        if i % 2:
            parts.append(f"counter({counters[piece]})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts) or '""'
