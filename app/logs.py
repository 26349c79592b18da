"""Logging: every slice logs the state changes it makes to `alveole.<slice>` (a limit
changed, a clearing posted, a month closed, a mail sent or failed), and each line carries the
request id of the request that made it ("-" outside a request: commands, workers).

The entry point (wsgi.py) configures the handlers; the application factory never does, so an
embedding process or the test suite keeps its own logging."""
import logging

from flask import g, has_request_context

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """One handler on the root logger, with the request id in every line."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
