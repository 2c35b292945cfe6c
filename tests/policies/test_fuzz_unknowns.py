"""Unknown values never break the pack and never convict a good stack (policies/README.md, "Unknown values").

Each property of each resource of both renders is made unknown at preview (the engine's sentinel, as the CLI
sends it) and judged by every policy with the stack's own config:

- resource policies (what Analyze runs): one property of one resource unknown per call, every pair in turn;
- stack policies and the budget (what AnalyzeStack runs): in rounds, round k making the k-th property of
  every resource unknown at once, so that every property of every resource is unknown in some round while
  the whole stack is judged ~60 times per render instead of once per property.

No call may fail (a validator that raises reports "failed while judging", policies/common.py) and no verdict
may be mandatory: the stacks pass the pack with every value known (tests/test_stacks.py). The policies run in
this process, through the SDK's own argument objects and unknown-checking proxies, to keep this fast.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    _NotApplicableError,
)
from pulumi_policy.proxy import unknown_checking_proxy

from tests.render import Render
from tools.analyzer import PolicyInfo, reconcile_config
from tools.pack_modules import pack_module
from tools.wire import UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
NOT_THEMES = {"__main__", "common"}


def pack_policies() -> list[Any]:
    """Every policy of every theme module of the pack (whatever modules the pack has today)."""
    policies = []
    for path in sorted(PACK.glob("*.py")):
        if path.stem in NOT_THEMES:
            continue
        policies += list(getattr(pack_module(path.stem), "POLICIES", []))
    return policies


def configured(policies: list[Any], stack: str) -> dict[str, dict[str, Any]]:
    """Each policy's level and properties as the CLI reconciles them for `stack` (tools/analyzer.py)."""
    infos = [
        PolicyInfo(
            name=p.name,
            description=p.description,
            enforcement_level=p.enforcement_level.value if p.enforcement_level else "advisory",
            policy_type="stack" if isinstance(p, StackValidationPolicy) else "resource",
            config_schema=dict(p.config_schema.properties) if p.config_schema else {},
            required=list(p.config_schema.required or []) if p.config_schema else [],
            severity="",
            framework={},
            remediation_steps="",
            url="",
        )
        for p in policies
    ]
    user = json.loads((PACK / "config" / f"{stack}.json").read_text())
    return reconcile_config(infos, {}, user)


def engine_value(value: Any) -> Any:
    """preview.json's redacted values as the engine sends them: "[unknown]" is the unknown sentinel."""
    if isinstance(value, dict):
        return {k: engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return UNKNOWN if value == "[unknown]" else value


def options(res: dict[str, Any]) -> PolicyResourceOptions:
    """The resource options the engine sends along (protect matters: prod requires it of stateful resources)."""
    return PolicyResourceOptions(
        res["protect"],
        res["ignoreChanges"],
        res["deleteBeforeReplace"],
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        res.get("parent"),
    )


class Judge:
    """Runs the pack's policies in this process with a stack's config; collects what they report."""

    def __init__(self, render: Render) -> None:
        self.render = render
        self.policies = pack_policies()
        self.config = configured(self.policies, render.stack)
        self.resource_policies = [
            p
            for p in self.policies
            if isinstance(p, ResourceValidationPolicy)
            and self.config[p.name]["enforcementLevel"] != "disabled"
        ]
        self.stack_policies = [
            p
            for p in self.policies
            if isinstance(p, StackValidationPolicy) and self.config[p.name]["enforcementLevel"] != "disabled"
        ]
        by_urn = {r["urn"]: r for r in render.resources}
        self.providers = {
            r["urn"]: PolicyProviderResource(
                r["type"], unknown_checking_proxy(engine_value(r["inputs"])), r["urn"], r["name"]
            )
            for r in render.resources
            if r["type"].startswith("pulumi:providers:")
        }
        self.resources = [
            r for r in render.resources if r["custom"] and r["type"].startswith(("aws:", "random:"))
        ]
        self.by_urn = by_urn

    def _report(self, found: list, policy: Any, subject: str) -> Any:
        level = self.config[policy.name]["enforcementLevel"]

        def report(message: str, urn: str | None = None) -> None:
            found.append((policy.name, level, urn or subject, message))

        return report

    def analyze(self, res: dict[str, Any], props: dict[str, Any]) -> list:
        found: list = []
        proxy, opts = unknown_checking_proxy(props), options(res)  # read-only: shared by the policies
        for policy in self.resource_policies:
            args = ResourceValidationArgs(
                res["type"],
                proxy,
                res["urn"],
                res["name"],
                opts,
                self.providers.get(res["provider"]),
                self.config[policy.name]["properties"],
            )
            with contextlib.suppress(_NotApplicableError):
                policy.validate(args, self._report(found, policy, res["urn"]))
        return found

    def analyze_stack(self, props_of: dict[str, dict[str, Any]]) -> list:
        found: list = []
        resources = {
            r["urn"]: PolicyResource(
                r["type"],
                unknown_checking_proxy(props_of[r["urn"]]),
                r["urn"],
                r["name"],
                options(r),
                self.providers.get(r["provider"]),
                None,
                [],
                {},
            )
            for r in self.render.resources
            if r["urn"] in props_of
        }
        for r in self.render.resources:
            if r["urn"] not in resources:
                continue
            pr = resources[r["urn"]]
            pr.parent = resources.get(r.get("parent"))
            pr.dependencies = [resources[u] for u in r["dependsOn"] if u in resources]
            pr.property_dependencies = {
                k: [resources[u] for u in v if u in resources] for k, v in r["propertyDependencies"].items()
            }
        for policy in self.stack_policies:
            args = StackValidationArgs(list(resources.values()), self.config[policy.name]["properties"])
            with contextlib.suppress(_NotApplicableError):
                policy.validate(args, self._report(found, policy, "(stack)"))
        return found


def problems(found: list) -> list:
    """A failed call or a mandatory verdict: neither may come from a value being unknown."""
    return [f for f in found if f[1] == "mandatory" or "failed while judging" in f[3]]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_any_one_unknown_input_never_breaks_or_convicts_a_resource(render, stack: str) -> None:
    judge = Judge(render(stack))
    assert (
        problems([f for r in judge.resources for f in judge.analyze(r, engine_value(r["inputs"]))]) == []
    ), f"stack {stack}: the known render must pass before fuzzing it"
    bad, calls = [], 0
    for res in judge.resources:
        inputs = engine_value(res["inputs"])
        for key in inputs:
            calls += 1
            found = problems(judge.analyze(res, {**inputs, key: UNKNOWN}))
            bad += [(res["urn"], key, *f) for f in found]
    assert calls > 1000, f"stack {stack}: only {calls} properties fuzzed"
    assert not bad, f"stack {stack}: {len(bad)} problem(s) with one input unknown, e.g.:\n" + "\n".join(
        map(str, bad[:10])
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_unknown_planned_state_never_breaks_or_convicts_the_stack(render, stack: str) -> None:
    judge = Judge(render(stack))
    stack_resources = [r for r in judge.render.resources if r["custom"] or r["type"].startswith("pulumi:")]
    base = {r["urn"]: engine_value(r["outputs"] or r["inputs"]) for r in stack_resources}
    assert problems(judge.analyze_stack(base)) == [], f"stack {stack}: the known render must pass"
    keys = {urn: sorted(props) for urn, props in base.items()}
    rounds = max(len(k) for k in keys.values())
    bad, covered = [], 0
    for k in range(rounds):
        props_of = {}
        for urn, props in base.items():
            if k < len(keys[urn]):
                props_of[urn] = {**props, keys[urn][k]: UNKNOWN}
                covered += 1
            else:
                props_of[urn] = props
        bad += [(k, *f) for f in problems(judge.analyze_stack(props_of))]
    assert covered == sum(len(v) for v in keys.values())
    assert not bad, f"stack {stack}: {len(bad)} problem(s) with planned state unknown, e.g.:\n" + "\n".join(
        map(str, bad[:10])
    )
