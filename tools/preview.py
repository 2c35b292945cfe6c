"""Offline preview: the real program under the SDK's mocks with a stack's real config, judged by the real pack.

    python -m tools.preview --stack prod [--policy-pack-config FILE] [--json] [--program DIR] [--out DIR]
                            [--mode existing|first-deploy | --first-deploy]

Stages: load the stack's config → run ``__main__.py`` under ``pulumi.runtime`` mocks (tools/mocks.py),
recording every registration as the engine receives it → write ``out/<stack>/preview.json`` → start
``policies/`` the way the CLI does and call Analyze per resource and AnalyzeStack once over gRPC
(tools/analyzer.py) → print a report. Exit status: 0 clean or advisory only, 1 a mandatory violation,
2 the program or its config failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import resource
import runpy
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.errors import ProgramError

ROOT = Path(__file__).resolve().parent.parent
SECRET = "[secret]"
UNKNOWN_TEXT = "[unknown]"
# The SDK's wire signatures (pulumi/runtime/rpc.py).
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


# -- stack config -----------------------------------------------------------------------------------------
@dataclass
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]
    secret_keys: list[str]
    placeholders: dict[str, str]


def placeholder(key: str) -> str:
    """A stand-in for a config secret: only this tool supplies it, and no report ever shows it."""
    return f"offline-placeholder-{key.replace(':', '-')}"


def load_stack_config(program: Path, stack: str) -> StackConfig:
    """Read the config the CLI would pass: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, as strings.

    Structured values travel as JSON and scalars as strings, as ``pulumi`` passes them in PULUMI_CONFIG.
    Secure values (``secure: v1:...``) and project keys declared ``secret: true`` but not set get a
    placeholder, since no secrets provider can decrypt offline.
    """
    project_file = program / "Pulumi.yaml"
    stack_file = program / f"Pulumi.{stack}.yaml"
    if not project_file.exists():
        raise ProgramError(f"{project_file} not found: --program must be a Pulumi project directory")
    if not stack_file.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in program.glob("Pulumi.*.yaml"))
        raise ProgramError(
            f"stack '{stack}' has no {stack_file.name}; stacks here: {', '.join(known) or 'none'}"
        )
    project_doc = _read_yaml(project_file)
    if not isinstance(project_doc.get("name"), str):
        raise ProgramError(f"{project_file.name}: no project name (a top-level 'name: <project>')")
    project = project_doc["name"]
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    placeholders: dict[str, str] = {}

    def full(key: str) -> str:
        return key if ":" in key else f"{project}:{key}"

    declared_secret = []
    for key, spec in (project_doc.get("config") or {}).items():
        if isinstance(spec, dict):
            if "default" in spec:
                values[full(key)] = _config_string(spec["default"])
            if spec.get("secret"):
                declared_secret.append(full(key))
    stack_doc = _read_yaml(stack_file)
    unknown_roots = sorted(set(stack_doc) - STACK_FILE_KEYS)
    if unknown_roots:
        raise ProgramError(
            f"{stack_file.name}: unknown top-level key(s) {', '.join(map(repr, unknown_roots))}"
            f"{_did_you_mean(unknown_roots[0], STACK_FILE_KEYS)}; a stack file has: {', '.join(sorted(STACK_FILE_KEYS))}"
        )
    stack_config = stack_doc.get("config") or {}
    if not isinstance(stack_config, dict):
        raise ProgramError(f"{stack_file.name}: 'config' must be a map of keys to values")
    for key, value in stack_config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.append(full(key))
            placeholders[full(key)] = values[full(key)] = placeholder(full(key))
        elif full(key) in declared_secret:
            raise ProgramError(
                f"{stack_file.name}: config key '{full(key)}' is a secret ({project_file.name} declares it "
                f"secret: true) but is set in clear text; remove it and run `pulumi config set --secret {key}`"
            )
        else:
            values[full(key)] = _config_string(value)
    for key in declared_secret:
        if key not in values:
            placeholders[key] = values[key] = placeholder(key)
        secret_keys.append(key)
    return StackConfig(project, stack, values, sorted(set(secret_keys)), placeholders)


# What a stack file may hold at its top level (Pulumi docs, "Pulumi.<stack>.yaml").
STACK_FILE_KEYS = frozenset({"config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt"})


def _read_yaml(path: Path) -> dict[str, Any]:
    """A project or stack file as a mapping; invalid YAML is a config error naming the file, line and column."""
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProgramError(f"{path.name}: invalid YAML{where}: {problem}") from None
    except OSError as exc:
        raise ProgramError(f"{path}: {exc.strerror}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ProgramError(f"{path.name}: expected a map of keys at the top level, got {type(doc).__name__}")
    return doc


def _did_you_mean(word: str, choices: Any) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


# -- recording the program ------------------------------------------------------------------------------
@dataclass
class Recorded:
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    provider_ref: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool | None
    ignore_changes: list[str]
    depends_on: list[str]
    property_dependencies: dict[str, list[str]]
    raw_inputs: dict[str, Any]
    additional_secret_outputs: list[str]
    id: str | None = None
    raw_outputs: dict[str, Any] = field(default_factory=dict)


def _from_value(v: Any) -> Any:
    """protobuf Value → Python, keeping the SDK's signature objects (secrets, unknowns) as they are."""
    from google.protobuf import json_format

    return _integral(json_format.MessageToDict(v) if hasattr(v, "ListFields") else v)


def _integral(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _make_recorder(mocks: Any) -> Any:
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        """The SDK's mock monitor, keeping every registration exactly as the engine would receive it."""

        def __init__(self, m: Any) -> None:
            super().__init__(m)
            self.recorded: list[Recorded] = []
            self.stack_outputs: dict[str, Any] = {}
            self.stack_urn = ""

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == "pulumi:pulumi:Stack":
                self.stack_urn = urn
                return super().RegisterResource(request)
            rec = Recorded(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
                provider_ref=request.provider or None,
                custom=bool(request.custom),
                protect=bool(request.protect) if request.HasField("protect") else False,
                retain_on_delete=bool(request.retainOnDelete)
                if request.HasField("retainOnDelete")
                else False,
                delete_before_replace=bool(request.deleteBeforeReplace)
                if request.deleteBeforeReplaceDefined
                else None,
                ignore_changes=list(request.ignoreChanges),
                depends_on=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                raw_inputs=_from_value(request.object),
                additional_secret_outputs=list(request.additionalSecretOutputs),
            )
            response = super().RegisterResource(request)
            rec.id = response.id or None
            rec.raw_outputs = _from_value(response.object)
            self.recorded.append(rec)
            return response

        def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
            if request.urn == self.stack_urn:
                self.stack_outputs = _from_value(request.outputs)
            return super().RegisterResourceOutputs(request)

    return RecordingMonitor(mocks)


# How the mocks answer (tools/mocks.py): "existing" models a stack whose resources exist (ids, ARNs and
# endpoints known, as when previewing an update); "first-deploy" models the preview of a stack, or of the
# resources a pull request adds, that do not exist yet: every computed output is unknown.
MODES = ("existing", "first-deploy")


def run_program(program: Path, config: StackConfig, preview: bool = True, mode: str = "existing") -> Any:
    """Run the program under mocks in this process (one program per process: the SDK's state is global)."""
    from pulumi.runtime import mocks as pmocks
    from pulumi.runtime import settings as psettings
    from pulumi.runtime.config import set_all_config
    from pulumi.runtime.stack import run_in_stack

    from tools.mocks import AwsMocks

    default_region = config.values.get("aws:region", "us-east-1")
    mocks = AwsMocks(default_region, first_deploy=mode == "first-deploy")
    monitor = _make_recorder(mocks)
    settings = pmocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        engine=pmocks.MockEngine(None),
        project=config.project,
        stack=config.stack,
        dry_run=preview,
        organization="organization",
        callbacks=None,
    )
    psettings.configure(settings)
    set_all_config(dict(config.values), config.secret_keys)
    os.environ.pop("PULUMI_CONFIG", None)

    cwd = os.getcwd()
    sys.path.insert(0, str(program))
    os.chdir(program)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(
            run_in_stack(lambda: runpy.run_path(str(program / "__main__.py"), run_name="__main__"))
        )
    except Exception as exc:  # the program's own error, reported with its message
        raise ProgramError(_program_error(exc), registered=len(monitor.recorded)) from exc
    finally:
        os.chdir(cwd)
        sys.path.remove(str(program))
        loop.close()
    return monitor


def _program_error(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None and type(cause).__name__ != "ConfigError":
        cause = cause.__cause__ or cause.__context__
    return str(cause) if cause is not None else f"{type(exc).__name__}: {msg}"


# -- the preview document --------------------------------------------------------------------------------
def redact(value: Any, secret_paths: set[str] | None = None, path: str = "") -> Any:
    """Engine values → JSON for preview.json: secrets become "[secret]", unknowns "[unknown]"."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            if secret_paths is not None:
                secret_paths.add(path.split(".")[0].split("[")[0])
            return SECRET
        if sig == _RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        if sig in (_ASSET_SIG, _ARCHIVE_SIG):
            return {k: v for k, v in value.items() if k != _SIG}
        if sig == _OUTPUT_SIG:
            if value.get("secret"):
                if secret_paths is not None:
                    secret_paths.add(path.split(".")[0].split("[")[0])
                return SECRET
            return redact(value.get("value", UNKNOWN_TEXT), secret_paths, path)
        return {k: redact(v, secret_paths, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret_paths, f"{path}[{i}]") for i, v in enumerate(value)]
    if value == _UNKNOWN:
        return UNKNOWN_TEXT
    return value


def for_analyzer(value: Any) -> Any:
    """Engine values → what the engine hands an analyzer: resource references as their ids, the rest as is."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _RESOURCE_SIG:
            return value.get("id") or value.get("urn")
        if sig == _OUTPUT_SIG:
            inner = value.get("value", _UNKNOWN)
            return (
                {_SIG: _SECRET_SIG, "value": for_analyzer(inner)}
                if value.get("secret")
                else for_analyzer(inner)
            )
        return {k: for_analyzer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [for_analyzer(v) for v in value]
    return value


def build_document(monitor: Any, config: StackConfig, mode: str = "existing") -> dict[str, Any]:
    by_urn = {r.urn: r for r in monitor.recorded}
    resources = []
    for r in sorted(monitor.recorded, key=lambda r: r.urn):
        secret_inputs: set[str] = set()
        inputs = redact(r.raw_inputs, secret_inputs)
        secret_outputs: set[str] = set(secret_inputs) | set(r.additional_secret_outputs)
        outputs = redact(r.raw_outputs, secret_outputs)
        for key in secret_outputs:
            if key in outputs:
                outputs[key] = SECRET
        provider = by_urn.get(r.provider) if r.provider else None
        region = _region_of(r, provider, config)
        resources.append(
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "provider": r.provider,
                "region": region,
                "custom": r.custom,
                "protect": r.protect,
                "retainOnDelete": r.retain_on_delete,
                "deleteBeforeReplace": r.delete_before_replace,
                "ignoreChanges": r.ignore_changes,
                "dependsOn": sorted(set(r.depends_on)),
                "propertyDependencies": {
                    k: sorted(set(v)) for k, v in sorted(r.property_dependencies.items())
                },
                "id": r.id if r.custom else None,
                "inputs": inputs,
                "secretInputs": sorted(secret_inputs),
                "outputs": outputs,
            }
        )
    stack_outputs = redact(monitor.stack_outputs)
    return {
        "stack": config.stack,
        "project": config.project,
        "mode": mode,
        "resources": resources,
        "outputs": stack_outputs,
        "policy": {"pack": None, "violations": []},
    }


def _region_of(r: Recorded, provider: Recorded | None, config: StackConfig) -> str | None:
    if not r.custom and not r.type.startswith("pulumi:providers:"):
        return None
    if isinstance(r.raw_inputs.get("region"), str):
        return r.raw_inputs["region"]
    if provider is not None and isinstance(provider.raw_inputs.get("region"), str):
        return provider.raw_inputs["region"]
    return config.values.get("aws:region")


# -- the policy pack -------------------------------------------------------------------------------------
def analyzer_resources(monitor: Any, *, outputs: bool) -> list[Any]:
    """The recorded resources as the engine describes them to an analyzer (Analyze: inputs; AnalyzeStack:
    the resources' planned state)."""
    from tools.analyzer import Res

    by_urn = {r.urn: r for r in monitor.recorded}
    out = []
    for r in monitor.recorded:
        provider = by_urn.get(r.provider) if r.provider else None
        props = r.raw_outputs if outputs else r.raw_inputs
        if outputs:
            props = dict(props)
            for key in set(r.additional_secret_outputs):
                if key in props:
                    props[key] = {_SIG: _SECRET_SIG, "value": props[key]}
        out.append(
            Res(
                type=r.type,
                inputs=for_analyzer(props),
                name=r.name,
                urn=r.urn,
                parent=r.parent,
                provider=(
                    {
                        "type": provider.type,
                        "urn": provider.urn,
                        "name": provider.name,
                        "inputs": for_analyzer(provider.raw_inputs),
                    }
                    if provider is not None
                    else None
                ),
                protect=r.protect,
                ignore_changes=r.ignore_changes,
                delete_before_replace=r.delete_before_replace,
                dependencies=r.depends_on,
                property_dependencies=r.property_dependencies,
            )
        )
    return out


def run_pack(monitor: Any, config: StackConfig, pack_dir: Path, pack_config: dict | None) -> dict[str, Any]:
    from tools.analyzer import PolicyPackSession

    timings: dict[str, float] = {}
    t = time.perf_counter()
    with PolicyPackSession(pack_dir, config=pack_config) as session:
        session.configure_stack(
            config.stack,
            config.project,
            {k: v for k, v in config.values.items() if k not in config.placeholders},
        )
        timings["packStart"] = time.perf_counter() - t
        t = time.perf_counter()
        violations = []
        for res in analyzer_resources(monitor, outputs=False):
            violations += session.analyze(res)
        violations += session.analyze_stack(analyzer_resources(monitor, outputs=True))
        timings["analysis"] = time.perf_counter() - t
        not_applicable = [
            {"policy": n.policy, "urn": n.urn, "reason": n.reason} for n in session.not_applicable
        ]
        controls = {p.name: p.framework.get("reference", "") for p in session.policies}
        severities = {p.name: p.severity for p in session.policies}
        pack = {
            "name": session.info.get("name"),
            "version": session.info.get("version"),
            "policies": len(session.policies),
        }
    records = [
        {
            "policy": v.policy,
            "enforcementLevel": v.enforcement_level,
            "severity": v.severity or severities.get(v.policy, ""),
            "control": controls.get(v.policy, ""),
            "urn": v.urn,
            "message": v.message,
        }
        for v in violations
    ]
    records.sort(key=lambda v: (v["enforcementLevel"] != "mandatory", v["policy"], v["urn"]))
    return {"pack": pack, "violations": records, "notApplicable": not_applicable, "timings": timings}


# -- the report ------------------------------------------------------------------------------------------
def tier_of(res: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> str:
    """The top-level component a resource belongs to (its tier), or "(stack)" for top-level resources."""
    current = res
    while current.get("parent") and current["parent"] in by_urn:
        current = by_urn[current["parent"]]
    return current["type"] if not current.get("custom") else "(stack)"


def report(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    by_urn = {r["urn"]: r for r in doc["resources"]}
    tiers: dict[str, Counter] = defaultdict(Counter)
    for r in doc["resources"]:
        if r["custom"] or r["type"].startswith("pulumi:providers:"):
            tiers[tier_of(r, by_urn)][r["type"]] += 1
    total = sum(sum(c.values()) for c in tiers.values())
    mode = " as a first deploy (computed outputs unknown)" if doc.get("mode") == "first-deploy" else ""
    lines.append(
        f"Offline preview of stack '{doc['stack']}' ({doc['project']}){mode}: {total} resources to create"
    )
    for tier in sorted(tiers):
        counts = tiers[tier]
        lines.append(f"\n  {tier}  ({sum(counts.values())})")
        for typ, n in sorted(counts.items()):
            lines.append(f"    {n:4d}  {typ}")
    for extra in REPORT_SECTIONS:
        section = extra(doc)
        if section:
            lines.append("")
            lines.append(section)
    policy = doc.get("policy") or {}
    violations = policy.get("violations", [])
    pack = policy.get("pack") or {}
    lines.append("")
    if not pack:
        lines.append("Policy pack: not run")
    else:
        lines.append(
            f"Policy pack {pack.get('name')} v{pack.get('version')}: {pack.get('policies')} policies"
        )
        groups: dict[str, list] = defaultdict(list)
        for v in violations:
            groups[v["enforcementLevel"]].append(v)
        for level in ("mandatory", "remediate", "advisory"):
            if not groups.get(level):
                continue
            lines.append(f"\n  {level.upper()} ({len(groups[level])})")
            for v in groups[level]:
                control = f" [{v['control']}]" if v.get("control") else ""
                sev = f" ({v['severity']})" if v.get("severity") else ""
                lines.append(f"    {v['policy']}{control}{sev}")
                lines.append(f"      {v['urn']}")
                lines.append(f"      {v['message']}".replace("\n", "\n      "))
        n_mand = len(groups.get("mandatory", []))
        lines.append(
            f"\n  {n_mand} mandatory, {len(groups.get('advisory', []))} advisory violation(s): "
            + ("the preview FAILS" if n_mand else "the preview passes")
        )
    return "\n".join(lines)


# Sections other tools add to the report (e.g. the cost table); each takes the document, returns text.
REPORT_SECTIONS: list[Any] = []
# Steps other tools run on the document after the render and before the report (e.g. the cost estimate).
DOCUMENT_STEPS: list[Any] = []


# -- the command -----------------------------------------------------------------------------------------
@dataclass
class Result:
    doc: dict[str, Any]
    exit_code: int
    timings: dict[str, float]


def preview(
    stack: str,
    program: Path = ROOT,
    pack_dir: Path | None = ROOT / "policies",
    pack_config_file: Path | None = None,
    out_dir: Path | None = None,
    mode: str = "existing",
) -> Result:
    from tools.analyzer import load_config_file

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    out = out_dir or ROOT / "out" / stack
    # A render that fails must not leave the previous one looking current (tools.sarif would report on it).
    (out / "preview.json").unlink(missing_ok=True)
    config = load_stack_config(program, stack)
    import pulumi  # noqa: F401  (the SDK's import cost is its own stage)
    import pulumi_aws  # noqa: F401

    timings["import"] = time.perf_counter() - t0
    if pack_dir is not None and not (pack_dir / "PulumiPolicy.yaml").exists():
        print(f"warning: no policy pack at {pack_dir}; rendering only", file=sys.stderr)
        pack_dir = None
    pack_config = None
    if pack_dir is not None:
        # Read (and refuse) the policy config before the program runs: a bad file fails before any resource.
        if pack_config_file is None:
            default = pack_dir / "config" / f"{stack}.json"
            pack_config_file = default if default.exists() and program == ROOT else None
        pack_config = load_config_file(pack_config_file)
    t = time.perf_counter()
    monitor = run_program(program, config, mode=mode)
    doc = build_document(monitor, config, mode)
    for step in DOCUMENT_STEPS:
        step(doc, program=program, stack=stack, pack_config=pack_config_file)
    timings["render"] = time.perf_counter() - t
    if pack_dir is not None:
        result = run_pack(monitor, config, pack_dir, pack_config)
        doc["policy"] = {
            "pack": result["pack"],
            "config": str(pack_config_file) if pack_config_file else None,
            "violations": result["violations"],
            "notApplicable": result["notApplicable"],
        }
        timings.update(result["timings"])
    from tools.provenance import stamp

    doc["renderedFrom"] = stamp(program, stack, pack_config_file if pack_dir is not None else None)
    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, sort_keys=False)
    for key, value in config.placeholders.items():
        if value in text:  # never let a config secret reach the report, whatever the program did with it
            raise ProgramError(f"config secret {key} reached the preview in clear text: mark it secret")
    (out / "preview.json").write_text(text + "\n")
    timings["write"] = time.perf_counter() - t
    mandatory = any(v["enforcementLevel"] == "mandatory" for v in doc["policy"]["violations"])
    return Result(doc, 1 if mandatory else 0, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument(
        "--policy-pack-config", type=Path, help="policy config JSON (default policies/config/<stack>.json)"
    )
    parser.add_argument("--json", action="store_true", help="print preview.json instead of the report")
    parser.add_argument(
        "--program", type=Path, default=ROOT, help="Pulumi project directory (default: this repo)"
    )
    parser.add_argument("--policy-pack", type=Path, default=ROOT / "policies", help="policy pack directory")
    parser.add_argument("--no-policy", action="store_true", help="render only; skip the policy pack")
    parser.add_argument("--out", type=Path, help="output directory (default out/<stack>)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="existing",
        help="existing: the stack's resources exist (ids, ARNs known); first-deploy: preview as for a new "
        "stack or the resources a pull request adds (every computed output unknown)",
    )
    parser.add_argument(
        "--first-deploy",
        dest="mode",
        action="store_const",
        const="first-deploy",
        help="same as --mode first-deploy",
    )
    parser.add_argument("--timings", action="store_true", help="print stage timings and peak RSS to stderr")
    args = parser.parse_args(argv)
    program = args.program.resolve()
    t = time.perf_counter()
    try:
        result = preview(
            args.stack,
            program=program,
            pack_dir=None if args.no_policy else args.policy_pack.resolve(),
            pack_config_file=args.policy_pack_config,
            out_dir=args.out,
            mode=args.mode,
        )
    except ProgramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.registered == 0:
            print("(the program stopped before registering any resource)", file=sys.stderr)
        elif exc.registered:
            print(f"(the program stopped after registering {exc.registered} resources)", file=sys.stderr)
        return 2
    except Exception as exc:
        from tools.analyzer import PolicyConfigError

        if isinstance(exc, PolicyConfigError):
            print(f"error: policy pack config: {exc}", file=sys.stderr)
            return 2
        raise
    t_report = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print(json.dumps(result.doc, indent=2) if args.json else report(result.doc))
    sys.stdout.write(buf.getvalue())
    result.timings["report"] = time.perf_counter() - t_report
    result.timings["total"] = time.perf_counter() - t
    if args.timings:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pack_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        timings = {k: round(v, 3) for k, v in result.timings.items()}
        print(
            json.dumps({**timings, "peakRssMb": round(peak_mb, 1), "packPeakRssMb": round(pack_mb, 1)}),
            file=sys.stderr,
        )
    return result.exit_code


def _register_cost() -> None:
    """The monthly cost estimate (tools/cost.py): a "cost" block in preview.json and a table by tier."""
    from tools.cost import preview_step, report_section

    DOCUMENT_STEPS.append(preview_step)
    REPORT_SECTIONS.append(report_section)


_register_cost()


if __name__ == "__main__":
    sys.exit(main())
