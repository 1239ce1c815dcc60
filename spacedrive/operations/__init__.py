"""Use cases, one package or module each."""
