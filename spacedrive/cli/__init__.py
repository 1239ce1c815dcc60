"""The ``spacedrive`` command: a thin client over the command API (``operations.api``)."""
