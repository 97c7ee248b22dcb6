"""lamina's Python runtime: JSON in AWS's dialect.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import json
import os
import re
import sys

from _lamina_paths import DECLARED


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
