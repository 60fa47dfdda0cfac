"""Argos Translate packages on this machine: list, check, install (file or index), remove.

Packages live where argostranslate keeps them (ARGOS_PACKAGES_DIR, else its data folder); only its settings
module is read here, once, when a command needs it. Engines ask this module for package folders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

from .errors import OfflineError, TranslateWarning, UserError

# argostranslate's Package takes the first of these it finds; with neither it has no tokenizer and fails at the
# first translation, not when the package is read.
TOKENIZER_FILES = ("sentencepiece.model", "bpe.model")
_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
_STAGING_PREFIX = ".translate-install-"

_generation = 0


def generation() -> int:
    """Goes up whenever this process installs or removes a package: caches of package lists compare it."""
    return _generation


def _changed() -> None:
    global _generation
    _generation += 1


class BrokenPackage(ValueError):
    """A package folder or archive argostranslate could not use; the message says why."""


@dataclass(frozen=True)
class InstalledModel:
    from_code: str
    to_code: str
    version: str
    path: Path
    name: str
    from_name: str = ""
    to_name: str = ""
    target_prefix: str = ""

    @property
    def identity(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def tokenizer(self) -> Path:
        return next(self.path / f for f in TOKENIZER_FILES if (self.path / f).is_file())


def version_key(version: str) -> tuple:
    """Sort key: PEP 440 order ("1.10" after "1.9"); a version packaging cannot read sorts first, as text."""
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def argos_settings():
    """argostranslate's settings module: the ARGOS_* variables and its settings.json, read when first imported."""
    try:
        import argostranslate.settings as settings  # cheap: json, os and pathlib only
    except (ValueError, KeyError) as exc:
        raise UserError(f"argostranslate's settings are invalid ({exc}): check the ARGOS_* environment variables "
                        "and ~/.config/argos-translate/settings.json") from None
    return settings


def package_dirs() -> list[Path]:
    return [Path(d) for d in argos_settings().package_dirs]


def packages_dir() -> Path:
    path = Path(argos_settings().package_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_metadata(raw: bytes, where: str) -> dict:
    """The metadata of a translate package, checked as argostranslate and this tool will read it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise BrokenPackage(f"{where} starts with a byte-order mark, which argostranslate cannot read; "
                            "save it as UTF-8 without BOM")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BrokenPackage(f"{where} is not UTF-8 text") from None
    except ValueError as exc:
        raise BrokenPackage(f"{where} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise BrokenPackage(f"{where} must hold a JSON object, not {type(meta).__name__}")
    kind = meta.get("type", "translate")
    if kind != "translate":
        raise BrokenPackage(f"{where} says type {kind!r}: only translation packages (type 'translate') are used")
    for key in ("from_code", "to_code"):
        code = meta.get(key)
        if code is None or code == "":
            raise BrokenPackage(f"{where} has no {key}")
        if not isinstance(code, str):
            raise BrokenPackage(f"{where}: {key} must be a language code string such as 'en', not {code!r}")
        if not _CODE.match(code):
            raise BrokenPackage(f"{where}: {key} {code!r} is not a lowercase language code such as 'en'")
    if meta["from_code"] == meta["to_code"]:
        raise BrokenPackage(f"{where} translates {meta['from_code']!r} into itself")
    for key in ("from_name", "to_name", "target_prefix"):
        if not isinstance(meta.get(key, ""), str):
            raise BrokenPackage(f"{where}: {key} must be a string")
    version = meta.get("package_version", "")
    if not isinstance(version, str | int | float) or isinstance(version, bool):
        raise BrokenPackage(f"{where}: package_version must be a string such as '1.9'")
    return meta


def _folder_agrees(folder: str, meta: dict) -> bool:
    """Index packages are named translate-<from>_<to>-<version>; a folder naming another pair would replace it."""
    def pair(a: str, b: str) -> str:
        return rf"(?<![A-Za-z0-9]){a}_{b}(?![A-Za-z0-9])"

    if re.search(pair(re.escape(meta["from_code"]), re.escape(meta["to_code"])), folder):
        return True
    return re.search(pair("[a-z]{2,3}", "[a-z]{2,3}"), folder) is None


def read_package(path: Path) -> InstalledModel:
    """One package folder, checked: metadata, model/model.bin, a tokenizer. BrokenPackage says what is wrong."""
    try:
        raw = (path / "metadata.json").read_bytes()
    except FileNotFoundError:
        raise BrokenPackage("no metadata.json") from None
    except OSError as exc:
        raise BrokenPackage(f"metadata.json: {exc.strerror or exc}") from None
    meta = parse_metadata(raw, "metadata.json")
    if not (path / "model" / "model.bin").is_file():
        raise BrokenPackage("no model/model.bin")
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        raise BrokenPackage(f"no tokenizer ({' or '.join(TOKENIZER_FILES)})")
    return InstalledModel(
        meta["from_code"], meta["to_code"], str(meta.get("package_version", "")) or "?", path, path.name,
        meta.get("from_name", ""), meta.get("to_name", ""), meta.get("target_prefix", ""),
    )


def scan() -> tuple[list[InstalledModel], list[str]]:
    """Installed translate packages (sorted by pair, newest version first) and a message per broken folder."""
    models, broken = [], []
    for directory in package_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_dir():
                continue
            try:
                models.append(read_package(path))
            except BrokenPackage as exc:
                broken.append(f"skipping the broken Argos package {path}: {exc}; remove the folder or reinstall it")
    models.sort(key=lambda m: version_key(m.version), reverse=True)
    models.sort(key=lambda m: (m.from_code, m.to_code))  # stable: newest first within a pair
    return models, broken


def installed() -> list[InstalledModel]:
    """Installed translate packages (sorted by pair, newest first); a broken folder is a warning, not an error."""
    models, broken = scan()
    for message in broken:
        warnings.warn(message, TranslateWarning, stacklevel=2)
    return models


def newest(models: list[InstalledModel]) -> dict[tuple[str, str], InstalledModel]:
    """The package each pair uses: the newest version."""
    best: dict[tuple[str, str], InstalledModel] = {}
    for m in models:
        current = best.get((m.from_code, m.to_code))
        if current is None or version_key(m.version) > version_key(current.version):
            best[(m.from_code, m.to_code)] = m
    return best


def others(model: InstalledModel) -> list[InstalledModel]:
    """The other installed versions of the model's pair."""
    pair = (model.from_code, model.to_code)
    return [m for m in scan()[0] if (m.from_code, m.to_code) == pair and m.path != model.path]


def remove_others(model: InstalledModel) -> list[InstalledModel]:
    """Remove every other installed version of the model's pair (`models install --replace`)."""
    gone = others(model)
    for other in gone:
        shutil.rmtree(other.path)
    if gone:
        _changed()
    return gone


def language_names() -> dict[str, str]:
    """Language codes an installed package or the cached package index uses, with the names they give."""
    names: dict[str, str] = {}
    try:
        index = json.loads(Path(argos_settings().local_package_index).read_bytes())
    except (OSError, ValueError):
        index = []
    for entry in index if isinstance(index, list) else []:
        if isinstance(entry, dict) and entry.get("type", "translate") == "translate":
            for side in ("from", "to"):
                code, name = entry.get(f"{side}_code"), entry.get(f"{side}_name")
                if isinstance(code, str) and _CODE.match(code):
                    names.setdefault(code, name if isinstance(name, str) and name else code)
    for m in scan()[0]:
        names[m.from_code] = m.from_name or names.get(m.from_code, m.from_code)
        names[m.to_code] = m.to_name or names.get(m.to_code, m.to_code)
    return names


# --- installing ----------------------------------------------------------------------------------------------


def _check_archive(path: Path, zf: zipfile.ZipFile) -> tuple[str, dict]:
    """The archive's one package folder and its metadata, or a UserError saying what is wrong."""
    folders = set()
    for info in zf.infolist():
        name = info.filename
        parts = PurePosixPath(name).parts
        if (name.startswith("/") or "\\" in name or ":" in (parts[0] if parts else "")
                or any(p in ("", ".", "..") for p in name.rstrip("/").split("/"))):
            raise UserError(f"{path}: refuses to install: archive member {name!r} is not a plain path inside "
                            "the package folder")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UserError(f"{path}: refuses to install: archive member {name!r} is a symbolic link")
        if parts:
            folders.add(parts[0])
    if len(folders) != 1:
        raise UserError(f"{path}: not an Argos package (expected one top-level folder, found "
                        f"{len(folders)}: {', '.join(sorted(folders)[:5]) or 'none'})")
    folder = folders.pop()
    if folder.startswith(".") or folder.startswith(_STAGING_PREFIX):
        raise UserError(f"{path}: refuses to install: package folder {folder!r} is a hidden name")
    names = set(zf.namelist())
    if f"{folder}/metadata.json" not in names:
        raise UserError(f"{path}: not an Argos package (no {folder}/metadata.json)")
    try:
        meta = parse_metadata(zf.read(f"{folder}/metadata.json"), "metadata.json")
    except BrokenPackage as exc:
        raise UserError(f"{path}: {exc}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UserError(f"{path}: metadata.json cannot be read from the archive ({exc}): download it again") from None
    if f"{folder}/model/model.bin" not in names:
        raise UserError(f"{path}: not an Argos package (no {folder}/model/model.bin)")
    if not any(f"{folder}/{t}" in names for t in TOKENIZER_FILES):
        raise UserError(f"{path}: not an Argos package (no tokenizer: {folder}/sentencepiece.model or bpe.model)")
    if not _folder_agrees(folder, meta):
        raise UserError(f"{path}: refuses to install: folder {folder!r} names another language pair than its "
                        f"metadata ({meta['from_code']} -> {meta['to_code']})")
    return folder, meta


def _staging_root(packages: Path) -> Path:
    """Beside the packages folder, never inside it (argostranslate reads every folder there as a package), and on
    its file system, so that one rename puts a package in place."""
    try:
        _clean_stale_staging(packages.parent)
        return Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=packages.parent))
    except OSError as exc:
        raise UserError(f"cannot create a staging folder in {packages.parent} ({exc.strerror or exc}): make it "
                        "writable, or set ARGOS_PACKAGES_DIR to a folder whose parent is writable") from None


def _clean_stale_staging(parent: Path) -> None:
    """Remove staging folders whose install was killed (their process is gone)."""
    for path in parent.glob(f"{_STAGING_PREFIX}*"):
        pid = path.name[len(_STAGING_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass  # alive, someone else's


def _move_into_place(staged: Path, target: Path, staging: Path) -> None:
    """Rename staged -> target; an existing target is first renamed out into the staging folder, so the packages
    folder holds the old package or the new one, whole (a kill between the two renames leaves neither)."""
    old = staging / "previous"
    if target.exists():
        os.rename(target, old)
    try:
        os.rename(staged, target)
    except OSError as exc:
        if old.exists():
            os.rename(old, target)
        raise UserError(f"cannot move the package into {target} ({exc.strerror or exc})") from None


def install_file(path: Path) -> InstalledModel:
    """Install a .argosmodel file after checking it: nothing reaches the packages folder before all is checked."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path}: not an Argos package (.argosmodel files are zip archives)")
    packages = packages_dir()
    try:
        with zipfile.ZipFile(path) as zf:
            folder, meta = _check_archive(path, zf)
            target = packages / folder
            if target.exists():
                try:
                    present = read_package(target)
                except BrokenPackage:
                    present = None
                if present is not None and (present.from_code, present.to_code) != (meta["from_code"], meta["to_code"]):
                    raise UserError(f"{path}: refuses to install: {target} holds the {present.from_code} -> "
                                    f"{present.to_code} package; remove it first ('translate models remove "
                                    f"{present.from_code} {present.to_code}')")
            staging = _staging_root(packages)
            try:
                try:
                    zf.extractall(staging / "new")
                except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                    raise UserError(f"{path}: the archive is damaged ({exc}): download it again") from None
                except OSError as exc:
                    raise UserError(f"{path}: cannot unpack into {staging} ({exc.strerror or exc})") from None
                try:
                    read_package(staging / "new" / folder)
                except BrokenPackage as exc:
                    raise UserError(f"{path}: {exc}") from None
                _move_into_place(staging / "new" / folder, target, staging)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise UserError(f"{path}: the archive is damaged ({exc}): download it again") from None
    _changed()
    return read_package(target)


def _fetch_index() -> list:
    settings = argos_settings()
    import urllib.request

    try:
        with urllib.request.urlopen(settings.remote_package_index, timeout=20) as response:
            data = response.read()
        index = json.loads(data)
    except (OSError, ValueError) as exc:
        raise OfflineError(
            f"cannot reach the Argos package index ({getattr(exc, 'reason', exc)}): this machine looks offline; "
            "copy a .argosmodel file here and run 'translate models install FILE.argosmodel'"
        ) from None
    if not isinstance(index, list):
        raise OfflineError(f"the Argos package index at {settings.remote_package_index} is not a list of packages")
    # Kept where argostranslate keeps it: its codes then count as known languages (languages.get).
    from .files import write_atomic

    try:
        write_atomic(Path(settings.local_package_index), data.decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    return index


def newest_entry(index: list, src: str, tgt: str) -> dict | None:
    candidates = [m for m in index if isinstance(m, dict) and m.get("type", "translate") == "translate"
                  and m.get("from_code") == src and m.get("to_code") == tgt]
    return max(candidates, key=lambda m: version_key(str(m.get("package_version", ""))), default=None)


def install_pair(src: str, tgt: str) -> tuple[InstalledModel, bool]:
    """Download and install the newest package the index has for src->tgt; needs the network.
    Returns the package and whether it was already installed (then nothing is downloaded)."""
    entry = newest_entry(_fetch_index(), src, tgt)
    if entry is None:
        raise UserError(f"the Argos package index has no {src}->{tgt} package; pivot through English "
                        f"with 'translate models install {src} en' and 'translate models install en {tgt}'")
    version = str(entry.get("package_version", ""))
    for m in scan()[0]:
        if (m.from_code, m.to_code, m.version) == (src, tgt, version):
            return m, True
    links = [u for u in entry.get("links", []) if isinstance(u, str)]
    if not links:
        raise UserError(f"the Argos package index lists no download link for {src}->{tgt} {version}")
    import http.client
    import urllib.request

    fd, name = tempfile.mkstemp(prefix="translate-download-", suffix=".argosmodel")
    download = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for i, url in enumerate(links):
                try:
                    out.seek(0)
                    out.truncate()
                    with urllib.request.urlopen(url, timeout=60) as response:
                        shutil.copyfileobj(response, out)
                        expected = response.headers.get("Content-Length")
                    if expected and expected.isdigit() and out.tell() != int(expected):
                        raise OSError(f"got {out.tell()} of {expected} bytes")
                    break
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    if i == len(links) - 1:
                        reason = getattr(exc, "reason", exc)
                        raise OfflineError(f"downloading the {src}->{tgt} package {version} from {url} failed "
                                           f"({reason}); check the connection and try again") from None
        return install_file(download), False
    finally:
        download.unlink(missing_ok=True)


def remove(src: str, tgt: str) -> list[InstalledModel]:
    gone = [m for m in scan()[0] if (m.from_code, m.to_code) == (src, tgt)]
    if not gone:
        raise UserError(f"no Argos package for {src}->{tgt} is installed ('translate models list' shows them)")
    for model in gone:
        shutil.rmtree(model.path)
    _changed()
    return gone
