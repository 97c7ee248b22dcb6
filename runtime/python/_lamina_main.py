"""lamina's runtime client for Python functions: the loop bootstrap.py runs.

It plays the part of AWS's ``/var/runtime/bootstrap.py`` plus the runtime interface client: it builds
``sys.path`` the way the managed python3.X runtime does, imports the handler named by ``_HANDLER``, then loops
over the Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API, calling the handler once per invoke. Error types,
messages, JSON bodies and log lines follow AWS's (see ``docs/reference/aws-lambda-execution.md`` sections A3
and A6). It is a module, not the script, so that its bytecode can be cached (a script is compiled every time).

It must stay importable by every interpreter from 3.6 to 3.13, and it uses only the standard library.
"""

import os
import sys

# The helpers beside this file are imported now, while this file's folder is still first on sys.path:
# setup_sys_path() removes it so that lamina's runtime cannot shadow the function's modules. Their names
# start with ``_lamina_`` so that no user module can collide with them.
from _lamina_context import LambdaContext, header_json, int_or_none
from _lamina_errors import Fault, error_body, exception_body
from _lamina_handler import load_handler
from _lamina_json import loads, to_json
from _lamina_logging import (
    log_error,
    log_warning,
    set_request_id,
    setup_logging,
    setup_streams,
)
from _lamina_paths import RUNTIME_DIR, setup_sys_path
from _lamina_runtime_api import RuntimeAPI, RuntimeAPIError, header_text

UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
    "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


# ---------------------------------------------------------------------------------------------------------
# Invokes


def handle_invoke(api, handler, response, event_bytes):
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id") or ""
    set_request_id(request_id)

    trace_id = response.getheader("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        client_context = header_text(response, "Lambda-Runtime-Client-Context")
        if client_context is not None:
            client_context = header_json(client_context, "Client Context")
        identity = header_text(response, "Lambda-Runtime-Cognito-Identity")
        if identity is not None:
            identity = header_json(identity, "Cognito Identity")
        context = LambdaContext(
            request_id,
            int_or_none(response.getheader("Lambda-Runtime-Deadline-Ms")) or 0,
            response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            client_context,
            identity,
            response.getheader("Lambda-Runtime-Aws-Tenant-Id"),
        )
        try:
            event = loads(event_bytes)
        except Exception as e:
            raise Fault("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e))

        result = handler(event, context)

        if isinstance(result, bytes):
            payload, content_type = result, "application/unknown"
        else:
            try:
                payload, content_type = to_json(result).encode("utf-8"), "application/json"
            except Exception as e:
                raise Fault("Runtime.MarshalError", "Unable to marshal response: {}".format(e))
    except Fault as fault:
        error = error_body(fault.message, fault.error_type, fault.trace, request_id)
    except Exception:
        exc_type, exc_value, tb = sys.exc_info()
        error = exception_body(exc_type, exc_value, tb, request_id)
        del tb

    if error is not None:
        log_error(error)
        api.post_error(request_id, error)
    else:
        api.post_response(request_id, payload, content_type)


def _start_debugger(port_text):
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, RUNTIME_DIR)
    try:
        from _lamina_debug import start_debugger
    finally:
        sys.path.remove(RUNTIME_DIR)
        sys.dont_write_bytecode = dont_write_bytecode
    return start_debugger(port_text)


def main():
    setup_streams()
    # Before the paths: a .pth file of the function or a layer may import logging.
    setup_logging()
    setup_sys_path()

    api = RuntimeAPI(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))

    error = None
    debugger = None
    try:
        if os.environ.get("LAMINA_DEBUG_PORT"):
            # lamina's own: wait for a debugger before the handler's module runs (_lamina_debug.py). Imported
            # only then, like the helpers above without bytecode.
            debugger = _start_debugger(os.environ["LAMINA_DEBUG_PORT"])
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as fault:
        error = error_body(fault.message, fault.error_type, fault.trace)
    except Exception:
        exc_type, exc_value, tb = sys.exc_info()
        error = exception_body(exc_type, exc_value, tb)
        del tb

    if error is not None:
        log_warning(UNHANDLED_WARNING)
        log_error(error)
        try:
            api.post_init_error(error)
        except RuntimeAPIError as e:
            sys.stderr.write("lamina runtime: {}\n".format(e))
        sys.exit(1)

    try:
        while True:
            response, event_bytes = api.next()
            if debugger is not None:
                debugger.before_invoke()
            handle_invoke(api, handler, response, event_bytes)
    except RuntimeAPIError as e:
        sys.stderr.write("lamina runtime: {}\n".format(e))
        sys.exit(1)

