"""File kinds: by extension, by magic bytes, and the two combined."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacedrive.domain.kinds import ContentKind as K
from spacedrive.infrastructure.fs.kinds import (
    SNIFF_SIZE,
    detect_kind,
    kind_from_extension,
    mime_from_extension,
    sniff,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(64)
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(20) + b"readme.txt" + bytes(64)
DOCX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(16) + b"[Content_Types].xml" + bytes(64)
EPUB = b"PK\x03\x04\x0a\x00\x00\x00\x00\x00" + bytes(20) + b"mimetypeapplication/epub+zipPK\x03\x04"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00>\x00" + bytes(64)
WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(64)
SQLITE = b"SQLite format 3\x00\x10\x00\x01\x01" + bytes(64)
TIFF = b"II*\x00\x08\x00\x00\x00" + bytes(64)
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(64)
MPEG_TS = (b"G\x40\x00\x10" + b"\xff" * 184) * 3


@pytest.mark.parametrize(
    ("ext", "header", "kind", "mime"),
    [
        # the extension alone
        ("JPG", None, K.IMAGE, "image/jpeg"),
        ("heic", None, K.IMAGE, "image/heic"),
        ("nef", None, K.IMAGE, "image/x-nikon-nef"),
        ("mkv", None, K.VIDEO, "video/x-matroska"),
        ("flac", None, K.AUDIO, "audio/flac"),
        ("docx", None, K.DOCUMENT, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("7z", None, K.ARCHIVE, "application/x-7z-compressed"),
        ("rs", None, K.CODE, "text/x-rust"),
        ("md", None, K.TEXT, "text/markdown"),
        ("toml", None, K.CONFIG, "application/toml"),
        ("woff2", None, K.FONT, "font/woff2"),
        ("epub", None, K.BOOK, "application/epub+zip"),
        ("glb", None, K.MESH, "model/gltf-binary"),
        ("xyz", None, K.UNKNOWN, None),
        # content agrees with the extension, or refines it
        ("png", PNG, K.IMAGE, "image/png"),
        ("jpg", PNG, K.IMAGE, "image/png"),
        ("docx", DOCX, K.DOCUMENT, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", DOCX, K.DOCUMENT, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("dng", TIFF, K.IMAGE, "image/x-adobe-dng"),
        ("m4a", MP4, K.AUDIO, "audio/mp4"),
        ("apk", ZIP, K.EXECUTABLE, "application/vnd.android.package-archive"),
        ("cbz", ZIP, K.BOOK, "application/vnd.comicbook+zip"),
        ("svgz", GZIP, K.IMAGE, "image/svg+xml"),
        ("ts", MPEG_TS, K.VIDEO, "video/mp2t"),
        ("ts", b"export const x: number = 1;\n", K.CODE, "text/typescript"),
        ("py", b"#!/usr/bin/env python3\nprint('hi')\n", K.CODE, "text/x-python"),
        # mislabelled files: the content wins
        ("txt", PNG, K.IMAGE, "image/png"),
        ("mp3", JPEG, K.IMAGE, "image/jpeg"),
        ("txt", ZIP, K.ARCHIVE, "application/zip"),
        ("doc", ELF, K.EXECUTABLE, "application/x-executable"),
        ("mov", HEIC, K.IMAGE, "image/heic"),
        # no extension
        ("", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", K.DOCUMENT, "application/pdf"),
        ("", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n", K.DOCUMENT, "application/pdf"),
        ("", EPUB, K.BOOK, "application/epub+zip"),
        ("", WAV, K.AUDIO, "audio/wave"),
        ("", SQLITE, K.DATABASE, "application/vnd.sqlite3"),
        ("", ELF, K.EXECUTABLE, "application/x-executable"),
        ("", b"#!/bin/sh\necho hello\n", K.CODE, "application/x-sh"),
        ("", b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", K.KEY, "application/x-pem-file"),
        ("", b"-----BEGIN PGP MESSAGE-----\n\nhQEMA\n", K.ENCRYPTED, "application/pgp-encrypted"),
        ("", "Grüße aus Köln\n".encode(), K.TEXT, "text/plain"),
        ("", "Grüße aus Köln\n".encode("latin-1"), K.TEXT, "text/plain"),
        ("", "notes\n".encode("utf-16"), K.TEXT, "text/plain"),
        ("", bytes(range(256)), K.BINARY, None),
        ("weird", b"plain words\n", K.TEXT, "text/plain"),
        # short magic at the start of a text file proves nothing
        ("", b"BMW service history\n", K.TEXT, "text/plain"),
        ("log", b"MZ was here\n", K.TEXT, "text/plain"),
        ("txt", b"1234ftyp is not a video\n", K.TEXT, "text/plain"),
        ("md", b"glTF models load fast\n", K.TEXT, "text/markdown"),
        # a text-based format does not overrule a meaningful extension
        ("txt", b"#!/bin/sh\necho hello\n", K.TEXT, "text/plain"),
        (
            "svg",
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            K.IMAGE,
            "image/svg+xml",
        ),
    ],
)
def test_detect_kind(ext: str, header: bytes | None, kind: K, mime: str | None) -> None:
    assert detect_kind(ext, header) == (kind, mime)


def test_extension_lookup_ignores_case_and_a_leading_dot() -> None:
    assert kind_from_extension("PnG") is kind_from_extension(".png") is K.IMAGE
    assert mime_from_extension("PDF") == "application/pdf"
    assert mime_from_extension("") is None
    assert kind_from_extension("") is K.UNKNOWN


def test_sniff_only_answers_when_the_bytes_prove_something() -> None:
    assert sniff(PNG) == (K.IMAGE, "image/png")
    assert sniff(b"just some words") is None
    assert sniff(b"") is None
    assert sniff(b"\x89PN") is None  # a truncated signature


def test_kind_ids_follow_the_spec_table() -> None:
    expected = [
        "unknown", "image", "video", "audio", "document", "archive", "code", "text", "database",
        "book", "font", "mesh", "config", "encrypted", "key", "executable", "binary",
    ]  # fmt: skip
    assert [(k.id, str(k)) for k in K] == list(enumerate(expected))
    assert K.from_id(1) is K.IMAGE
    assert K.from_id(999) is K.UNKNOWN  # a kind added by a newer version reads as unknown


@given(ext=st.text(max_size=20), header=st.binary(max_size=SNIFF_SIZE + 100))
def test_hostile_input_never_raises(ext: str, header: bytes) -> None:
    kind, mime = detect_kind(ext, header)
    assert isinstance(kind, K)
    assert mime is None or isinstance(mime, str)
    sniff(header)


@given(prefix=st.sampled_from([PNG[:8], b"PK\x03\x04", b"RIFF", b"\x00\x00\x00\x18ftyp", b"OggS", b"MZ"]))
def test_truncated_known_headers_never_raise(prefix: bytes) -> None:
    for end in range(len(prefix) + 1):
        detect_kind("", prefix[:end])
