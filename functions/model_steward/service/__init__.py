"""Flows that combine the pure domain with the ports (``model_steward.ports``); each handler calls one."""
