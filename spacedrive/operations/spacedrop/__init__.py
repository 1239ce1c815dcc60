"""Spacedrop: send files to a paired device over any stream pair (the transport is not this package's).

``build_offer`` -> ``write_offer`` / ``read_offer`` -> ``Receiver.prepare`` (an ``Accept``, or a typed
error to answer with a ``Decline``) -> ``send_files`` / ``Receiver.receive``.
"""

from spacedrive.operations.spacedrop.names import UnsafeName, resolve_inside, sanitize_relative
from spacedrive.operations.spacedrop.protocol import (
    SKIP,
    Accept,
    Decline,
    Offer,
    OfferedFile,
    Progress,
    read_offer,
    write_offer,
)
from spacedrive.operations.spacedrop.receiver import Receiver
from spacedrive.operations.spacedrop.sender import SourceChanged, build_offer, send_files

__all__ = [
    "SKIP",
    "Accept",
    "Decline",
    "Offer",
    "OfferedFile",
    "Progress",
    "Receiver",
    "SourceChanged",
    "UnsafeName",
    "build_offer",
    "read_offer",
    "resolve_inside",
    "sanitize_relative",
    "send_files",
    "write_offer",
]
