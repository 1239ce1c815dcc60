"""Files on the clipboard: what we write, Nautilus and Dolphin read; what they write, we read."""

from __future__ import annotations

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication

from ui.clipboard import GNOME_FILES, KDE_CUT, PLAIN, URI_LIST, ClipboardFiles, decode, encode, file_uri

ODD = b"/tmp/caf\xc3\xa9 \xff\xfe #1%.txt"


def test_a_copy_is_written_in_every_format_with_exact_bytes(qapp: QApplication) -> None:
    mime = encode([b"/home/me/a b.txt", ODD])
    uris = [b"file:///home/me/a%20b.txt", b"file:///tmp/caf%C3%A9%20%FF%FE%20%231%25.txt"]
    assert bytes(mime.data(URI_LIST).data()) == b"".join(u + b"\r\n" for u in uris)
    assert bytes(mime.data(GNOME_FILES).data()) == b"copy\n" + b"\n".join(uris)
    assert bytes(mime.data(KDE_CUT).data()) == b"0"
    assert bytes(mime.data(PLAIN).data()) == b"/home/me/a b.txt\n" + ODD
    # Qt itself (and so any Qt app) reads the same files back from the uri list.
    assert [u.toLocalFile() for u in mime.urls()][0] == "/home/me/a b.txt"
    assert decode(mime) == ClipboardFiles((b"/home/me/a b.txt", ODD), cut=False)


def test_a_cut_says_so_to_gnome_and_kde(qapp: QApplication) -> None:
    mime = encode([ODD], cut=True)
    assert bytes(mime.data(GNOME_FILES).data()).startswith(b"cut\nfile:///tmp/")
    assert bytes(mime.data(KDE_CUT).data()) == b"1"
    assert decode(mime) == ClipboardFiles((ODD,), cut=True)


def test_what_nautilus_writes_is_read(qapp: QApplication) -> None:
    mime = QMimeData()
    mime.setData(GNOME_FILES, b"cut\nfile:///home/me/Photos/x.jpg\nfile:///home/me/caf%C3%A9")
    assert decode(mime) == ClipboardFiles((b"/home/me/Photos/x.jpg", "/home/me/café".encode()), cut=True)
    older = QMimeData()  # Nautilus 3.30-3.36 put it in the text
    older.setData(PLAIN, b"x-special/nautilus-clipboard\ncopy\nfile:///home/me/a.txt\n")
    assert decode(older) == ClipboardFiles((b"/home/me/a.txt",), cut=False)


def test_what_dolphin_writes_is_read(qapp: QApplication) -> None:
    mime = QMimeData()
    mime.setData(URI_LIST, b"file:///home/me/a.txt\r\nfile://localhost/home/me/b%20c.txt\r\n")
    mime.setData(KDE_CUT, b"1")
    assert decode(mime) == ClipboardFiles((b"/home/me/a.txt", b"/home/me/b c.txt"), cut=True)


def test_a_plain_uri_list_is_a_copy_and_other_things_are_not_files(qapp: QApplication) -> None:
    mime = QMimeData()
    mime.setData(URI_LIST, b"# a comment\r\nhttps://example.org/x\r\nfile:///srv/data.bin\r\n")
    assert decode(mime) == ClipboardFiles((b"/srv/data.bin",), cut=False)
    text = QMimeData()
    text.setText("/home/me/a.txt")  # text that looks like a path is text, not a file
    assert decode(text) is None
    web = QMimeData()
    web.setData(URI_LIST, b"https://example.org/x\r\n")
    assert decode(web) is None
    assert decode(None) is None


def test_uris_round_trip_every_byte(qapp: QApplication) -> None:
    every = b"/" + bytes(b for b in range(1, 256) if b != ord("/"))
    assert decode(encode([every])) == ClipboardFiles((every,))
    assert file_uri(b"/a/b").decode("ascii") == "file:///a/b"
