"""lamina's Python runtime: the client for the Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import sys

# The C module under ``socket``: ``import socket`` also loads selectors, enum and more, a tenth of a cold start,
# for nothing this client uses.
import _socket

from _lamina_json import to_json

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = API_PREFIX + "/invocation/next"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


def _connect(address):
    """A TCP connection to (host, port), as socket.create_connection makes it without a timeout."""
    host, port = address
    try:
        # As bytes: getaddrinfo encodes a str host with the idna codec, whose import (re, unicodedata, enum)
        # costs more than everything else this runtime imports.
        host = host.encode("ascii")
    except UnicodeEncodeError:
        pass
    error = None
    for family, kind, proto, _, where in _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.connect(where)
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError("getaddrinfo returned nothing for {}".format(host))


class _Response(object):
    """The parts of an HTTP response the runtime reads; header values are Latin-1 text, as http.client gives."""

    def __init__(self, status, headers):
        self.status = status
        self._headers = headers

    def getheader(self, name, default=None):
        return self._headers.get(name.lower(), default)


class _Connection(object):
    """A minimal HTTP/1.1 client on one kept-alive socket.

    http.client would do, but importing it pulls in email and ssl: about 60 ms of every cold start. The Runtime
    API is plain HTTP on loopback with Content-Length bodies, which this covers.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.address = (host.strip("[]") or "127.0.0.1", int(port))
        self.sock = None
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buffer = b""

    def encode(self, method, path, body=None, headers=None):
        body = body or b""
        lines = ["{} {} HTTP/1.1".format(method, path), "Host: {}:{}".format(*self.address)]
        for name, value in (headers or {}).items():
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            lines.append("{}: {}".format(name, value))
        lines.append("Content-Length: {}".format(len(body)))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def send(self, data):
        if self.sock is None:
            self.sock = _connect(self.address)
        # One write: heads and bodies together, so no segment waits on a delayed ACK.
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the Runtime API")
        self.buffer += chunk

    def getresponse(self):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return _Response(status, headers), body


class RuntimeAPIError(Exception):
    pass


class RuntimeAPI(object):
    """One persistent HTTP connection to AWS_LAMBDA_RUNTIME_API, without a timeout: /next may wait long."""

    def __init__(self, address):
        self.connection = _Connection(address)
        self.user_agent = "lamina-python/%d.%d.%d" % tuple(sys.version_info[:3])
        self.next_requested = False

    def _request(self, method, path, body=None, headers=None, then_next=False):
        """Sends a request and reads its response. With ``then_next``, ``GET /next`` follows in the same write
        (pipelined), so the server reads both at once; ``next()`` then only reads its answer."""
        all_headers = {"User-Agent": self.user_agent}
        if headers:
            all_headers.update(headers)
        for attempt in (1, 2):
            try:
                data = self.connection.encode(method, API_PREFIX + path, body, all_headers)
                if then_next:
                    data += self.connection.encode("GET", NEXT_PATH, None, {"User-Agent": self.user_agent})
                self.connection.send(data)
                self.next_requested = then_next
                return self.connection.getresponse()
            except (ConnectionError, ValueError, IndexError, OSError) as e:
                # A kept-alive connection the server closed: reconnect once.
                self.connection.close()
                self.next_requested = False
                if attempt == 2:
                    raise RuntimeAPIError("{} {} failed: {!r}".format(method, path, e))

    def next(self):
        response, body = None, b""
        if self.next_requested:
            self.next_requested = False
            try:
                response, body = self.connection.getresponse()
            except (ConnectionError, ValueError, IndexError, OSError):
                self.connection.close()
        if response is None:
            response, body = self._request("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeAPIError(
                "GET /invocation/next answered {}: {!r}".format(response.status, body[:1000])
            )
        return response, body

    def _post(self, path, payload, headers, then_next=True):
        response, body = self._request("POST", path, payload, headers, then_next)
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
        # The runtime exits after an init error: nothing to ask for next.
        return self._post("/init/error", *self._error_request(body), then_next=False)

    @staticmethod
    def _error_request(body):
        headers = {
            "Content-Type": "application/json",
            ERROR_TYPE_HEADER: (body.get("errorType") or "").encode("utf-8"),
        }
        return to_json(body).encode("utf-8"), headers


def header_text(response, name):
    """A header as text: Node sends UTF-8 bytes, which http.client decoded as Latin-1."""
    value = response.getheader(name)
    if value is None or value == "":
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
