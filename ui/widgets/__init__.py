"""Reusable widgets: sidebar, switchers, job status and the jobs panel."""
