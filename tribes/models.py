"""Import every feature's models so Base.metadata is complete (Alembic, create_all)."""

from sqlalchemy.engine import Engine

import tribes.groups.audit  # noqa: F401  (the audit log: a facility beside the feature models)
from tribes.db import Base
from tribes.features import feature_modules

MODEL_MODULES = feature_modules("models")

__all__ = ["Base", "MODEL_MODULES", "create_all"]


def create_all(engine: Engine) -> None:
    """Create every table (tests only; deployments use Alembic)."""
    Base.metadata.create_all(engine)
