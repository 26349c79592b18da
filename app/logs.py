"""Logging: every slice logs the state changes it makes to `alveole.<slice>` (a limit
changed, a clearing posted, a month closed, a mail sent or failed), and each line carries the
request id of the request that made it ("-" outside a request: commands, workers).

Each request also writes one access line to `alveole.http`, in logfmt (`key=value` pairs that
log collectors such as Loki, Vector or fluent-bit parse as they are):

    2025-03-04 10:12:01,118 INFO alveole.http [3f9c0a1b2c3d4e5f] request_id=3f9c0a1b2c3d4e5f method=GET path=/healthz status=200 duration_ms=2.4

The entry point (wsgi.py) configures the handlers; the application factory never does, so an
embedding process or the test suite keeps its own logging."""
import logging
import time

from flask import Flask, g, has_request_context, request

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
access_log = logging.getLogger("alveole.http")


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
    # werkzeug's own access line would repeat ours without the request id.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _logfmt(value) -> str:
    text = str(value)
    if not text or any(c in text for c in ' "=\\') or not text.isprintable():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def install_request_log(app: Flask) -> None:
    """One access line per request: its id, method, path (no query string: it may hold
    tokens), status and duration."""

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        fields = {
            "request_id": g.get("request_id", "-"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": f"{duration:.1f}",
        }
        access_log.info(" ".join(f"{key}={_logfmt(value)}" for key, value in fields.items()))
        return response
