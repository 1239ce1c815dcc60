"""Top-level views: the main window, its content area and the library actions it offers."""
