"""A resource's effective tags: its provider's defaultTags merged with its own, read once per distinct
provider setting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from properties import UNKNOWN, Unknown, as_json, get, leaf
from pulumi_policy import proxy


def _tag_layer(tags: Any) -> dict[str, Any] | Unknown:
    """One set of tags (a resource's own, or its provider's defaults) as a plain dict; UNKNOWN when unknown.
    A proxied dict is read through its target (one pass, not one `get` through the proxy per tag), with the
    same values `get` gives, unless a tag is named like the proxy's escape hatch."""
    if tags is UNKNOWN:
        return UNKNOWN
    if type(tags) is proxy._DictProxy:
        target = tags["__target"]
        if "__target" not in target:
            return {str(k): leaf(v) for k, v in target.items()}
    if isinstance(tags, Mapping) or hasattr(tags, "keys"):
        return {str(k): get(tags, k) for k in list(tags.keys())}
    return {}


# A provider's defaultTags reach a policy as the engine encodes provider inputs, one JSON string, the same on
# every resource of that provider: its tag layer is parsed once per distinct string (a plain function of the
# string, so the verdict cannot differ), not on every resource. Bounded: a pack sees a handful of providers.
_DEFAULT_TAG_LAYERS: dict[str, dict[str, Any]] = {}


def _default_tag_layer(provider: Any) -> dict[str, Any] | Unknown:
    default_tags = get(provider.props, "defaultTags") if provider is not None else None
    if not isinstance(default_tags, str):
        return _tag_layer(get(default_tags, "tags") if default_tags is not UNKNOWN else UNKNOWN)
    layer = _DEFAULT_TAG_LAYERS.get(default_tags)
    if layer is None:
        layer = _tag_layer(get(as_json(default_tags), "tags"))
        if len(_DEFAULT_TAG_LAYERS) >= 64:
            _DEFAULT_TAG_LAYERS.clear()
        _DEFAULT_TAG_LAYERS[default_tags] = layer
    return layer


def tags_of(props: Any, provider: Any) -> dict[str, Any] | Unknown:
    """A resource's effective tags: its provider's defaultTags merged with its own tags. UNKNOWN when either
    set is unknown at preview (any tag may be in it); a tag whose value alone is unknown is set (UNKNOWN)."""
    defaults = _default_tag_layer(provider)
    if defaults is UNKNOWN:
        return UNKNOWN
    own = _tag_layer(get(props, "tags"))
    if own is UNKNOWN:
        return UNKNOWN
    return {**defaults, **own}
