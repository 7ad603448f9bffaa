"""The feature packages, in dependency order; create_app and Alembic discover them here."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

FEATURES = (
    "accounts",
    "groups",
    "notifications",
    "mail",
    "contacts",
    "privacy",
    "chat",
    "meetups",
    "joining",
    "moderation",
    "digest",
    "siteadmin",
    "announcements",
)


def feature_modules(name: str) -> list[ModuleType]:
    """Import `tribes.<feature>.<name>` for every feature that has such a module."""
    modules = []
    for feature in FEATURES:
        dotted = f"tribes.{feature}.{name}"
        if importlib.util.find_spec(f"tribes.{feature}") and importlib.util.find_spec(dotted):
            modules.append(importlib.import_module(dotted))
    return modules
