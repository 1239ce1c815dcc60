"""Networking: identity, QUIC control and pairing, TLS bulk transfer, discovery (DESIGN.md section 8)."""
