"""SPAKE2 with key confirmation, bound to the TLS channel it runs over; sans-IO (bytes in, bytes out).

Why this shape (DESIGN.md section 8): the code's secret must both prove that the joiner knows the code
and bind the code to *this* channel. Both SPAKE2 identities are the device ids taken from the TLS
certificates of the channel (the caller passes them; they never come from a message), and the
key-confirmation MACs cover a transcript of R, both ids and both PAKE messages. A relay that
terminates TLS on each side with its own certificate makes each honest side use the relay's id, so
the two sides derive different keys and both confirmations fail: the relay cannot pair with anyone.

Roles: the initiator (who generated the code) is SPAKE2 side A, the joiner is side B.
Messages: initiator -> msgA; joiner -> msgB, macB; initiator -> macA.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from spake2 import SPAKE2_A, SPAKE2_B
from spake2.spake2 import SPAKEError

from spacedrive.errors import SpacedriveError

CONFIRM_INITIATOR_INFO = b"sd/pair/confirm/initiator/v1"
CONFIRM_JOINER_INFO = b"sd/pair/confirm/joiner/v1"
MAC_BYTES = 32
MAX_MESSAGE = 64  # an Ed25519-group SPAKE2 message is 33 bytes


class PairingFailed(SpacedriveError):
    """Pairing did not complete: wrong code, a relay in the middle, refused, expired, or timed out."""

    code = "pairing_failed"


def _confirm_key(shared: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)


def transcript_hash(rendezvous: bytes, id_a: str, id_b: str, msg_a: bytes, msg_b: bytes) -> bytes:
    """SHA-256 of R || idA || idB || msgA || msgB, each part length-prefixed so no two differ only
    by where one part ends."""
    h = hashlib.sha256()
    for part in (rendezvous, id_a.encode(), id_b.encode(), msg_a, msg_b):
        h.update(struct.pack(">I", len(part)))
        h.update(part)
    return h.digest()


def _finish(side: SPAKE2_A | SPAKE2_B, inbound: object) -> tuple[bytes, bytes]:
    """(shared key, inbound message) once the message is checked to be a PAKE message at all."""
    if not isinstance(inbound, bytes) or not 0 < len(inbound) <= MAX_MESSAGE:
        raise PairingFailed("the other device sent a malformed PAKE message")
    try:
        shared: bytes = side.finish(inbound)
    except (SPAKEError, ValueError) as e:
        raise PairingFailed(f"the other device sent an invalid PAKE message ({type(e).__name__})") from e
    return shared, inbound


def _macs(shared: bytes, th: bytes) -> tuple[bytes, bytes]:
    """(macA, macB) over the transcript hash, each under its own confirmation key."""
    mac_a = hmac.new(_confirm_key(shared, CONFIRM_INITIATOR_INFO), th, hashlib.sha256).digest()
    mac_b = hmac.new(_confirm_key(shared, CONFIRM_JOINER_INFO), th, hashlib.sha256).digest()
    return mac_a, mac_b


class PakeInitiator:
    """Side A. ``initiator_id``/``joiner_id`` are the device ids of the TLS certificates in use."""

    def __init__(self, password: bytes, rendezvous: bytes, initiator_id: str, joiner_id: str) -> None:
        self._rendezvous = rendezvous
        self._ids = (initiator_id, joiner_id)
        self._spake = SPAKE2_A(password, idA=initiator_id.encode(), idB=joiner_id.encode())
        self.message: bytes = self._spake.start()

    def finish(self, msg_b: object, mac_b: object) -> bytes:
        """Check the joiner's proof; returns macA for the joiner. PairingFailed on a wrong code."""
        shared, msg_b = _finish(self._spake, msg_b)
        th = transcript_hash(self._rendezvous, *self._ids, self.message, msg_b)
        mac_a, expected_b = _macs(shared, th)
        if not isinstance(mac_b, bytes) or not hmac.compare_digest(mac_b, expected_b):
            raise PairingFailed("wrong code")
        return mac_a


class PakeJoiner:
    """Side B: answers msgA with msgB and its proof, then checks the initiator's proof."""

    def __init__(self, password: bytes, rendezvous: bytes, initiator_id: str, joiner_id: str) -> None:
        self._rendezvous = rendezvous
        self._ids = (initiator_id, joiner_id)
        self._spake = SPAKE2_B(password, idA=initiator_id.encode(), idB=joiner_id.encode())
        self.message: bytes = self._spake.start()
        self._expected_a: bytes | None = None

    def respond(self, msg_a: object) -> bytes:
        """macB for msgA; send it with ``self.message``."""
        shared, msg_a = _finish(self._spake, msg_a)
        th = transcript_hash(self._rendezvous, *self._ids, msg_a, self.message)
        self._expected_a, mac_b = _macs(shared, th)
        return mac_b

    def verify(self, mac_a: object) -> None:
        """PairingFailed unless the initiator derived the same key over the same transcript."""
        if self._expected_a is None:
            raise PairingFailed("the initiator's proof arrived before its PAKE message")
        if not isinstance(mac_a, bytes) or not hmac.compare_digest(mac_a, self._expected_a):
            raise PairingFailed(
                "the other device could not prove it knows the code (a relay may be in the middle)"
            )
