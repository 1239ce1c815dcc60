"""Spacedrive core: a local-first file manager's engine. Pure asyncio; never imports Qt."""

from spacedrive.core import Core

__version__ = "0.1.0"
__all__ = ["Core", "__version__"]
