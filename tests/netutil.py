"""Helpers for tests and benchmarks that run real network endpoints on loopback."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port free on both UDP (QUIC) and TCP (the data channel), as a device listens on both."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no port is free on both UDP and TCP")
