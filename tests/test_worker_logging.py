"""The worker keeps the log level it is given: debug records of the libraries under it are
not even built at WARNING (Faust's terminal spinner would set the root logger to DEBUG)."""

from __future__ import annotations

import logging
import sys

import faust

from coopwire.worker_logging import faust_worker, logging_config


def test_worker_at_warning_builds_no_debug_records() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), sys.stdout, sys.stderr)
    app = faust.App("coopwire-test-logging", broker="kafka://127.0.0.1:1")
    worker = faust_worker(app, "warning", logging_config("warning", "text"))
    try:
        worker._setup_logging()  # what the worker does first when it starts
        assert root.level == logging.WARNING
        for name in ("aiokafka.producer.producer", "faust.topics", "coopwire.worker"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger("coopwire.worker").isEnabledFor(logging.WARNING)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        sys.stdout, sys.stderr = saved[2], saved[3]
