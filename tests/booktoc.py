"""Read ``_toc.yml``: the pages of the book, in order."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_entries() -> list[str]:
    """Every ``file:`` entry of ``_toc.yml`` (root first), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def resolve(entry: str) -> Path | None:
    """The ``.md`` or ``.ipynb`` file a toc entry names, or ``None`` if there is none."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{entry}{suffix}"
        if path.is_file():
            return path
    return None


def toc_notebooks() -> list[Path]:
    """The notebooks of the book, in toc order."""
    paths = [resolve(e) for e in toc_entries()]
    return [p for p in paths if p is not None and p.suffix == ".ipynb"]
