"""lamina's Python runtime: JSON in AWS's dialect, without importing ``json`` at start-up.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.

``import json`` brings ``re`` with it, and the two cost about as much as the interpreter's own start (20 of ~50 ms
on a small machine): a function that never imports them would pay for them on every cold start. The work in
``json.loads`` and ``json.dumps`` is done by the C accelerator ``_json``; ``loads`` and ``to_json`` call it exactly
as those two do (same scanner, same encoder, same arguments), and hand anything out of the ordinary (another
text encoding, a document that does not parse, an interpreter built without ``_json``) to the ``json`` module
itself, imported then, so that results and error messages stay json's own.
"""

import os
import sys

from _lamina_paths import DECLARED

try:
    import _json
except ImportError:  # an interpreter built without the accelerator: json's pure-Python code does it all
    _json = None

_WHITESPACE = " \t\n\r"
# json.loads reads bytes in the encoding it detects; only plain UTF-8 (no BOM, no NUL in the first two bytes,
# see json.detect_encoding) takes the fast path.
_NOT_PLAIN_UTF8_START = (b"\x00", b"\xef", b"\xfe", b"\xff")


class _ScanContext(object):
    """The attributes of a default json.JSONDecoder that the C scanner reads."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan_once = _json.make_scanner(_ScanContext()) if _json is not None else None


def _fast_loads(text):
    """json.loads(text) for str input, or raises to have json itself do it (and explain any error)."""
    start = 0
    while start < len(text) and text[start] in _WHITESPACE:
        start += 1
    value, end = _scan_once(text, start)
    if text[end:].strip(_WHITESPACE):
        raise ValueError("extra data")
    return value


def loads(data):
    """json.loads(data) for str or bytes."""
    if _scan_once is not None:
        try:
            if isinstance(data, bytes):
                if data[:1] not in _NOT_PLAIN_UTF8_START and data[1:2] != b"\x00":
                    return _fast_loads(data.decode("utf-8", "surrogatepass"))
            elif isinstance(data, str) and not data.startswith("\ufeff"):
                return _fast_loads(data)
        except Exception:
            pass  # json.loads below raises json's own error (or, for UTF-8 it could not see, succeeds)
    import json

    return json.loads(data)


# ---------------------------------------------------------------------------------------------------------
# Encoding: json.JSONEncoder().encode(o) with the behaviour of the runtime's simplejson encoder.
#
# Decimal values (DynamoDB items) are written as bare numbers exactly as ``str()`` spells them; a NaN Decimal
# becomes NaN. Everything else unknown fails with simplejson's message on every version. The declared runtime
# decides ensure_ascii: python3.12 and later write UTF-8, earlier ones \\u escapes.

_ENSURE_ASCII = DECLARED < (3, 12)
_DECIMAL_MARK = "\x00lamina-decimal-" + os.urandom(6).hex() + ":"


class _Encoding(object):
    """One encode: the C encoder json.dumps would build, plus whether a Decimal was marked on the way."""

    def __init__(self):
        self.decimals = False

    def default(self, o):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            self.decimals = True
            return _DECIMAL_MARK + str(o) + "\x00"
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    def encode(self, o):
        if _json is None:
            import json

            return json.JSONEncoder(ensure_ascii=_ENSURE_ASCII, default=self.default).encode(o)
        quote = _json.encode_basestring_ascii if _ENSURE_ASCII else _json.encode_basestring
        if isinstance(o, str):
            return quote(o)
        # JSONEncoder.iterencode(o, _one_shot=True) with the defaults: check_circular, allow_nan, no indent,
        # unsorted keys, separators (", ", ": ").
        encoder = _json.make_encoder({}, self.default, quote, None, ": ", ", ", False, False, True)
        return "".join(encoder(o, 0))


def _unmark_decimals(text):
    """Replaces each quoted Decimal mark, as the encoder escaped it, by the bare number it carries."""
    import re

    if _json is not None:
        escaped = _json.encode_basestring_ascii(_DECIMAL_MARK)[1:-1]
    else:
        import json

        escaped = json.dumps(_DECIMAL_MARK)[1:-1]
    pattern = re.compile('"' + re.escape(escaped) + r'([^"\\]*)\\u0000"')
    return pattern.sub(lambda m: m.group(1), text)


def to_json(value):
    """The runtime's JSON text for a handler's result or an error body."""
    encoding = _Encoding()
    text = encoding.encode(value)
    if encoding.decimals:
        text = _unmark_decimals(text)
    return text
