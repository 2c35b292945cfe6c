"""Resource builders, one module per AWS service family, each with the table of the type tokens it answers.
``build`` turns one registration into the state the provider would return; a type no table names gets a name
and an ARN of its own service."""

from __future__ import annotations

from tools.mocks.context import Builder, Ctx
from tools.mocks.resources import compute, data, edge, network, observability, other_providers, security

BUILDERS: dict[str, Builder] = {
    **network.BUILDERS,
    **edge.BUILDERS,
    **data.BUILDERS,
    **compute.BUILDERS,
    **security.BUILDERS,
    **observability.BUILDERS,
}

# pulumi-aws modules whose resources' ARNs name another service.
_ARN_SERVICE = {
    "cloudwatch": "cloudwatch",
    "lb": "elasticloadbalancing",
    "alb": "elasticloadbalancing",
    "opensearch": "es",
    "kinesis": "firehose",
    "appautoscaling": "application-autoscaling",
    "vpc": "ec2",
    "ec2transitgateway": "ec2",
}


def build(c: Ctx) -> tuple[str, dict]:
    """The resource's id and state: its inputs, ``tagsAll`` (the provider's default tags under its own), and
    what its builder computes."""
    module, _, cls = c.typ.partition(":")[2].partition(":")
    service = module.split("/")[0]
    state = dict(c.inputs)
    if isinstance(c.inputs.get("tags"), dict) or c.default_tags:
        state["tagsAll"] = {**c.default_tags, **(c.inputs.get("tags") or {})}
    builder = BUILDERS.get(c.typ)
    if builder is not None:
        rid, extra = builder(c)
    else:
        rid, extra = _generic(c, service, module.split("/")[-1])
    state.update(extra)
    state.setdefault("id", rid)
    return rid, state


def _generic(c: Ctx, service: str, kind: str) -> tuple[str, dict]:
    own = other_providers.BY_PROVIDER.get(c.typ.split(":", 1)[0])
    if own is not None:
        return own(c)
    name = c.auto_name()
    rid = f"{name}"
    arn_service = _ARN_SERVICE.get(service, service)
    return rid, {"name": name, "arn": c.arn(arn_service, f"{kind}/{name}")}
