"""Argos Translate packages on this machine: list, install (file or index), remove.

Packages live where argostranslate keeps them (ARGOS_PACKAGES_DIR, else its data folder). argostranslate reads
its settings once, at import; this module imports it only when a command needs it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OfflineError, UserError


@dataclass(frozen=True)
class InstalledModel:
    from_code: str
    to_code: str
    version: str
    path: Path
    name: str

    @property
    def identity(self) -> str:
        return f"{self.name} {self.version}".strip()


def _package():
    import argostranslate.package as package  # cheap: does not import torch

    return package


def _clear_caches() -> None:
    from .engines import argos

    argos.forget_packages()


def installed() -> list[InstalledModel]:
    """Installed translate packages, sorted by pair."""
    package = _package()
    models = []
    for directory in package.settings.package_dirs:
        if not Path(directory).is_dir():
            continue
        for path in sorted(Path(directory).iterdir()):
            if not (path / "metadata.json").is_file():
                continue
            try:
                pkg = package.Package(path)
            except (OSError, ValueError):
                continue
            if pkg.type != "translate" or not pkg.from_code or not pkg.to_code:
                continue
            models.append(
                InstalledModel(pkg.from_code, pkg.to_code, pkg.package_version or "?", path, path.name)
            )
    return sorted(models, key=lambda m: (m.from_code, m.to_code, m.version))


def packages_dir() -> Path:
    path = Path(_package().settings.package_data_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def install_file(path: Path) -> InstalledModel:
    """Install a .argosmodel file after checking it is one."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path}: not an Argos package (.argosmodel files are zip archives)")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        metas = [n for n in names if n.count("/") == 1 and n.endswith("/metadata.json")]
        if len(metas) != 1:
            raise UserError(f"{path}: not an Argos package (no top-level folder with metadata.json)")
        for name in names:
            if name.startswith("/") or ".." in Path(name).parts:
                raise UserError(f"{path}: refuses to install: archive member {name!r} points outside its folder")
        try:
            meta = json.loads(zf.read(metas[0]))
        except (ValueError, KeyError):
            raise UserError(f"{path}: metadata.json is not valid JSON") from None
        if not meta.get("from_code") or not meta.get("to_code"):
            raise UserError(f"{path}: metadata.json names no from_code/to_code")
        folder = metas[0].split("/")[0]
        # Extracted here rather than by argostranslate's install_from_path, which imports spacy and torch
        # (seconds) only to clear a cache; a half-extracted package never appears under its final name.
        target = packages_dir() / folder
        staging = Path(tempfile.mkdtemp(prefix=f".{folder}.", dir=packages_dir()))
        try:
            zf.extractall(staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging / folder, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _clear_caches()
    return InstalledModel(meta["from_code"], meta["to_code"], str(meta.get("package_version", "?")), target, folder)


def install_pair(src: str, tgt: str) -> InstalledModel:
    """Download and install the index's package for src->tgt; needs the network."""
    package = _package()
    import urllib.request

    try:
        with urllib.request.urlopen(package.settings.remote_package_index, timeout=20) as response:
            index = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise OfflineError(
            f"cannot reach the Argos package index ({getattr(exc, 'reason', exc)}): this machine looks offline; "
            "copy a .argosmodel file here and run 'translate models install FILE.argosmodel'"
        ) from None
    candidates = [m for m in index if m.get("from_code") == src and m.get("to_code") == tgt]
    if not candidates:
        raise UserError(f"the Argos package index has no {src}->{tgt} package; pivot through English "
                        f"with 'translate models install {src} en' and 'translate models install en {tgt}'")
    available = package.AvailablePackage(candidates[0])
    try:
        downloaded = available.download()
    except Exception as exc:  # argostranslate raises bare Exception on download failure
        raise OfflineError(f"downloading the {src}->{tgt} package failed ({exc}); check the connection") from None
    model = install_file(Path(downloaded))
    Path(downloaded).unlink(missing_ok=True)
    return model


def remove(src: str, tgt: str) -> list[InstalledModel]:
    gone = [m for m in installed() if (m.from_code, m.to_code) == (src, tgt)]
    if not gone:
        raise UserError(f"no Argos package for {src}->{tgt} is installed ('translate models list' shows them)")
    for model in gone:
        shutil.rmtree(model.path)
    _clear_caches()
    return gone
