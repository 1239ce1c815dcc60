"""Indexing: walking locations into the library, keeping them true, and content identification."""
