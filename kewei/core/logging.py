"""Logging: the request id on every line, personal data masked in every message, and
one JSON object a line when ``KEWEI_LOG_FORMAT=json``."""

from __future__ import annotations

import datetime as dt
import json
import logging

from kewei.core.masking import mask_text
from kewei.core.request_context import current_request_id

# The attributes every LogRecord has; anything else on a record came as ``extra``.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None)).keys()
) | {"message", "asctime", "request_id", "taskName"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return mask_text(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request id, message,
    and the record's ``extra`` fields (a request's view, user, status, duration). The
    message is masked by :class:`MaskPersonalDataFilter` on the handler; the extra fields
    and a traceback are masked here, since no filter sees them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "message": mask_text(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                line[name] = _masked(value)
        if record.exc_info:
            line["exception"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, root_level: str | None, loggers: dict) -> dict:
    """The ``dictConfig`` of Kewei's console log, shared by the settings (``LOGGING``) and
    the production server's own log (``core.gunicorn_conf``): every line carries the
    request id and has personal data masked; ``log_format`` is ``plain`` or ``json``.
    ``root_level`` None leaves the root logger alone (gunicorn's master)."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "kewei.core.logging.RequestIdFilter"},
            "mask_personal": {"()": "kewei.core.logging.MaskPersonalDataFilter"},
        },
        "formatters": {
            "plain": {
                "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
            },
            # KEWEI_LOG_FORMAT=json: one JSON object a line (JsonFormatter).
            "json": {"()": "kewei.core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "mask_personal"],
                "formatter": "json" if log_format == "json" else "plain",
            }
        },
        "loggers": loggers,
    }
    if root_level is not None:
        config["root"] = {"handlers": ["console"], "level": root_level}
    return config
