"""Unknown values never break the pack and never convict a good stack (policies/README.md, "Unknown values").

Each property of each resource of both renders is made unknown at preview (the engine's sentinel, as the CLI
sends it), one at a time, and judged with the stack's own config:

- by the resource policies (what Analyze runs), every property path of every resource in turn, nested
  blocks and list elements included;
- by the stack policies and the budget (what AnalyzeStack runs), every top-level property of every
  resource in turn, the rest of the stack known.

No call may fail (a validator that raises reports "failed while judging", policies/factories.py) and no verdict
may be mandatory: the stacks pass the pack with every value known (tests/test_stacks.py).

Doing that naively is ~3,300 AnalyzeStack calls per render. Instead each policy is first run once over the
known render through proxies that record every value it reads (the SDK's own proxies, so the pack sees
what the engine hands it). A policy's run with one value made unknown is the same run as the known one up
to the moment it reads that value, and it never does if the known run did not: its verdicts are then the
known ones, which pass. So only the (policy, value) pairs the known run read are judged again, each by that
policy alone, in this process. A sample of the pairs left out is judged too, to keep that argument honest.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import random
from collections.abc import Callable, Iterator
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
from pulumi_policy.proxy import _DictProxy, _ListProxy, unknown_checking_proxy

from tests.render import Render
from tools.analyzer import PolicyInfo, reconcile_config
from tools.pack_modules import pack_module
from tools.wire import UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
# The entry point and the modules the themes share (none defines POLICIES).
NOT_THEMES = {"__main__", "configure", "factories", "properties", "relations", "resource_types", "tags"}
# A read of a whole subtree (the SDK's `proxy["__target"]` escape hatch, a slice): every path under it.
EVERYTHING = "*"


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


def with_unknown(value: Any, path: tuple) -> Any:
    """A copy of `value` with the value at `path` (keys and list indexes) replaced by the unknown sentinel."""
    if not path:
        return UNKNOWN
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: with_unknown(value[head], rest)}
    copy = list(value)
    copy[head] = with_unknown(copy[head], rest)
    return copy


def leaf_paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path into `value`: each key and list element, and each of theirs."""
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        yield (*prefix, key)
        yield from leaf_paths(child, (*prefix, key))


# -- proxies that record what a policy reads -------------------------------------------------------------
class _Reads:
    """Where the traced proxies record their reads: the set of the policy running now."""

    def __init__(self) -> None:
        self.current: set[tuple] = set()


def _record(reads: _Reads, path: tuple, key: Any) -> None:
    reads.current.add(
        (*path, key) if isinstance(key, (str, int)) and key != "__target" else (*path, EVERYTHING)
    )


class _TracedDict(_DictProxy):
    """The SDK's dict proxy (so that isinstance checks in the pack hold), recording each value read."""

    def __init__(self, target: dict, path: tuple, reads: _Reads) -> None:
        super().__init__(target, [str(p) for p in path[1:]])
        self._path, self._reads = path, reads

    def __getitem__(self, key: Any) -> Any:
        _record(self._reads, self._path, key)
        return super().__getitem__(key)


class _TracedList(_ListProxy):
    def __init__(self, target: list, path: tuple, reads: _Reads) -> None:
        super().__init__(target, [str(p) for p in path[1:]])
        self._path, self._reads = path, reads

    def __getitem__(self, key: Any) -> Any:
        _record(self._reads, self._path, key)
        return super().__getitem__(key)


def traced(value: Any, path: tuple, reads: _Reads) -> Any:
    """`value` wrapped as unknown_checking_proxy wraps it, every level recording reads under `path`."""
    if isinstance(value, list):
        return _TracedList([traced(v, (*path, i), reads) for i, v in enumerate(value)], path, reads)
    if isinstance(value, dict):
        return _TracedDict({k: traced(v, (*path, k), reads) for k, v in value.items()}, path, reads)
    return value


def read_paths(reads: set[tuple], urn: str, props: dict[str, Any], depth: int | None) -> set[tuple]:
    """The paths into one resource's properties (up to `depth` keys deep) whose value a run read."""
    found: set[tuple] = set()
    for path in reads:
        if path[0] != urn:
            continue
        keys = path[1:]
        if EVERYTHING in keys:
            cut = keys.index(EVERYTHING)
            under = keys[:cut]
            value: Any = props
            for k in under:
                value = value[k]
            found |= {(*under, *p) for p in leaf_paths(value)}
            found |= {under[:i] for i in range(1, len(under) + 1)}
        else:
            found |= {keys[:i] for i in range(1, len(keys) + 1)}
    return {p for p in found if depth is None or len(p) <= depth}


# -- judging in this process ---------------------------------------------------------------------------------
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


Finding = tuple  # (policy, level, urn, message)


class Judge:
    """Runs the pack's policies in this process with a stack's config; collects what they report."""

    def __init__(self, render: Render) -> None:
        self.render = render
        self.policies = pack_policies()
        self.config = configured(self.policies, render.stack)
        enabled = [p for p in self.policies if self.config[p.name]["enforcementLevel"] != "disabled"]
        self.resource_policies = [p for p in enabled if isinstance(p, ResourceValidationPolicy)]
        self.stack_policies = [p for p in enabled if isinstance(p, StackValidationPolicy)]
        self.providers = {
            r["urn"]: PolicyProviderResource(
                r["type"], unknown_checking_proxy(engine_value(r["inputs"])), r["urn"], r["name"]
            )
            for r in render.resources
            if r["type"].startswith("pulumi:providers:")
        }
        # What Analyze sees: custom resources' inputs. What AnalyzeStack sees: their planned state.
        self.resources = [
            r for r in render.resources if r["custom"] and r["type"].startswith(("aws:", "random:"))
        ]
        self.stack_resources = [r for r in render.resources if r["custom"] or r["type"].startswith("pulumi:")]

    def _run(self, policy: Any, args: Any, subject: str) -> list[Finding]:
        found: list[Finding] = []
        level = self.config[policy.name]["enforcementLevel"]

        def report(message: str, urn: str | None = None) -> None:
            found.append((policy.name, level, urn or subject, message))

        with contextlib.suppress(_NotApplicableError):
            policy.validate(args, report)
        return found

    def analyze(self, policy: Any, res: dict[str, Any], props: Any) -> list[Finding]:
        """One resource policy over one resource whose properties are `props` (a proxy)."""
        args = ResourceValidationArgs(
            res["type"],
            props,
            res["urn"],
            res["name"],
            options(res),
            self.providers.get(res["provider"]),
            self.config[policy.name]["properties"],
        )
        return self._run(policy, args, res["urn"])

    def policy_resources(self, props_of: dict[str, Any]) -> dict[str, PolicyResource]:
        """The stack as AnalyzeStack hands it to stack policies: parents, dependencies, property dependencies."""
        resources = {
            r["urn"]: PolicyResource(
                r["type"],
                props_of[r["urn"]],
                r["urn"],
                r["name"],
                options(r),
                self.providers.get(r["provider"]),
                None,
                [],
                {},
            )
            for r in self.stack_resources
        }
        for r in self.stack_resources:
            pr = resources[r["urn"]]
            pr.parent = resources.get(r.get("parent"))
            pr.dependencies = [resources[u] for u in r["dependsOn"] if u in resources]
            pr.property_dependencies = {
                k: [resources[u] for u in v if u in resources] for k, v in r["propertyDependencies"].items()
            }
        return resources

    def analyze_stack(self, policy: Any, resources: dict[str, PolicyResource]) -> list[Finding]:
        args = StackValidationArgs(list(resources.values()), self.config[policy.name]["properties"])
        return self._run(policy, args, "(stack)")


# The pack's per-resource work that reads every property of every resource, each a function of one resource
# (its properties, and its parent, provider and dependencies, which the reruns never change):
# (module, function, the properties it reads, from its first argument).
PER_RESOURCE = [
    ("budget", "as_estimated", lambda resource: resource.props),
    ("deployability", "_role_uses", lambda resource: resource.props),
]


def _reusing(original: Callable[..., Any], props_of: Callable[[Any], Any], by_id: dict[int, Any]) -> Any:
    cache: dict[int, tuple[bool, Any]] = {}

    def reuse(arg: Any, *rest: Any) -> Any:
        props = props_of(arg)
        if by_id.get(id(props)) is not props:
            return original(arg, *rest)  # the changed resource: judged afresh
        if id(props) not in cache:
            result = original(arg, *rest)
            generated = inspect.isgenerator(result)
            cache[id(props)] = (generated, list(result) if generated else result)
        generated, value = cache[id(props)]
        return iter(value) if generated else value

    return reuse


@contextlib.contextmanager
def reused_for_known(known: dict[str, Any]) -> Iterator[None]:
    """While a stack is judged again and again with one resource's properties changed, compute the pack's
    per-resource work (PER_RESOURCE) once for each resource whose properties are the known ones (the same
    proxy objects, `known`), and afresh for the changed one: each rerun then costs the policy's stack-wide
    work, not a pass over every property of the stack. Generators are replayed from a list."""
    by_id = {id(props): props for props in known.values()}
    originals = []
    for module_name, function, props_of in PER_RESOURCE:
        module = pack_module(module_name)
        original = getattr(module, function)
        originals.append((module, function, original))
        setattr(module, function, _reusing(original, props_of, by_id))
    try:
        yield
    finally:
        for module, function, original in originals:
            setattr(module, function, original)


def problems(found: list[Finding]) -> list[Finding]:
    """A failed call or a mandatory verdict: neither may come from a value being unknown."""
    return [f for f in found if f[1] == "mandatory" or "failed while judging" in f[3]]


def fuzz(
    policies: list[Any],
    subjects: dict[str, dict[str, Any]],
    run_known: Callable[[Any, dict[str, Any]], list[Finding]],
    run_with: Callable[[Any, str, Any], list[Finding]],
    depth: int | None,
) -> tuple[list, int, int, int]:
    """Judge `subjects` ({urn: known properties}) with each value, up to `depth` keys deep, made unknown in turn.

    `run_known(policy, proxies)` judges every subject through the given proxies; `run_with(policy, urn, proxy)`
    judges with `urn`'s properties replaced by `proxy`, the rest known. Returns (problems, values fuzzed,
    policy runs with a value unknown, unread pairs checked)."""
    reads = _Reads()
    traced_props = {urn: traced(props, (urn,), reads) for urn, props in subjects.items()}
    read_by: dict[str, set[tuple]] = {}
    for policy in policies:
        reads.current = set()
        base = run_known(policy, traced_props)
        assert problems(base) == [], (
            f"policy {policy.name}: the known render must pass before fuzzing it: {base}"
        )
        read_by[policy.name] = reads.current
    values = {
        urn: {p for p in leaf_paths(props) if depth is None or len(p) <= depth}
        for urn, props in subjects.items()
    }
    bad, runs, unread = [], 0, []
    for policy in policies:
        for urn, props in subjects.items():
            touched = read_paths(read_by[policy.name], urn, props, depth) & values[urn]
            unread += [(policy, urn, p) for p in values[urn] - touched]
            for path in sorted(touched, key=str):
                runs += 1
                found = problems(run_with(policy, urn, unknown_checking_proxy(with_unknown(props, path))))
                bad += [(urn, ".".join(map(str, path)), *f) for f in found]
    # The argument above, checked on a sample: a value a policy never read changes none of its verdicts.
    unread.sort(key=lambda u: (u[0].name, u[1], str(u[2])))
    sample = random.Random(16).sample(unread, min(300, len(unread)))
    for policy, urn, path in sample:
        props = subjects[urn]
        before = run_with(policy, urn, unknown_checking_proxy(props))
        after = run_with(policy, urn, unknown_checking_proxy(with_unknown(props, path)))
        assert after == before, (
            f"policy {policy.name}: verdicts on {urn} changed with {path}, a value it never read"
        )
    return bad, sum(len(v) for v in values.values()), runs, len(sample)


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_each_unknown_input_in_turn_never_breaks_or_convicts_a_resource(render, stack: str) -> None:
    judge = Judge(render(stack))
    res_of = {r["urn"]: r for r in judge.resources}
    subjects = {urn: engine_value(r["inputs"]) for urn, r in res_of.items()}

    def run_known(policy: Any, proxies: dict[str, Any]) -> list[Finding]:
        return [f for urn, props in proxies.items() for f in judge.analyze(policy, res_of[urn], props)]

    def run_with(policy: Any, urn: str, props: Any) -> list[Finding]:
        return judge.analyze(policy, res_of[urn], props)  # Analyze judges one resource at a time

    bad, values, runs, sampled = fuzz(judge.resource_policies, subjects, run_known, run_with, depth=None)
    assert values > 3000 and runs > 0, f"stack {stack}: only {values} property paths fuzzed ({runs} runs)"
    assert sampled > 0, f"stack {stack}: no unread value checked"
    assert not bad, f"stack {stack}: {len(bad)} problem(s) with one input unknown, e.g.:\n" + "\n".join(
        map(str, bad[:10])
    )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_each_unknown_planned_value_in_turn_never_breaks_or_convicts_the_stack(render, stack: str) -> None:
    judge = Judge(render(stack))
    subjects = {r["urn"]: engine_value(r["outputs"] or r["inputs"]) for r in judge.stack_resources}
    stack_of = judge.policy_resources({urn: unknown_checking_proxy(props) for urn, props in subjects.items()})

    def run_known(policy: Any, proxies: dict[str, Any]) -> list[Finding]:
        return judge.analyze_stack(policy, judge.policy_resources(proxies))

    def run_with(policy: Any, urn: str, props: Any) -> list[Finding]:
        resource = stack_of[urn]
        known, resource.props = resource.props, props
        try:
            return judge.analyze_stack(policy, stack_of)
        finally:
            resource.props = known

    with reused_for_known({urn: r.props for urn, r in stack_of.items()}):
        bad, values, runs, sampled = fuzz(judge.stack_policies, subjects, run_known, run_with, depth=1)
    # Reusing the per-resource work changes no verdict: a sample of reruns judged without it agrees.
    for urn, props in random.Random(17).sample(sorted(subjects.items()), 20):
        key = next(iter(props), None)
        if key is None:
            continue
        for policy in judge.stack_policies:
            alone = run_with(policy, urn, unknown_checking_proxy(with_unknown(props, (key,))))
            with reused_for_known({u: r.props for u, r in stack_of.items()}):
                warm = run_with(policy, urn, unknown_checking_proxy(props))  # the others' work, cached
                reused = run_with(policy, urn, unknown_checking_proxy(with_unknown(props, (key,))))
            assert reused == alone and problems(warm) == [], (
                f"policy {policy.name}: {urn}.{key} judged differently"
            )
    assert values > 2000 and runs > values, f"stack {stack}: only {values} properties fuzzed ({runs} runs)"
    assert sampled > 0, f"stack {stack}: no unread value checked"
    assert not bad, f"stack {stack}: {len(bad)} problem(s) with planned state unknown, e.g.:\n" + "\n".join(
        map(str, bad[:10])
    )
