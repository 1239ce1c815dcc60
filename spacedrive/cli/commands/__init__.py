"""Command groups of the ``spacedrive`` CLI, one module each (the spec's "handlers")."""
