"""Light and dark: the scheme asked for (or the system's) is what the windows are drawn in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.app import build_parser
from ui.theme import ColorScheme, ThemeController

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def controller(qapp: QApplication) -> Iterator[ThemeController]:
    """A controller on the test session's app; the app's look is put back afterwards."""
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    theme = ThemeController(qapp)
    try:
        yield theme
    finally:
        theme.deleteLater()
        qapp.styleHints().unsetColorScheme()
        qapp.setStyle(style)
        qapp.setPalette(palette)


def background_of(qtbot: QtBot) -> QColor:
    """The color a plain window is drawn with, taken from its picture."""
    window = QWidget()
    window.setAutoFillBackground(True)
    QVBoxLayout(window).addWidget(QLabel("Spacedrive"))
    qtbot.addWidget(window)
    window.resize(200, 100)
    return window.grab().toImage().pixelColor(190, 90)


def test_dark_scheme_draws_dark_windows_and_light_text(controller: ThemeController, qtbot: QtBot) -> None:
    controller.set_scheme(ColorScheme.DARK)
    assert controller.is_dark()
    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.Window).lightness() < 80
    assert palette.color(QPalette.ColorRole.WindowText).lightness() > 180
    assert palette.color(QPalette.ColorRole.Base).lightness() < 80  # lists and text fields too
    assert background_of(qtbot).lightness() < 80


def test_light_scheme_draws_light_windows(controller: ThemeController, qtbot: QtBot) -> None:
    controller.set_scheme(ColorScheme.DARK)
    controller.set_scheme(ColorScheme.LIGHT)
    assert not controller.is_dark()
    assert background_of(qtbot).lightness() > 180


def test_system_scheme_is_followed_when_it_changes(
    controller: ThemeController, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller.set_scheme(ColorScheme.SYSTEM)
    assert not controller.is_dark()  # the offscreen platform says nothing: Qt's light default
    applied: list[bool] = []
    controller.scheme_applied.connect(applied.append)
    monkeypatch.setattr(controller, "system_scheme", lambda: Qt.ColorScheme.Dark)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert applied == [True] and controller.is_dark()
    monkeypatch.setattr(controller, "system_scheme", lambda: Qt.ColorScheme.Light)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert applied == [True, False] and not controller.is_dark()


def test_an_explicit_scheme_ignores_the_systems_changes(
    controller: ThemeController, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller.set_scheme(ColorScheme.LIGHT)
    monkeypatch.setattr(controller, "system_scheme", lambda: Qt.ColorScheme.Dark)
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not controller.is_dark()


def test_color_scheme_option() -> None:
    parser = build_parser()
    assert parser.parse_args([]).color_scheme == "system"
    assert parser.parse_args(["--color-scheme", "dark"]).color_scheme == "dark"
    with pytest.raises(SystemExit):
        parser.parse_args(["--color-scheme", "purple"])


def test_screenshots_in_dark_and_light(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    (tmp_path / "home").mkdir()
    shades = {}
    for scheme in ("dark", "light"):
        shot = tmp_path / f"{scheme}.png"
        command = [sys.executable, "-m", "ui", "--data-dir", str(tmp_path / "data"), "--open"]
        command += [str(tmp_path / "home"), "--color-scheme", scheme, "--screenshot", str(shot)]
        subprocess.run([*command, "--quit-after", "0"], env=env, check=True, timeout=60)
        image = QImage(str(shot))
        # The middle of the empty folder's area: the view's base color.
        shades[scheme] = image.pixelColor(image.width() // 2, image.height() // 2).lightness()
    assert shades["dark"] < 80 < 180 < shades["light"]
