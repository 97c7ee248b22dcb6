"""lamina's runtime client for Python functions.

lamina starts this file as ``python3.X -u <runtime dir>/bootstrap.py`` with the working directory set to
LAMBDA_TASK_ROOT. It plays the part of AWS's ``/var/runtime/bootstrap.py`` plus the runtime interface
client: it builds ``sys.path`` the way the managed python3.X runtime does, imports the handler named by
``_HANDLER``, then loops over the Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API, calling the handler
once per invoke. Error types, messages, JSON bodies and log lines follow AWS's (see
``shared/reference/aws-lambda-execution.md`` sections A3 and A6 in the lamina workspace).

It must stay importable by every interpreter from 3.6 to 3.13, and it uses only the standard library.
"""

import http.client
import importlib
import json
import logging
import os
import re
import socket
import sys
import time
import traceback

# ---------------------------------------------------------------------------------------------------------
# Constants

RUNTIME_FILE = os.path.realpath(os.path.abspath(__file__))
RUNTIME_DIR = os.path.dirname(RUNTIME_FILE)

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"

# The text runtime writes an error as one line: its parts are separated by CR, and the leading spaces of
# each traceback line are replaced by NO-BREAK SPACE, so that a log reader keeps the entry together.
LINE_JOIN = "\r"
INDENT = "\u00a0"

UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
    "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# The request being served; "" until the first invoke, then the last one (as AWS leaves it).
_current_request_id = None


def declared_version():
    """(major, minor) of the runtime the function declares, from AWS_EXECUTION_ENV=AWS_Lambda_python3.X.

    lamina may run a python3.12 function on another interpreter; the paths and the JSON encoding must
    follow the declared runtime, not the interpreter.
    """
    match = re.search(r"python(\d+)\.(\d+)", os.environ.get("AWS_EXECUTION_ENV", ""))
    if match:
        return int(match.group(1)), int(match.group(2))
    return sys.version_info[0], sys.version_info[1]


DECLARED = declared_version()
DECLARED_TEXT = "%d.%d" % DECLARED


# ---------------------------------------------------------------------------------------------------------
# Faults: errors whose type and message the runtime chooses (Runtime.*)


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
        return os.path.realpath(os.path.abspath(filename)) == RUNTIME_FILE
    except Exception:
        return False


def user_frames(tb):
    """The traceback as (file, line, function, text) tuples, without the leading frames of this file.

    Plain tuples, not FrameSummary objects: on 3.11+ ``format_list`` would otherwise add caret lines.
    """
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if not _is_runtime_frame(frame[0]):
            return frames[index:]
    return frames


def exception_body(exc_type, exc_value, tb, request_id=None):
    return error_body(
        str(exc_value), exc_type.__name__, traceback.format_list(user_frames(tb)), request_id
    )


# ---------------------------------------------------------------------------------------------------------
# JSON in AWS's dialect


class _Encoder(json.JSONEncoder):
    """json.JSONEncoder with the behaviour of the runtime's simplejson encoder.

    Decimal values (DynamoDB items) are written as bare numbers exactly as ``str()`` spells them; a NaN
    Decimal becomes NaN. Everything else unknown fails with simplejson's message on every version.
    """

    _marker = "\x00lamina-decimal-" + os.urandom(6).hex() + ":"
    _pattern = re.compile('"' + re.escape(json.dumps(_marker)[1:-1]) + r'([^"\\]*)\\u0000"')

    def __init__(self):
        json.JSONEncoder.__init__(self, ensure_ascii=DECLARED < (3, 12))
        self._decimals = False

    def default(self, o):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            self._decimals = True
            return self._marker + str(o) + "\x00"
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    def encode(self, o):
        self._decimals = False
        text = json.JSONEncoder.encode(self, o)
        if self._decimals:
            text = self._pattern.sub(lambda m: m.group(1), text)
        return text


def to_json(value):
    return _Encoder().encode(value)


# ---------------------------------------------------------------------------------------------------------
# Output: unbuffered UTF-8 streams and the log formats


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


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


class _LambdaLogHandler(logging.Handler):
    """Writes each record, already ending in a newline, to the current stdout."""

    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def _log_level_from_env():
    value = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if value == "TRACE":
        value = "DEBUG"
    return value if value in ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL") else ""


def setup_logging():
    # Times are UTC for every formatter in the process, as in the managed runtime. The root logger keeps
    # Python's default level (WARNING) unless the function's logging configuration sets a level, so
    # logging.info() prints nothing until the function lowers the level itself.
    logging.Formatter.converter = time.gmtime
    handler = _LambdaLogHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    level = _log_level_from_env()
    if level:
        root.setLevel(level)
    root.addHandler(handler)


# ---------------------------------------------------------------------------------------------------------
# sys.path (section A3)


def setup_sys_path():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    opt = os.environ.get("LAMINA_OPT_DIR") or "/opt"
    opt_python = os.path.join(opt, "python")
    opt_site_packages = os.path.join(opt, "python", "lib", "python" + DECLARED_TEXT, "site-packages")
    pythonpath_set = "PYTHONPATH" in os.environ

    # The interpreter put this file's folder first; the function must not see lamina's runtime there.
    if sys.path:
        try:
            first = os.path.realpath(os.path.abspath(sys.path[0] or os.getcwd()))
        except Exception:
            first = None
        if first == RUNTIME_DIR:
            del sys.path[0]

    if not pythonpath_set:
        # AWS also inserts /var/lang/lib/python3.X/site-packages after /opt/python on 3.11+; lamina has
        # no /var/lang, the interpreter's own site-packages stay where Python put them.
        sys.path.insert(0, opt_python)
        sys.path.insert(0, opt_site_packages)
    sys.path.insert(0, task_root)

    # .pth files in the function and the layers.
    import site

    site.addsitedir(task_root)
    if not pythonpath_set:
        site.addsitedir(opt_site_packages)
        site.addsitedir(opt_python)
        os.environ["PYTHONPATH"] = RUNTIME_DIR


# ---------------------------------------------------------------------------------------------------------
# The handler


def load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(spec, e))

    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module {} as a handler module".format(module_name),
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise Fault(
            "Runtime.ImportModuleError",
            "Unable to import module '{}': {}".format(module_name, e),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '{}': {}".format(module_name, e),
            trace,
        )

    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault(
            "Runtime.HandlerNotFound",
            "Handler '{}' missing on module '{}'".format(function_name, module_name),
        )


# ---------------------------------------------------------------------------------------------------------
# The context object


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(self, data=None):
        data = data if isinstance(data, dict) else {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id={},cognito_identity_pool_id={}])".format(
            self.cognito_identity_id, self.cognito_identity_pool_id
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __init__(self, data):
        for name in self.__slots__:
            setattr(self, name, data.get(name))

    def __repr__(self):
        return "Client([{}])".format(
            ",".join("{}={}".format(name, getattr(self, name)) for name in self.__slots__)
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __init__(self, data):
        self.custom = data.get("custom")
        self.env = data.get("env")
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else client

    def __repr__(self):
        return "ClientContext([custom={},env={},client={}])".format(self.custom, self.env, self.client)


class LambdaContext(object):
    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context, identity, tenant_id):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = _int_or_none(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = ClientContext(client_context) if isinstance(client_context, dict) else None
        self.identity = CognitoIdentity(identity)
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},"
            "identity={},tenant_id={}])".format(
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _header_json(text, what):
    try:
        return json.loads(text)
    except Exception as e:
        raise Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse {} JSON: {}".format(what, e))


# ---------------------------------------------------------------------------------------------------------
# The Runtime API


class _Connection(http.client.HTTPConnection):
    def connect(self):
        http.client.HTTPConnection.connect(self)
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass


class RuntimeAPIError(Exception):
    pass


class RuntimeAPI(object):
    """One persistent HTTP connection to AWS_LAMBDA_RUNTIME_API, without a timeout: /next may wait long."""

    def __init__(self, address):
        self.connection = _Connection(address)
        self.user_agent = "lamina-python/%d.%d.%d" % tuple(sys.version_info[:3])

    def _request(self, method, path, body=None, headers=None):
        all_headers = {"User-Agent": self.user_agent}
        if headers:
            all_headers.update(headers)
        for attempt in (1, 2):
            try:
                self.connection.request(method, API_PREFIX + path, body=body, headers=all_headers)
                response = self.connection.getresponse()
                return response, response.read()
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                # A kept-alive connection the server closed: reconnect once.
                self.connection.close()
                if attempt == 2:
                    raise RuntimeAPIError("{} {} failed: {!r}".format(method, path, e))

    def next(self):
        response, body = self._request("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeAPIError(
                "GET /invocation/next answered {}: {!r}".format(response.status, body[:1000])
            )
        return response, body

    def _post(self, path, payload, headers):
        response, body = self._request("POST", path, payload, headers)
        if response.status >= 500:
            # The platform reports a container error: the runtime must stop (section A6).
            raise RuntimeAPIError("POST {} answered {}: {!r}".format(path, response.status, body[:1000]))
        if response.status >= 300:
            sys.stderr.write(
                "lamina runtime: POST {} answered {}: {}\n".format(
                    path, response.status, body[:1000].decode("utf-8", "replace")
                )
            )
        return response.status

    def post_response(self, request_id, payload, content_type):
        return self._post(
            "/invocation/{}/response".format(request_id), payload, {"Content-Type": content_type}
        )

    def post_error(self, request_id, body):
        return self._post("/invocation/{}/error".format(request_id), *self._error_request(body))

    def post_init_error(self, body):
        return self._post("/init/error", *self._error_request(body))

    @staticmethod
    def _error_request(body):
        headers = {
            "Content-Type": "application/json",
            ERROR_TYPE_HEADER: (body.get("errorType") or "").encode("utf-8"),
        }
        return to_json(body).encode("utf-8"), headers


def _header_text(response, name):
    """A header as text: Node sends UTF-8 bytes, which http.client decoded as Latin-1."""
    value = response.getheader(name)
    if value is None or value == "":
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


# ---------------------------------------------------------------------------------------------------------
# Invokes


def handle_invoke(api, handler, response, event_bytes):
    global _current_request_id
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id") or ""
    _current_request_id = request_id

    trace_id = response.getheader("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error = None
    try:
        client_context = _header_text(response, "Lambda-Runtime-Client-Context")
        if client_context is not None:
            client_context = _header_json(client_context, "Client Context")
        identity = _header_text(response, "Lambda-Runtime-Cognito-Identity")
        if identity is not None:
            identity = _header_json(identity, "Cognito Identity")
        context = LambdaContext(
            request_id,
            _int_or_none(response.getheader("Lambda-Runtime-Deadline-Ms")) or 0,
            response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            client_context,
            identity,
            response.getheader("Lambda-Runtime-Aws-Tenant-Id"),
        )
        try:
            event = json.loads(event_bytes)
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


def main():
    setup_streams()
    setup_sys_path()
    setup_logging()

    api = RuntimeAPI(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))

    error = None
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as fault:
        error = error_body(fault.message, fault.error_type, fault.trace)
    except Exception:
        exc_type, exc_value, tb = sys.exc_info()
        error = exception_body(exc_type, exc_value, tb)
        del tb

    if error is not None:
        logging.warning(UNHANDLED_WARNING)
        log_error(error)
        try:
            api.post_init_error(error)
        except RuntimeAPIError as e:
            sys.stderr.write("lamina runtime: {}\n".format(e))
        sys.exit(1)

    try:
        while True:
            response, event_bytes = api.next()
            handle_invoke(api, handler, response, event_bytes)
    except RuntimeAPIError as e:
        sys.stderr.write("lamina runtime: {}\n".format(e))
        sys.exit(1)


if __name__ == "__main__":
    main()
