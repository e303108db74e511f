"""In-process fakes of external services (network-level, on loopback)."""
