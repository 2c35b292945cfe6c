"""The pack judges a first preview as it judges an existing stack: both stacks and every fixture are rendered
in both modes (tools/preview/record.py MODES) and must get the same mandatory verdicts; a good stack gets none in
either mode. Each stack and mode is rendered once per session (tests/conftest.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.policies.test_pack import PLANTED
from tests.render import Render

# (stack, program): the real stacks (the platform and its delivery program), and every fixture the pack judges.
GOOD = [
    ("prod", None),
    ("staging", None),
    ("review", None),
    ("prod", "deployments"),
    ("staging", "deployments"),
]
FIXTURES = [
    ("test", "tests/fixtures/insecure"),
    ("public", "tests/fixtures/mini_program"),
    ("private", "tests/fixtures/mini_program"),
]


def mandatory(r: Render) -> set[tuple[str, str]]:
    return {(v["policy"], v["urn"]) for v in r.mandatory()}


def test_first_deploy_renders_computed_outputs_as_unknown(render) -> None:
    r: Render = render("staging", mode="first-deploy")
    assert r.data["mode"] == "first-deploy" and "first deploy" in r.report
    for res in r.resources:
        if res["custom"]:
            assert res["id"] is None, f"{res['urn']}: a resource that does not exist yet has no id"
            if "arn" in res["outputs"] and "arn" not in res["inputs"]:
                assert res["outputs"]["arn"] == "[unknown]", f"{res['urn']}: {res['outputs']['arn']}"
    # An input built from another resource's computed output is unknown, tied to it by a property dependency.
    # (the primary region's load balancer: the DR site's has its own association, `dr-edge-waf`)
    [assoc] = [
        a
        for a in r.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
        if a["propertyDependencies"].get("resourceArn") and a["name"] == "edge-waf"
    ]
    assert assoc["inputs"]["resourceArn"] == "[unknown]", assoc["inputs"]
    [lb_urn] = assoc["propertyDependencies"]["resourceArn"]
    assert r.by_urn(lb_urn)["type"] == "aws:lb/loadBalancer:LoadBalancer"
    known = render("staging")
    assert known.data["mode"] == "existing"
    assert known.by_urn(assoc["urn"])["inputs"]["resourceArn"].startswith("arn:aws:elasticloadbalancing:")


@pytest.mark.parametrize("mode", ["existing", "first-deploy"])
@pytest.mark.parametrize("stack,program", GOOD)
def test_no_mode_gives_a_good_stack_a_mandatory_verdict(render, stack, program, mode) -> None:
    r: Render = render(stack, program=program, mode=mode)
    found = [f"{v['policy']}: {v['urn']}: {v['message']}" for v in r.mandatory()]
    assert not found, f"stack {stack} ({mode}) has mandatory violations:\n" + "\n".join(found)
    assert r.exit_code == 0, f"stack {stack} ({mode})"


@pytest.mark.parametrize("stack,program", GOOD + FIXTURES)
def test_both_modes_give_the_same_mandatory_verdicts(render, stack, program) -> None:
    known = mandatory(render(stack, program=program))
    unknown = mandatory(render(stack, program=program, mode="first-deploy"))
    assert known <= unknown, f"{program or stack}: missed with unknown values: {sorted(known - unknown)}"
    assert unknown <= known, (
        f"{program or stack}: only with unknown values (false): {sorted(unknown - known)}"
    )


def test_the_insecure_fixture_is_flagged_for_every_defect_on_a_first_deploy(render) -> None:
    """The four findings a first preview used to lose: world-open SSH, subnets in one AZ, the ALB's subnet count
    and an internet-facing ALB without WAF (policies/README.md, "Unknown values")."""
    r: Render = render("test", program="tests/fixtures/insecure", mode="first-deploy")
    found = defaultdict(set)
    for v in r.mandatory():
        found[v["urn"].rsplit("::", 1)[-1]].add(v["policy"])
    planted = {p for policies in PLANTED.values() for p in policies}
    assert planted & {v["policy"] for v in r.mandatory()}, "the planted defects are found"
    assert "security-group-no-public-ingress" in found["ssh-open"]
    assert "vpc-subnets-span-azs" in found["vpc"]
    assert {"alb-multi-az", "waf-on-public-endpoints"} <= found["alb"]
