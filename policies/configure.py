"""Refusing, at Configure, a per-policy config the CLI would accept but that would silently change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any


def config_problem(policies: Iterable[Any], config: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What is wrong with the per-policy config the CLI sends to Configure, or None.

    The CLI checks each value against its policy's schema, but the schema it receives carries no
    `additionalProperties`, so a misspelled property (`minDay` for `minDays`) would load and change
    nothing; and JSON Schema does not compile regexes, so a bad pattern would turn its policy off. Both
    are refused here, naming the policy and the property."""
    by_name = {p.name: p for p in policies}
    for name, props in config.items():
        policy = by_name.get(name)
        if policy is None or not isinstance(props, Mapping):
            continue
        schema = policy.config_schema.properties if policy.config_schema else {}
        for key, value in props.items():
            if key not in schema:
                allowed = ", ".join(sorted(schema)) or "none"
                return f"policy '{name}': property '{key}' is not one of its properties (it has: {allowed})"
            if schema[key].get("format") == "regex" and isinstance(value, str):
                try:
                    re.compile(value)
                except re.error as exc:
                    return f"policy '{name}': property '{key}': {value!r} is not a valid regular expression ({exc})"
    return None


def refuse_bad_config_at_configure() -> None:
    """Make the pack's Configure refuse what `config_problem` finds (INVALID_ARGUMENT, message as above).

    The SDK offers no hook into Configure, so its servicer method is wrapped once, before the pack starts."""
    import grpc
    from google.protobuf import json_format
    from pulumi_policy import policy as sdk

    servicer = sdk._PolicyAnalyzerServicer
    if getattr(servicer.Configure, "checks_config", False):
        return
    original = servicer.Configure

    def configure(self: Any, request: Any, context: Any) -> Any:
        policies = getattr(self, "_PolicyAnalyzerServicer__policies", [])
        config = {k: json_format.MessageToDict(v.properties) for k, v in request.policyConfig.items()}
        problem = config_problem(policies, config)
        if problem:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)
        return original(self, request, context)

    configure.checks_config = True  # type: ignore[attr-defined]
    servicer.Configure = configure
