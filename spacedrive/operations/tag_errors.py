"""The errors of tagging. Light on purpose: the CLI imports this module so their codes cross the control
socket (``errors.error_from_dict`` rebuilds errors by code) without loading the core."""

from __future__ import annotations

from spacedrive.errors import ERRORS_BY_CODE, SpacedriveError


class TagNotFound(SpacedriveError):
    code = "tag_not_found"


class TagExists(SpacedriveError):
    """Another tag has that name (names are compared without regard to case)."""

    code = "tag_exists"


class PathNotFound(SpacedriveError):
    code = "path_not_found"


ERRORS_BY_CODE.update({cls.code: cls for cls in (TagNotFound, TagExists, PathNotFound)})
