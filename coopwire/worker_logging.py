"""How the worker logs: one unwrapped line per record, as text for people or JSON for log
collectors (``COOPWIRE_LOG_FORMAT`` / ``--log-format``).

The same configuration is applied before the worker starts (so its first lines, which say what
it reads and writes, go through it) and handed to Faust's worker, which would otherwise install
its own coloured handler. Expected retries while a consumer group forms are not errors: the
group coordinator is "not available" for the first seconds of every new group, and aiokafka
logs that at ERROR. Those records are logged at INFO, in words that say it is normal.
kafka-python's INFO lines (connecting, API versions) are left for debug level.
"""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

import orjson

TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"

# Kafka error codes a joining consumer meets while the coordinator is being elected or loads
# its offsets: COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15),
# NOT_COORDINATOR (16). aiokafka retries them itself.
_STARTUP_RETRY_CODES = {14, 15, 16}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class StartupRetryFilter(logging.Filter):
    """Log aiokafka's "Group Coordinator Request failed" for a coordinator that is not ready
    yet at INFO, saying it is retried, instead of at ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if (
            record.levelno >= logging.ERROR
            and str(record.msg).startswith("Group Coordinator Request failed")
            and getattr(error, "errno", None) in _STARTUP_RETRY_CODES
        ):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "group coordinator not ready yet (normal while a group forms), retry: %s"
            return logging.getLogger().isEnabledFor(logging.INFO)
        return True


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the worker: stderr, unwrapped, text or JSON."""
    formatter = {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"startup_retries": {"()": f"{__name__}.StartupRetryFilter"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
            }
        },
        "loggers": {
            "aiokafka.consumer.group_coordinator": {"filters": ["startup_retries"]},
            # kafka-python serves only the worker's topic set-up; its connection chatter at
            # INFO would push the worker's own first lines out of sight.
            **({} if level.lower() == "debug" else {"kafka": {"level": "WARNING"}}),
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
    }


def faust_worker(app: Any, level: str, config: dict[str, Any]) -> Any:
    """Faust's worker for ``app``, logging through ``config``, without its terminal spinner.

    To turn the spinner on every record, Faust sets the root logger to DEBUG whenever the
    level is WARNING or above. Every debug call of aiokafka and Faust (several per message
    sent) then builds a record that no handler prints: 13% of the worker's main process in a
    profile at ``--loglevel warning``. Without the spinner the root keeps the level asked for.
    """
    from faust import Worker

    worker = Worker(app, loglevel=level, quiet=True, logging_config=config)
    worker.spinner = None
    return worker


def setup_worker_logging(level: str, fmt: str) -> dict[str, Any]:
    """Apply the worker's logging now and return the configuration for Faust's worker."""
    logging.config.dictConfig(logging_config(level, fmt))
    # dictConfig consumes parts of the dict it is given; Faust gets a fresh one.
    return logging_config(level, fmt)
