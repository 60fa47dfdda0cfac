"""translate.yaml, the project file (like mkdocs.yml): one typed, documented option per key, every mistake
reported at once with file, line and what was expected. Command-line options override it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable

from . import languages
from .errors import UserError, shown
from .files import MAX_PROJECT_BYTES, YamlLines, read_yaml

CONFIG_NAME = "translate.yaml"
LAYOUTS = ("parallel", "interleaved", "target")
PAPERS = ("A4", "A5", "Letter")
PDF_VARIANTS = ("pdf/a-3u+pdf/ua-1", "pdf/a-3u", "pdf/ua-1", "none")
FORMATS = ("pdf", "html", "md")


@dataclass(frozen=True)
class ProjectConfig:
    """Everything a run needs; relative paths are relative to the folder of translate.yaml."""

    source: tuple[Path, ...] = (Path("source"),)
    output: Path = Path("build")
    source_lang: str | None = None  # None: each article's own `lang`
    targets: tuple[str, ...] = ()
    engine: str = "auto"
    glossaries: tuple[Path, ...] | None = None  # None: every glossaries/*.yaml
    layout: str = "parallel"
    source_side: str = "left"
    paper: str = "A4"
    booklet: bool = False
    pdf_variant: str | None = "pdf/a-3u+pdf/ua-1"  # "none": tagged, no conformance claimed
    marks: bool = False
    formats: tuple[str, ...] = ("md", "pdf")
    theme: Path | None = None
    jobs: int = 0  # 0: as many as the CPUs this process may use
    strict_terms: bool = False
    memory: bool = True
    translations: Path = Path("translations")  # the review store: reviewed translations, outside the output
    strict_review: bool = False
    path: Path | None = field(default=None, compare=False)  # the file this came from

    @property
    def root(self) -> Path:
        """The project's folder: translate.yaml's, else the current one (review references are relative to it)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def override(self, **values: Any) -> "ProjectConfig":
        """A copy with the options the user passed on the command line (None means: not passed)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def _str_choice(choices: tuple[str, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value

    return check


def _lang(value: Any) -> str:
    if not isinstance(value, str) or not languages.known(value):
        raise ValueError("an ISO 639-1 language code such as en, or the code of an installed Argos package")
    return value


def _langs(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError("a list of language codes, e.g. [es, fr, ru]")
    out = []
    for item in items:
        code = str(item).strip()
        if not languages.known(code):
            raise ValueError(f"language codes; {shown(code)} is not one")
        out.append(code)
    return tuple(dict.fromkeys(out))


def _paths(value: Any) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise ValueError("a path or a list of paths")
    return tuple(Path(i) for i in items)


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError("a path")
    return Path(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _jobs(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("a whole number >= 1")
    return value


def _formats(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items or any(str(i).strip() not in FORMATS for i in items):
        raise ValueError(f"a list of formats among {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(str(i).strip() for i in items))


# key in translate.yaml -> (field, parser, documentation)
OPTIONS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    "source": ("source", _paths, "folder(s) or files of Markdown articles"),
    "output": ("output", _path, "output folder"),
    "from": ("source_lang", _lang, "source language (default: each article's lang)"),
    "to": ("targets", _langs, "target languages"),
    "engine": ("engine", _str_choice(("auto", "argos", "apertium")), "auto, argos or apertium"),
    "glossaries": ("glossaries", _paths, "glossary files (default: glossaries/*.yaml)"),
    "layout": ("layout", _str_choice(LAYOUTS), "pamphlet layout"),
    "source_side": ("source_side", _str_choice(("left", "right")), "side of the source column"),
    "paper": ("paper", _str_choice(PAPERS), "paper size"),
    "booklet": ("booklet", _bool, "half-size pages imposed on the paper's sheets, with an A5 reading copy"),
    "pdf_variant": ("pdf_variant", _str_choice(PDF_VARIANTS), "PDF/A-3u and/or PDF/UA-1, or none"),
    "marks": ("marks", _bool, "crop and fold marks in a bleed around the page or sheet"),
    "formats": ("formats", _formats, "outputs to write: md, pdf, html"),
    "theme": ("theme", _path, "folder of templates and CSS overriding the built-in theme"),
    "jobs": ("jobs", _jobs, "worker processes for language pairs and PDFs (default: the CPUs)"),
    "strict_terms": ("strict_terms", _bool, "fail the run when a glossary term is not realized"),
    "memory": ("memory", _bool, "keep a translation memory under the output folder"),
    "translations": ("translations", _path, "folder of reviewed translations (one PO file per language)"),
    "strict_review": ("strict_review", _bool, "fail the run while a segment is not reviewed or is stale"),
}
_PATH_FIELDS = {"source", "output", "glossaries", "theme", "translations"}


def load_config(path: Path) -> ProjectConfig:
    data, root = read_yaml(path, MAX_PROJECT_BYTES, "a project file")
    lines = YamlLines(str(path), root)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{lines.at(root)}: translate.yaml must be a mapping of options ({', '.join(OPTIONS)})")
    errors: list[str] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = lines.at(lines.child(root, str(key)))
        if key not in OPTIONS:
            errors.append(f"{where}: unknown option {shown(key)} (known: {', '.join(OPTIONS)})")
            continue
        name, parse, doc = OPTIONS[key]
        try:
            parsed = parse(value)
        except ValueError as exc:
            errors.append(f"{where}: '{key}' ({doc}): expected {exc}, got {shown(value)}")
            continue
        if name in _PATH_FIELDS:
            base = path.parent
            parsed = tuple(base / p for p in parsed) if isinstance(parsed, tuple) else base / parsed
        values[name] = parsed
    if errors:
        raise UserError("\n".join(errors))
    # reviewed translations belong to the project: by default beside its translate.yaml, wherever the run starts
    values.setdefault("translations", path.parent / "translations")
    return ProjectConfig(path=path, **values)


def find_config(start: Path | None = None) -> Path | None:
    """translate.yaml in the current folder (the project root), if there is one."""
    candidate = (start or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def option_names() -> list[str]:
    return [f.name for f in fields(ProjectConfig)]
