"""Libraries: portable ``Name.sdlibrary`` folders, and the manager that finds, opens and closes them."""

from spacedrive.operations.libraries.library import LIBRARY_EXT, Library
from spacedrive.operations.libraries.manager import LibraryManager

__all__ = ["LIBRARY_EXT", "Library", "LibraryManager"]
