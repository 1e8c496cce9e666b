"""The bottom layer: settings and the Kafka connection helpers every other package shares.

``processors`` (the worker), ``producers`` and ``coopwire`` (the command line) all import from
here, and this package imports none of them, so a worker or a producer never pulls in the
command line to read its configuration. ``tests/test_layering.py`` keeps it that way.
"""
