"""File operations: copy, move, rename, trash and the rest, as Actions over indexed and ephemeral paths.

See docs/file-operations.md for the strategies, the safety protocol, conflicts, the trash and undo.
"""
