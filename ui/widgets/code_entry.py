"""CodeEdit: a line edit for a 12-word pairing code that completes each word from the BIP39 list and
marks the words that cannot be right, and ``check_code``, which says what is wrong before connecting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QInputMethodEvent, QKeyEvent, QTextCharFormat
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from spacedrive.infrastructure.net import codes

_WORDS = frozenset(codes.WORDLIST)
_WORD = re.compile(r"[^\s,;.\-_]+")
#: How many completions the popup lists at once.
VISIBLE_COMPLETIONS = 8


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What the typed code is worth: ``code`` when it can be used, else ``message`` says why not."""

    code: codes.PairingCode | None
    message: str
    #: The text is wrong (not merely unfinished): the message is an error.
    error: bool = False
    #: (start, length) of each word that is not a code word, in the text.
    bad_spans: list[tuple[int, int]] = field(default_factory=list)


def check_code(text: str, cursor: int | None = None) -> CodeCheck:
    """Check ``text`` as the user types: a word still being typed at ``cursor`` (a prefix of some code
    word) is not flagged; every other unknown word is; with 12 known words the checksum decides."""
    tr = QCoreApplication.translate
    matches = list(_WORD.finditer(text.lower()))
    bad: list[tuple[int, int, str, int]] = []
    for position, match in enumerate(matches, start=1):
        word = match.group()
        if word in _WORDS:
            continue
        typing = cursor is not None and match.end() == cursor
        if typing and any(w.startswith(word) for w in codes.completions(word, 1)):
            continue
        bad.append((match.start(), len(word), word, position))
    spans = [(start, length) for start, length, _, _ in bad]
    if bad:
        _, _, word, position = bad[0]
        near = codes.suggestions(word)
        if near:
            message = tr("Pairing", "Word {n}, “{word}”, is not a code word. Did you mean {near}?").format(
                n=position, word=word, near=tr("Pairing", " or ").join(f"“{w}”" for w in near)
            )
        else:
            message = tr("Pairing", "Word {n}, “{word}”, is not a code word.").format(n=position, word=word)
        return CodeCheck(None, message, True, spans)
    count = len(matches)
    if count < codes.WORD_COUNT:
        return CodeCheck(None, tr("Pairing", "{n} of 12 words").format(n=count))
    if count > codes.WORD_COUNT:
        return CodeCheck(
            None, tr("Pairing", "A pairing code has 12 words; this one has {n}.").format(n=count), True
        )
    try:
        return CodeCheck(codes.parse(text), tr("Pairing", "The code is complete."))
    except codes.InvalidCode as e:
        return CodeCheck(None, e.message, True)


class CodeEdit(QLineEdit):
    """Completes the word at the cursor from the code word list (Enter or a click picks one, adding a
    space); words that are not code words get a red wavy underline. Pasted codes keep their spacing.

    Signals
    -------
    checked(object): the text was checked after an edit (a ``CodeCheck``).
    """

    checked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Pairing code"))
        self.setPlaceholderText(self.tr("Type or paste the 12 words"))
        self.setClearButtonEnabled(True)
        self.completer_ = QCompleter(QStringListModel(list(codes.WORDLIST), self), self)
        self.completer_.setWidget(self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)  # the prefix is lowered
        self.completer_.setModelSorting(QCompleter.ModelSorting.CaseSensitivelySortedModel)
        self.completer_.setMaxVisibleItems(VISIBLE_COMPLETIONS)
        self.completer_.activated.connect(self._insert_completion)
        self.textEdited.connect(self._complete)
        self.textChanged.connect(self._check)
        self.last_check = check_code("")

    def _popup(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        assert popup is not None  # a completer always has one
        return popup

    def current_word(self) -> tuple[int, str]:
        """Where the word ending at the cursor starts, and that word so far."""
        text, cursor = self.text(), self.cursorPosition()
        start = cursor
        while start > 0 and _WORD.fullmatch(text[start - 1]):
            start -= 1
        return start, text[start:cursor]

    def _complete(self) -> None:
        _, prefix = self.current_word()
        at_word_end = self.cursorPosition() == len(self.text()) or not _WORD.fullmatch(
            self.text()[self.cursorPosition()]
        )
        if not prefix or not at_word_end or prefix.lower() in _WORDS:
            self._popup().hide()
            return
        self.completer_.setCompletionPrefix(prefix.lower())
        if self.completer_.completionCount() == 0:
            self._popup().hide()
            return
        popup = self._popup()
        popup.setCurrentIndex(self.completer_.completionModel().index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 8)
        self.completer_.complete(rect)

    def _insert_completion(self, word: str) -> None:
        start, _ = self.current_word()
        text, cursor = self.text(), self.cursorPosition()
        words_after = len(_WORD.findall(text[:start])) + 1
        tail = "" if words_after >= codes.WORD_COUNT or text[cursor:].startswith(" ") else " "
        self.setText(text[:start] + word + tail + text[cursor:])
        self.setCursorPosition(start + len(word) + len(tail))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The popup takes Enter (pick), Escape (close) and Tab while shown, as in Qt's completer example.
        keys = (Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        if self._popup().isVisible() and event.key() in keys:
            event.ignore()
            return
        super().keyPressEvent(event)

    def _check(self) -> None:
        # Once the cursor left a word (or the text was pasted), that word counts as typed.
        cursor = self.cursorPosition() if self.hasFocus() else None
        self.last_check = check_code(self.text(), cursor)
        self._mark(self.last_check.bad_spans)
        self.checked.emit(self.last_check)

    def recheck(self) -> None:
        """Check again as if the cursor were elsewhere (the user moved on to the address, or to Join)."""
        self.last_check = check_code(self.text())
        self._mark(self.last_check.bad_spans)
        self.checked.emit(self.last_check)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.recheck()

    def _mark(self, spans: list[tuple[int, int]]) -> None:
        """Underline ``spans`` through an input-method event: the one way to format a QLineEdit's text."""
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor("#d9534f"))
        fmt.setForeground(QColor("#d9534f"))
        cursor = self.cursorPosition()
        attributes = [
            QInputMethodEvent.Attribute(
                QInputMethodEvent.AttributeType.TextFormat, start - cursor, length, fmt
            )
            for start, length in spans
        ]
        self.inputMethodEvent(QInputMethodEvent("", attributes))
