"""Pairing codes: 16 random bytes shown as 12 BIP39 words, and the two secrets derived from them.

The words carry 128 bits of entropy plus a 4-bit checksum, so the joiner catches a mistyped word
locally instead of spending one of the code's three attempts on it. From the entropy E we derive
(HKDF-SHA256, salt None: E is already uniformly random, so no salt is needed to extract from it):

- the rendezvous id R = HKDF(E, info="sd/pair/rendezvous/v1")[:16], the only value ever advertised
  or sent in clear; it tells the initiator which code a joiner means without revealing the code;
- the PAKE password pw = HKDF(E, info="sd/pair/pake/v1") (32 bytes), which never leaves the device.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from mnemonic import Mnemonic

from spacedrive.errors import SpacedriveError

ENTROPY_BYTES = 16
WORD_COUNT = 12
RENDEZVOUS_BYTES = 16
RENDEZVOUS_INFO = b"sd/pair/rendezvous/v1"
PAKE_INFO = b"sd/pair/pake/v1"

_MNEMONIC = Mnemonic("english")
WORDLIST: tuple[str, ...] = tuple(_MNEMONIC.wordlist)
_WORDS = frozenset(WORDLIST)
# People type codes with spaces, dashes, commas or line breaks between the words.
_SEPARATORS = re.compile(r"[\s,;.\-_]+")


class InvalidCode(SpacedriveError):
    """The typed pairing code cannot be right; the message says which word or why."""

    code = "invalid_code"


def _hkdf(secret: bytes, info: bytes, length: int) -> bytes:
    # HKDF-Expand output is prefix-stable, so length=16 yields exactly the first 16 bytes of length=32.
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


@dataclass(frozen=True, slots=True)
class PairingCode:
    """A code and its derived secrets; repr hides the secrets so logs never carry them."""

    entropy: bytes = field(repr=False)
    words: tuple[str, ...] = field(repr=False)
    rendezvous: bytes
    password: bytes = field(repr=False)

    @classmethod
    def from_entropy(cls, entropy: bytes) -> PairingCode:
        if len(entropy) != ENTROPY_BYTES:
            raise InvalidCode(f"a pairing code holds {ENTROPY_BYTES} bytes, not {len(entropy)}")
        words = tuple(_MNEMONIC.to_mnemonic(entropy).split())
        return cls(
            entropy=entropy,
            words=words,
            rendezvous=_hkdf(entropy, RENDEZVOUS_INFO, RENDEZVOUS_BYTES),
            password=_hkdf(entropy, PAKE_INFO, 32),
        )

    @property
    def text(self) -> str:
        return " ".join(self.words)


def generate() -> PairingCode:
    """A fresh code from the OS random source."""
    return PairingCode.from_entropy(os.urandom(ENTROPY_BYTES))


def suggestions(word: str, limit: int = 3) -> list[str]:
    """The BIP39 words nearest to a mistyped one: same first four letters first (they are unique in
    the list), then close spellings."""
    near = [w for w in WORDLIST if len(word) >= 3 and w.startswith(word[:4])]
    for w in difflib.get_close_matches(word, WORDLIST, n=limit, cutoff=0.6):
        if w not in near:
            near.append(w)
    return near[:limit]


def parse(text: str) -> PairingCode:
    """The code a person typed, case and separators normalized; InvalidCode says what is wrong."""
    words = [w for w in _SEPARATORS.split(text.strip().lower()) if w]
    if len(words) != WORD_COUNT:
        raise InvalidCode(f"a pairing code has {WORD_COUNT} words; this one has {len(words)}")
    for position, word in enumerate(words, start=1):
        if word not in _WORDS:
            near = suggestions(word)
            hint = f"; did you mean {' or '.join(repr(w) for w in near)}?" if near else ""
            raise InvalidCode(f"word {position}, {word!r}, is not a code word{hint}")
    phrase = " ".join(words)
    if not _MNEMONIC.check(phrase):
        raise InvalidCode("the words do not add up (checksum failed): a word is mistyped")
    return PairingCode.from_entropy(bytes(_MNEMONIC.to_entropy(phrase)))


def completions(prefix: str, limit: int = 8) -> list[str]:
    """Code words starting with ``prefix``, for the GUI's word-by-word completer."""
    prefix = prefix.strip().lower()
    if not prefix:
        return []
    return [w for w in WORDLIST if w.startswith(prefix)][:limit]
