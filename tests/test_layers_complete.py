"""The layers contract names every module of `tribes`: one left out is checked by nobody
(import-linter's layers contract says nothing about modules it does not list)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_top_level_module_and_feature_is_in_a_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")["layers"]
    listed = {name for layer in layers for name in re.split(r"\s*[:|]\s*", layer.strip())}
    package = ROOT / "tribes"
    present = {f"tribes.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    present |= {f"tribes.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    assert sorted(present - listed) == []
