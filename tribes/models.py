"""Import every feature's models so Base.metadata is complete (Alembic, create_all)."""

from tribes.db import Base
from tribes.features import feature_modules

MODEL_MODULES = feature_modules("models")

__all__ = ["Base", "MODEL_MODULES"]
