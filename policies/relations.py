"""Relating resources in a stack for the stack policies: by type, and by what one resource's property refers
to (a known value, or the URNs the engine recorded as that property's dependencies)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from properties import UNKNOWN, get, items


def of_types(resources: Iterable[Any], types: frozenset[str]) -> list[Any]:
    return [r for r in resources if r.resource_type in types]


def bucket_keys(bucket: Any) -> set[str]:
    """What other resources use to point at a bucket: its name (= id), its ARN, its URN."""
    keys = {bucket.urn}
    for prop in ("bucket", "id", "arn"):
        value = get(bucket.props, prop)
        if isinstance(value, str):
            keys.add(value)
    return keys


def index_by_target(
    resources: Iterable[Any], types: frozenset[str], prop: str
) -> tuple[dict[str, list], bool]:
    """Resources of `types` indexed by what their `prop` refers to (its value, and the URNs it depends on for
    that property), built once so that relating N resources costs O(N); the flag says whether some of them
    refer to something unknown at preview (they might belong to anything)."""
    index: dict[str, list] = {}
    unknown = False
    for r in resources:
        if r.resource_type not in types:
            continue
        keys = {getattr(d, "urn", d) for d in (r.property_dependencies or {}).get(prop) or []}
        value = get(r.props, prop)
        if isinstance(value, str):
            keys.add(value)
        elif value is UNKNOWN and not keys:
            unknown = True
        for k in keys:
            index.setdefault(k, []).append(r)
    return index, unknown


def related(index: dict[str, list], keys: Iterable[str]) -> list:
    found: dict[int, Any] = {}
    for k in keys:
        for r in index.get(k, ()):
            found.setdefault(id(r), r)
    return list(found.values())


def keys_of(resource: Any, *props: str) -> set[str]:
    """What other resources use to point at `resource`: its URN and the known values of `props` (id, arn,
    name...), so that a reference is found by value when known and by property dependency when not."""
    keys = {resource.urn}
    for prop in props:
        value = get(resource.props, prop)
        if isinstance(value, str) and value:
            keys.add(value)
    return keys


def refs(resource: Any, prop: str, value: Any = None) -> tuple[set[str], bool]:
    """What `resource`'s `prop` refers to (a string or a list of them; `value` stands for the property when
    given): its known string value(s) and the URNs the engine recorded as that property's dependencies. The
    flag says the reference cannot be traced: part of it is unknown at preview (an unknown list element is
    unknown, not absent) and no property dependency says where it comes from — cannot judge yet."""
    deps = {
        getattr(d, "urn", d) for d in (getattr(resource, "property_dependencies", None) or {}).get(prop) or []
    }
    value = get(resource.props, prop) if value is None else value
    values = [value] if value is None or value is UNKNOWN or isinstance(value, str) else items(value)
    keys = {v for v in values if isinstance(v, str) and v} | deps
    unknown = any(v is UNKNOWN for v in values) and not deps
    return keys, unknown
