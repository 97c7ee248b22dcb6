"""lamina's Python runtime: the client for the Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import http.client
import socket
import sys

from _lamina_json import to_json

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


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


def header_text(response, name):
    """A header as text: Node sends UTF-8 bytes, which http.client decoded as Latin-1."""
    value = response.getheader(name)
    if value is None or value == "":
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
