"""Spacedrive core: a local-first file manager's engine. Pure asyncio; never imports Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Core", "__version__"]

if TYPE_CHECKING:
    from spacedrive.core import Core


def __getattr__(name: str) -> Any:
    # Core pulls in SQLAlchemy and Alembic; a CLI command served by the daemon never needs them.
    if name == "Core":
        from spacedrive.core import Core

        return Core
    raise AttributeError(name)
