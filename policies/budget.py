"""Cost: the stack's estimated monthly cost stays within the budget configured for it.

The estimate is the policies/costing package's, from the resources the engine hands AnalyzeStack (each priced in its
provider's region) with the price file policies/data/prices.yaml and the usage assumptions in this policy's
config — the same numbers the offline preview writes into preview.json's "cost" block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import costing
from factories import stack_failure
from properties import PROXIES, UNKNOWN_SENTINELS
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

POLICY = "monthly-cost-within-budget"
_PROVIDER_PACKAGES = ("aws:", "random:", "tls:", "pulumi:providers:")
_SCALARS = frozenset({int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """The engine's property proxies as plain JSON values; a value unknown at preview becomes "[unknown]".

    Reads the proxies' targets directly (the SDK's own escape hatch, `proxy["__target"]`) rather than through
    `UnknownValueError`, and tests exact types before abstract ones, so that converting a large stack stays
    cheap: this conversion is most of the policy's AnalyzeStack cost (bench/)."""
    kind = type(value)
    if kind is str:
        return costing.UNKNOWN if value in UNKNOWN_SENTINELS else value
    if kind in _SCALARS:
        return value
    if isinstance(value, PROXIES):
        value = value["__target"]
        kind = type(value)
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if isinstance(value, str):
        return costing.UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):  # any other mapping the SDK may hand us
        return {str(k): plain(_safe(value, k)) for k in list(value.keys())}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _safe(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except UnknownValueError:
        return costing.UNKNOWN


def _known_region(props: Mapping[str, Any] | None) -> str | None:
    region = props.get("region") if props else None
    return region if isinstance(region, str) and region != costing.UNKNOWN else None


def _custom(resource_type: str) -> bool:
    # The engine does not tell an analyzer which resources are custom: a provider package's types are.
    return resource_type.startswith(_PROVIDER_PACKAGES)


def _lineage(resource: Any) -> Any:
    """The resource and its ancestors, nearest first, as costing.tier_of reads them."""
    current, depth = resource, 0
    while current is not None and depth < 100:  # the engine's parents form a tree; the bound is a guard
        yield current.resource_type, _custom(current.resource_type)
        current, depth = getattr(current, "parent", None), depth + 1


def from_policy_resources(resources: Any) -> list[costing.Resource]:
    """The stack's PolicyResources as the estimator's resources. Each provider's region is read once per call
    (hundreds of resources share a handful of providers)."""
    provider_regions: dict[int, str | None] = {}
    return [as_estimated(r, provider_regions) for r in resources]


def as_estimated(r: Any, provider_regions: dict[int, str | None]) -> costing.Resource:
    """One PolicyResource as the estimator's resource, priced in its own region or else its provider's."""
    props = plain(r.props) if r.props is not None else {}
    region = _known_region(props)
    provider = getattr(r, "provider", None)
    if region is None and provider is not None:
        if id(provider) not in provider_regions:
            provider_regions[id(provider)] = _known_region(plain(provider.props))
        region = provider_regions[id(provider)]
    deps = {
        k: [getattr(d, "urn", d) for d in v]
        for k, v in (getattr(r, "property_dependencies", None) or {}).items()
    }
    return costing.Resource(
        urn=r.urn,
        type=r.resource_type,
        name=r.name,
        region=region,
        props=props or {},
        parent=r.parent.urn if getattr(r, "parent", None) is not None else None,
        tier=costing.tier_of(_lineage(r)),
        custom=_custom(r.resource_type),
        property_dependencies=deps,
    )


def message(result: costing.Estimate, budget: float) -> str:
    over = result.monthly - budget
    lines = "; ".join(
        f"{i}. {line.name} ({line.type}, {line.tier}) ${line.monthly:,.2f}"
        for i, line in enumerate(result.largest(3), 1)
    )
    text = (
        f"estimated monthly cost ${result.monthly:,.2f} exceeds the budget ${budget:,.2f} "
        f"by ${over:,.2f} ({over / budget:.0%}); largest lines: {lines}"
    )
    if result.unpriced:
        text += f"; {len(result.unpriced)} resource(s) unpriced and not counted"
    return text + ". Right-size the largest lines or raise monthlyBudgetUsd in this stack's policy config."


def _validate(args: Any, report_violation: Callable[..., None]) -> None:
    """Fails closed like every other policy (policies/factories.py): an estimator error is a diagnostic at this
    policy's level, never a failed AnalyzeStack call that would lose every other stack verdict."""
    try:
        _judge(args, report_violation)
    except _NotApplicableError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring
        stack_failure(POLICY, exc, report_violation)


def _judge(args: Any, report_violation: Callable[..., None]) -> None:
    config: Mapping[str, Any] = args.get_config() or {}
    budget = config.get("monthlyBudgetUsd")
    if budget is None:
        return  # no budget configured for this stack: nothing to hold the estimate to
    try:
        prices = costing.load_prices()
        usage = costing.load_usage(config.get("usage"), where="usage")
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget <= 0:
            raise costing.CostConfigError(f"monthlyBudgetUsd: expected a positive number, got {budget!r}")
    except costing.CostConfigError as exc:
        report_violation(f"cannot estimate the stack's cost: {exc}")
        return
    result = costing.estimate(from_policy_resources(args.resources), prices, usage)
    if result.monthly > budget:
        report_violation(message(result, float(budget)))


POLICIES = [
    StackValidationPolicy(
        name=POLICY,
        description=(
            "Checks that the stack's estimated monthly cost (on-demand list prices × usage assumptions) "
            "stays within monthlyBudgetUsd."
        ),
        validate=_validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.MEDIUM,
        config_schema=PolicyConfigSchema(
            properties={
                "monthlyBudgetUsd": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "the stack's monthly budget in USD (no budget: the policy does not judge)",
                },
                "usage": costing.usage_schema(),
            }
        ),
        remediation_steps=(
            "Look at the largest lines of the estimate (`python -m tools.cost estimate out/<stack>/preview.json`): "
            "right-size instance classes, node and task counts, Multi-AZ where the stack does not need it; or "
            "raise monthlyBudgetUsd in policies/config/<stack>.json if the spend is intended."
        ),
    )
]
