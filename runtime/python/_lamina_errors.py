"""lamina's Python runtime: faults (errors whose type and message the runtime chooses, Runtime.*) and the
error bodies posted to the Runtime API.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import os

from _lamina_paths import RUNTIME_DIR


class Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def error_body(message, error_type, trace, request_id=None):
    # The key order is part of the contract: errorMessage, errorType, requestId, stackTrace.
    body = {}
    body["errorMessage"] = message or ""
    body["errorType"] = error_type or ""
    body["requestId"] = request_id if request_id is not None else ""
    body["stackTrace"] = trace or []
    return body


def _is_runtime_frame(filename):
    if not filename:
        return False
    if "/bootstrap.py" in filename:
        return True
    try:
        path = os.path.realpath(os.path.abspath(filename))
    except Exception:
        return False
    # bootstrap.py and the _lamina_* modules beside it.
    name = os.path.basename(path)
    return os.path.dirname(path) == RUNTIME_DIR and (name == "bootstrap.py" or name.startswith("_lamina_"))


def user_frames(tb):
    """The traceback as (file, line, function, text) tuples, without the leading frames of this file.

    Plain tuples, not FrameSummary objects: on 3.11+ ``format_list`` would otherwise add caret lines.
    """
    import traceback  # only when something failed: it is a costly import at start-up

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if not _is_runtime_frame(frame[0]):
            return frames[index:]
    return frames


def exception_body(exc_type, exc_value, tb, request_id=None):
    import traceback

    return error_body(
        str(exc_value), exc_type.__name__, traceback.format_list(user_frames(tb)), request_id
    )
