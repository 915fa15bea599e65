"""JSON on the ack path: orjson (a C library, about ten times the standard library's speed for an
ack's answer and a payload), with the standard library's answer wherever orjson refuses what the
standard library accepts (integers past 64 bits, NaN, lone surrogates in escapes or in a string), so
that what is accepted and what is produced never depends on which of the two ran."""

from __future__ import annotations

import json
from typing import Any

import orjson

_FALLBACK = json.JSONEncoder(check_circular=False)  # escapes what UTF-8 cannot carry (lone surrogates)


def loads(text: str | bytes) -> Any:
    """The JSON value of `text`; ValueError (as json.loads) when it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any) -> str:
    """`value` (dicts, lists, strings, numbers, booleans, None) as JSON text: compact, non-ASCII as is
    (orjson); the standard library's output, ASCII with escapes, for what orjson refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an int past 64 bits, another type
        return _FALLBACK.encode(value)
