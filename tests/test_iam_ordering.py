"""IAM ordering over each whole render: whatever names a role of the stack waits for every policy of that role.

AWS checks a role's permissions when some resources are created (a Firehose stream, a CloudWatch Logs
subscription filter, a flow log, a Backup selection, an ECR creation template...), and IAM is eventually
consistent: a resource that depends on the role but not on its policies can be created while the role has no
permissions yet, and a first `pulumi up` fails (or, worse, succeeds with a delivery that never works). The rule
is checked generically, not per resource: every input anywhere in a resource's structured inputs whose value is
the ARN of a role in the render is a use of that role, and the resource must reach each RolePolicy and
RolePolicyAttachment of that role through its dependencies (direct or transitive).

A role ARN inside a JSON document (a key, bucket or topic policy naming a role as principal) grants something to
the role; it is not a use, so JSON strings are not searched. IAM resources themselves are not users.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.render import Render

ROLE = "aws:iam/role:Role"
# Resources that give a role its permissions, and the input naming the role (its name, which is also its id).
ROLE_GRANTS = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "roleName",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "roleName",
}


def _role_arns_in(value: Any, path: str, arns: set[str]) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value in arns:
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _role_arns_in(v, f"{path}.{k}" if path else k, arns)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _role_arns_in(v, f"{path}[{i}]", arns)


def _closure(r: Render, urn: str) -> set[str]:
    seen: set[str] = set()
    todo = [urn]
    while todo:
        for dep in r.by_urn(todo.pop()).get("dependsOn") or []:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def role_uses(r: Render) -> list[tuple[dict, str, dict, list[str]]]:
    """(resource, input path, role, URNs of the role's policies) for every use of a role of the render."""
    roles = {x["outputs"]["arn"]: x for x in r.of_type(ROLE) if x.get("outputs", {}).get("arn")}
    by_name = {x["outputs"]["name"]: x for x in roles.values()}
    grants: dict[str, list[str]] = {}
    for kind, field in ROLE_GRANTS.items():
        for g in r.of_type(kind):
            role = by_name.get(g["inputs"].get(field))
            assert role is not None, (
                f"{g['urn']}: {field} {g['inputs'].get(field)!r} names no role of the render"
            )
            grants.setdefault(role["urn"], []).append(g["urn"])
    uses = []
    for res in r.resources:
        if not res.get("custom") or res["type"].startswith(("aws:iam/", "pulumi:providers:")):
            continue
        for path, arn in _role_arns_in(res.get("inputs") or {}, "", set(roles)):
            role = roles[arn]
            uses.append((res, path, role, grants.get(role["urn"], [])))
    return uses


@pytest.mark.parametrize("stack_name", ["prod", "staging"])
def test_every_resource_that_uses_a_role_waits_for_all_of_its_policies(render, stack_name: str) -> None:
    r = render(stack_name)
    uses = role_uses(r)
    # The rule must have something to judge: the render's known users of roles are all found.
    kinds = {res["type"] for res, *_ in uses}
    assert {
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
        "aws:ec2/flowLog:FlowLog",
        "aws:backup/selection:Selection",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:rds/instance:Instance",
    } <= kinds, f"stack {stack_name}: role users found: {sorted(kinds)}"
    offenders = []
    for res, path, role, policies in uses:
        missing = sorted(set(policies) - _closure(r, res["urn"]))
        if missing:
            offenders.append(
                f"{res['urn']} ({path} = role {role['name']}) does not depend on "
                f"{[m.rsplit('::', 1)[-1] for m in missing]}"
            )
    assert not offenders, f"stack {stack_name}: add depends_on on the role's policies:\n" + "\n".join(
        offenders
    )
