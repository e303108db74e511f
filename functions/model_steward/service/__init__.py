"""Flows that combine the pure domain with the adapters; each handler calls one of them."""
