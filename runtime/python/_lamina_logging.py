"""lamina's Python runtime: unbuffered UTF-8 streams and the log formats.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import os
import sys
import time

# ``logging`` is not imported here: with its dependencies (traceback, weakref, string, ...) it is a fifth of
# the interpreter's start-up, and most handlers never touch it. It is configured the moment anything imports
# it (the handler module, a layer, a .pth file), so every record still gets the managed runtime's format.

# The text runtime writes an error as one line: its parts are separated by CR, and the leading spaces of
# each traceback line are replaced by NO-BREAK SPACE, so that a log reader keeps the entry together.
LINE_JOIN = "\r"
INDENT = "\u00a0"

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# The request being served; "" until the first invoke, then the last one (as AWS leaves it).
_current_request_id = None


def set_request_id(request_id):
    global _current_request_id
    _current_request_id = request_id


class Unbuffered(object):
    """Flushes after every write, as the managed runtime's stdout and stderr do."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        written = self.stream.write(text)
        self.stream.flush()
        return written

    def writelines(self, lines):
        self.stream.writelines(lines)
        self.stream.flush()


def _utf8(stream):
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if encoding in ("utf-8", "utf8") or not hasattr(stream, "buffer"):
        return stream
    import io

    stream.flush()
    return io.TextIOWrapper(
        stream.buffer,
        encoding="utf-8",
        errors=getattr(stream, "errors", None) or "strict",
        line_buffering=True,
        write_through=True,
    )


def setup_streams():
    # Lambda's environment is UTF-8 (LANG=en_US.UTF-8); an interpreter started in the C locale (3.6 has no
    # locale coercion) would otherwise fail on the NO-BREAK SPACEs of an error log.
    sys.stdout = Unbuffered(_utf8(sys.stdout))
    sys.stderr = Unbuffered(_utf8(sys.stderr))


def log_error(body):
    """``[ERROR] <type>: <message>`` and the traceback, one CR-joined line on stdout."""
    head = "[ERROR]"
    if body.get("errorType"):
        head += " " + body["errorType"]
    if body.get("errorMessage"):
        if body.get("errorType"):
            head += ":"
        head += " " + body["errorMessage"]
    lines = [head]
    trace = body.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(INDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(LINE_JOIN.join(lines) + "\n")


def _log_level_from_env():
    value = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if value == "TRACE":
        value = "DEBUG"
    return value if value in ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL") else ""


_configured = False


def _configure(logging):
    global _configured
    if _configured:
        return
    _configured = True

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _current_request_id or ""
            return True

    class LambdaLogHandler(logging.Handler):
        """Writes each record, already ending in a newline, to the current stdout."""

        def emit(self, record):
            try:
                sys.stdout.write(self.format(record))
            except Exception:
                self.handleError(record)

    # Times are UTC for every formatter in the process, as in the managed runtime. The root logger keeps
    # Python's default level (WARNING) unless the function's logging configuration sets a level, so
    # logging.info() prints nothing until the function lowers the level itself.
    logging.Formatter.converter = time.gmtime
    handler = LambdaLogHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = _log_level_from_env()
    if level:
        root.setLevel(level)
    root.addHandler(handler)


class _ConfigureAfterLoad(object):
    """Loads a module with its own loader, then configures it: stands in for the loader of ``logging``."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _configure(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _ConfigureOnImport(object):
    """A meta path finder that hands the first import of ``logging`` to _ConfigureAfterLoad, then leaves."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None and spec.loader is not None:
                spec.loader = _ConfigureAfterLoad(spec.loader)
                return spec
        return None


def setup_logging():
    if "logging" in sys.modules:
        _configure(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _ConfigureOnImport())


def log_warning(text):
    """A WARNING record through the root logger (importing ``logging`` configures it)."""
    import logging

    logging.warning(text)
