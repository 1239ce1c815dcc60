"""Custom Qt item models over the core's data (no QStandardItemModel, no QFileSystemModel)."""
