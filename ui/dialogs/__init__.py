"""Dialogs, all shown without nested event loops (``open()`` and an awaited future, never ``exec()``)."""
