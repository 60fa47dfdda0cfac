"""Language codes the pipeline accepts (ISO 639-1, and any code an installed Argos package or the package index
uses, such as pb and zt), with names for tables, column heads and Apertium's codes."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UserError


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, or an Argos package's code
    name: str  # English name
    native: str  # the language's own name, for column heads
    iso3: str  # ISO 639-3, as Apertium names its pairs ("" for a code only Argos packages define)
    rtl: bool = False


_LANGUAGES = [
    Language("ar", "Arabic", "العربية", "ara", rtl=True),
    Language("bg", "Bulgarian", "Български", "bul"),
    Language("ca", "Catalan", "Català", "cat"),
    Language("cs", "Czech", "Čeština", "ces"),
    Language("da", "Danish", "Dansk", "dan"),
    Language("de", "German", "Deutsch", "deu"),
    Language("el", "Greek", "Ελληνικά", "ell"),
    Language("en", "English", "English", "eng"),
    Language("eo", "Esperanto", "Esperanto", "epo"),
    Language("es", "Spanish", "Español", "spa"),
    Language("eu", "Basque", "Euskara", "eus"),
    Language("fa", "Persian", "فارسی", "fas", rtl=True),
    Language("fi", "Finnish", "Suomi", "fin"),
    Language("fr", "French", "Français", "fra"),
    Language("ga", "Irish", "Gaeilge", "gle"),
    Language("gl", "Galician", "Galego", "glg"),
    Language("he", "Hebrew", "עברית", "heb", rtl=True),
    Language("hi", "Hindi", "हिन्दी", "hin"),
    Language("hu", "Hungarian", "Magyar", "hun"),
    Language("id", "Indonesian", "Bahasa Indonesia", "ind"),
    Language("is", "Icelandic", "Íslenska", "isl"),
    Language("it", "Italian", "Italiano", "ita"),
    Language("ja", "Japanese", "日本語", "jpn"),
    Language("ko", "Korean", "한국어", "kor"),
    Language("mk", "Macedonian", "Македонски", "mkd"),
    Language("nl", "Dutch", "Nederlands", "nld"),
    Language("oc", "Occitan", "Occitan", "oci"),
    Language("pl", "Polish", "Polski", "pol"),
    Language("pt", "Portuguese", "Português", "por"),
    Language("ro", "Romanian", "Română", "ron"),
    Language("ru", "Russian", "Русский", "rus"),
    Language("sk", "Slovak", "Slovenčina", "slk"),
    Language("sr", "Serbian", "Српски", "srp"),
    Language("sv", "Swedish", "Svenska", "swe"),
    Language("tr", "Turkish", "Türkçe", "tur"),
    Language("uk", "Ukrainian", "Українська", "ukr"),
    Language("ur", "Urdu", "اردو", "urd", rtl=True),
    Language("zh", "Chinese", "中文", "zho"),
    Language("bn", "Bengali", "বাংলা", "ben"),
    Language("lt", "Lithuanian", "Lietuvių", "lit"),
    Language("lv", "Latvian", "Latviešu", "lav"),
    Language("et", "Estonian", "Eesti", "est"),
    Language("sl", "Slovenian", "Slovenščina", "slv"),
    Language("hr", "Croatian", "Hrvatski", "hrv"),
    Language("be", "Belarusian", "Беларуская", "bel"),
    Language("ka", "Georgian", "ქართული", "kat"),
    Language("hy", "Armenian", "Հայերեն", "hye"),
    Language("sw", "Swahili", "Kiswahili", "swa"),
    Language("ta", "Tamil", "தமிழ்", "tam"),
    Language("th", "Thai", "ไทย", "tha"),
    Language("vi", "Vietnamese", "Tiếng Việt", "vie"),
    Language("zu", "Zulu", "isiZulu", "zul"),
    Language("nb", "Norwegian Bokmål", "Norsk bokmål", "nob"),
    Language("sq", "Albanian", "Shqip", "sqi"),
    Language("az", "Azerbaijani", "Azərbaycanca", "aze"),
    Language("ms", "Malay", "Bahasa Melayu", "msa"),
    Language("tl", "Tagalog", "Tagalog", "tgl"),
    Language("ky", "Kyrgyz", "Кыргызча", "kir"),
]

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _LANGUAGES}
_BY_ISO3 = {lang.iso3: lang for lang in _LANGUAGES}


def package_languages() -> dict[str, Language]:
    """Codes that only Argos packages define (installed, or in the cached package index), by lowercase code."""
    from . import models

    return {code.lower(): Language(code, name, name, "") for code, name in models.language_names().items()
            if code.lower() not in LANGUAGES}


def get(code: str, *, what: str = "language") -> Language:
    """The language for an ISO 639-1 code or a code an Argos package uses; a UserError naming the known codes."""
    key = code.strip().lower() if isinstance(code, str) else ""
    lang = LANGUAGES.get(key)
    if lang is None and key:
        extra = package_languages()
        lang = extra.get(key)
        if lang is None:
            known = ", ".join(sorted(LANGUAGES))
            codes = ", ".join(sorted(lang.code for lang in extra.values()))
            more = f", or a code of an Argos package: {codes}" if extra else ""
            raise UserError(f"unknown {what} code {code!r}: use an ISO 639-1 code, one of {known}{more}")
    if lang is None:
        raise UserError(f"unknown {what} code {code!r}: use an ISO 639-1 code such as en")
    return lang


def known(code: str) -> bool:
    try:
        return get(code).code == code
    except UserError:
        return False


def from_iso3(code: str) -> Language | None:
    return _BY_ISO3.get(code)


def parse_list(value: str, *, what: str = "language") -> list[Language]:
    """'es,ru, fr' -> languages, in order, without duplicates."""
    seen: dict[str, Language] = {}
    for part in value.split(","):
        if part.strip():
            lang = get(part, what=what)
            seen.setdefault(lang.code, lang)
    if not seen:
        raise UserError(f"no {what} given")
    return list(seen.values())
