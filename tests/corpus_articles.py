"""The shared corpus's news articles as Markdown sources, for tests and benchmarks (no pytest needed)."""

import json
from pathlib import Path

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "news"


def news_articles(folder: Path, count: int = 8) -> list[Path]:
    """The corpus news articles as Markdown sources (their licence header kept in front matter)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for txt in sorted(NEWS.glob("*.txt"))[:count]:
        lines = [l for l in txt.read_text(encoding="utf-8").splitlines()]
        header = [l[2:] for l in lines if l.startswith("# ")]
        body = [l for l in lines if l.strip() and not l.startswith("#")]
        md = folder / (txt.stem + ".md")
        meta = {"title": body[0], "lang": "en", "licence": " ".join(header)}
        md.write_text("---\n" + json.dumps(meta, ensure_ascii=False) + "\n---\n\n" + "\n\n".join(body[1:]) + "\n",
                      encoding="utf-8")
        paths.append(md)
    return paths
