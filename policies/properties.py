"""Reading a resource's properties as the engine sends them: safely (absent, None, unknown at preview), with
whole numbers as ints (the wire carries every number as a double), and JSON documents parsed."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from typing import Any

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError


class Unknown:
    """A value the engine cannot know during preview."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()
# What the engine sends for a value unknown at preview (one string per kind), and the SDK's two proxy types.
UNKNOWN_SENTINELS = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)
PROXIES = (proxy._DictProxy, proxy._ListProxy)
_PLAIN = frozenset({int, float, bool, type(None), dict, list})


def raw(value: Any) -> Any:
    """One level of a property as the engine sent it: a proxied dict or list as its target (whose members are
    proxies again), an unknown sentinel as UNKNOWN, anything else as is. For walks over every property of a
    stack, where going through the proxy's unknown check for each value would cost most of the walk."""
    kind = type(value)  # exact types first: isinstance against the proxies' abstract bases is slow
    if kind is str:
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if (
        kind is proxy._DictProxy
        or kind is proxy._ListProxy
        or (kind not in _PLAIN and isinstance(value, PROXIES))
    ):
        return value["__target"]  # the SDK's own escape hatch (pulumi_policy/proxy.py)
    return value


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """props[path...] or `default` when absent, UNKNOWN when unknown at preview; never raises."""
    value = props
    try:
        for key in path:
            if isinstance(key, int):
                if not isinstance(value, (list, tuple)) and not hasattr(value, "__getitem__"):
                    return default
                if key >= len(value):
                    return default
                value = value[key]
            else:
                if value is None or not hasattr(value, "get") or key not in value:
                    return default
                value = value[key]
    except UnknownValueError:
        return UNKNOWN
    except (TypeError, KeyError, IndexError):
        return default
    if value is None:
        return default
    # The wire carries every number as a double; whole numbers read back as ints (ports, days, counts).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def known(*values: Any) -> bool:
    return not any(v is UNKNOWN for v in values)


def items(value: Any) -> list[Any]:
    """A list property as a list (None/absent → [], unknown → []); elements may still be UNKNOWN."""
    if value is None or value is UNKNOWN:
        return []
    try:
        return [get(value, i) for i in range(len(value))]
    except (TypeError, UnknownValueError):
        return []


def as_json(value: Any) -> Any:
    """A JSON document property (policies, container definitions) parsed; UNKNOWN/None when it can't be."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def policy_statements(document: Any) -> list[Any]:
    """A parsed IAM, key or resource policy's statements (one statement may be written without a list)."""
    st = document.get("Statement") if isinstance(document, dict) else None
    return [st] if isinstance(st, dict) else (st if isinstance(st, list) else [])


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on", "yes"))


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def leaf(value: Any) -> Any:
    """A value of a proxied dict's target as `get` reads it through the proxy: UNKNOWN for an unknown
    sentinel, whole numbers as ints, anything else as is."""
    kind = type(value)
    if kind is str:
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if kind is float and value.is_integer():
        return int(value)
    return value
