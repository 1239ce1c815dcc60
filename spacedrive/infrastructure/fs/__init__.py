"""Filesystem helpers."""
