"""What the service emulators (:mod:`emulators.lookout`, :mod:`emulators.sitewise`) share.

Modules: ``shapes`` (botocore's model of a service, shape validation, wire serialisation),
``state`` (test controls: injected faults, latency, the record of calls), ``server`` (the threaded
HTTP server, its handler basics and the ``/_emulator`` scenario calls), ``emulator`` (serving on a
loopback port: start, stop, ``endpoint_url``, ``client`` settings), ``cli`` (``python -m``),
``pages`` (keyset pagination of listings).
"""
