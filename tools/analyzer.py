"""Drive a Pulumi policy pack over the analyzer gRPC interface, the way the Pulumi CLI does.

The CLI starts a Python pack as ``python -u -m pulumi.policy <engine> .`` in the pack's folder; the pack
serves the ``Analyzer`` service and prints its port. The CLI then calls ``GetAnalyzerInfo``, reconciles the
policy configuration itself (the SDK does none of it) and sends ``Configure``, ``Analyze`` per resource and
``AnalyzeStack`` once. This module does the same, so the offline preview and the tests judge resources with
exactly the code path ``pulumi preview --policy-pack policies`` uses. The wire format (what an unknown or a
secret looks like) is tools/wire.py's, shared with the offline preview.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tools.wire import integral

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
# No engine runs offline; the pack only needs a syntactically valid address it never dials.
_ENGINE_PLACEHOLDER = "127.0.0.1:0"


class PolicyConfigError(ValueError):
    """A policy pack configuration the CLI would refuse (unknown level, value outside a policy's schema)."""


@dataclass
class Res:
    """One resource as the engine describes it to an analyzer."""

    type: str
    inputs: dict[str, Any] = field(default_factory=dict)
    name: str = "res"
    urn: str | None = None
    parent: str | None = None
    provider: Mapping[str, Any] | None = None
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.urn is None:
            self.urn = f"urn:pulumi:test::test::{self.type}::{self.name}"


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str
    severity: str
    urn: str
    message: str


@dataclass(frozen=True)
class NotApplicable:
    """A policy that said it does not apply to a resource (``args.not_applicable``), as the CLI records it."""

    policy: str
    urn: str
    reason: str


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    policy_type: str
    config_schema: dict[str, Any]
    required: list[str]
    severity: str
    framework: dict[str, str]
    remediation_steps: str
    url: str


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(_jsonable(value))
    return s


def _jsonable(value: Any) -> Any:
    # protobuf Struct takes only JSON types; tuples and other sequences become lists.
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _options(res: Res) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=res.protect,
        ignoreChanges=res.ignore_changes,
        deleteBeforeReplace=bool(res.delete_before_replace),
        deleteBeforeReplaceDefined=res.delete_before_replace is not None,
        parent=res.parent or "",
    )


def _provider(res: Res) -> analyzer_pb2.AnalyzerProviderResource | None:
    if not res.provider:
        return None
    p = res.provider
    return analyzer_pb2.AnalyzerProviderResource(
        type=p.get("type", "pulumi:providers:aws"),
        urn=p.get("urn", ""),
        name=p.get("name", ""),
        properties=_struct(p.get("inputs", {})),
    )


def analyze_request(res: Res) -> analyzer_pb2.AnalyzeRequest:
    """The Analyze request the engine sends for one resource."""
    request = analyzer_pb2.AnalyzeRequest(
        type=res.type, properties=_struct(res.inputs), urn=res.urn, name=res.name, options=_options(res)
    )
    provider = _provider(res)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def analyze_stack_request(resources: Iterable[Res]) -> analyzer_pb2.AnalyzeStackRequest:
    """The AnalyzeStack request the engine sends once the program is done."""
    request = analyzer_pb2.AnalyzeStackRequest()
    for res in resources:
        r = request.resources.add(
            type=res.type,
            properties=_struct(res.inputs),
            urn=res.urn,
            name=res.name,
            options=_options(res),
            parent=res.parent or "",
            dependencies=res.dependencies,
        )
        provider = _provider(res)
        if provider is not None:
            r.provider.CopyFrom(provider)
        for key, urns in res.property_dependencies.items():
            r.propertyDependencies[key].urns.extend(urns)
    return request


def reconcile_config(
    policies: Iterable[PolicyInfo],
    initial: Mapping[str, Mapping[str, Any]],
    user: Mapping[str, Any] | None,
) -> dict[str, dict[str, Any]]:
    """Build the per-policy config the CLI sends to ``Configure``.

    Order, as in the CLI (pkg/resource/plugin/analyzer config reconciliation): each policy's schema defaults and its
    own level; then the pack's initial config; then the user's ``--policy-pack-config`` file, whose ``all`` key sets
    every policy's level before per-policy entries apply. The result is validated against each policy's schema.
    """
    policies = list(policies)
    by_name = {p.name: p for p in policies}
    result: dict[str, dict[str, Any]] = {}
    for p in policies:
        props = {
            k: v["default"] for k, v in p.config_schema.items() if isinstance(v, Mapping) and "default" in v
        }
        result[p.name] = {"enforcementLevel": p.enforcement_level, "properties": props}

    def apply(name: str, value: Any, source: str) -> None:
        if name not in by_name:
            raise PolicyConfigError(
                f"{source}: unknown policy '{name}' (the pack has: {', '.join(sorted(by_name))})"
            )
        entry = result[name]
        if isinstance(value, str):
            entry["enforcementLevel"] = _level(value, name, source)
            return
        if not isinstance(value, Mapping):
            raise PolicyConfigError(
                f"{source}: policy '{name}': expected a level or an object, got {value!r}"
            )
        for k, v in value.items():
            if k == "enforcementLevel":
                entry["enforcementLevel"] = _level(v, name, source)
            else:
                entry["properties"][k] = v

    for name, value in (initial or {}).items():
        apply(name, value, "the pack's initial config")
    user = dict(user or {})
    if "all" in user:
        all_value = user.pop("all")
        level = all_value.get("enforcementLevel") if isinstance(all_value, Mapping) else all_value
        level = _level(level, "all", "--policy-pack-config")
        for entry in result.values():
            entry["enforcementLevel"] = level
    for name, value in user.items():
        apply(name, value, "--policy-pack-config")

    for p in policies:
        props = result[p.name]["properties"]
        schema = {"type": "object", "properties": p.config_schema, "required": p.required}
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            prop = ".".join(str(x) for x in e.path) or (
                e.validator_value[0] if e.validator == "required" else ""
            )
            raise PolicyConfigError(f"policy '{p.name}': property '{prop}' is invalid: {e.message}")
    return result


def _level(value: Any, name: str, source: str) -> str:
    if value not in LEVELS:
        raise PolicyConfigError(
            f"{source}: policy '{name}': enforcement level {value!r} is not one of {', '.join(LEVELS)}"
        )
    return value


class PolicyPackSession:
    """A running policy pack process and a gRPC stub to it (a context manager)."""

    def __init__(
        self,
        pack_dir: str | os.PathLike = "policies",
        config: Mapping[str, Any] | None = None,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        configure: bool = True,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.user_config = config
        self.python = python or sys.executable
        self.env = dict(env or {})
        self._configure = configure
        self._proc: subprocess.Popen | None = None
        self._channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.info: dict[str, Any] = {}
        self.policies: list[PolicyInfo] = []
        self.config: dict[str, dict[str, Any]] = {}
        self.not_applicable: list[NotApplicable] = []

    # -- lifecycle ---------------------------------------------------------------------------------------
    def __enter__(self) -> PolicyPackSession:
        self.start()
        try:
            self.load_info()
            if self._configure:
                self.configure(self.user_config)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        env = {**os.environ, **self.env}
        env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", _ENGINE_PLACEHOLDER, "."],
            cwd=self.pack_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        line = self._proc.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self._proc.stderr.read().decode() if self._proc.poll() is not None else ""
            self.close()
            raise RuntimeError(
                f"policy pack in {self.pack_dir} did not print its port (got {line!r}):\n{err}"
            )
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{line}",
            options=[
                ("grpc.max_receive_message_length", 512 * 1024 * 1024),
                ("grpc.max_send_message_length", 512 * 1024 * 1024),
            ],
        )
        grpc.channel_ready_future(self._channel).result(timeout=30)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    @property
    def pid(self) -> int | None:
        """The pack process's id while it runs (the bench reads its CPU time)."""
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdout, self._proc.stderr):
                if stream:
                    stream.close()
            self._proc = None

    # -- protocol ----------------------------------------------------------------------------------------
    def load_info(self) -> dict[str, Any]:
        info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.policies = [
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
                policy_type="stack" if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
                config_schema=integral(json_format.MessageToDict(p.configSchema.properties)),
                required=list(p.configSchema.required),
                severity=SEVERITY_NAMES.get(p.severity, ""),
                framework={
                    "name": p.framework.name,
                    "version": p.framework.version,
                    "reference": p.framework.reference,
                    "specification": p.framework.specification,
                },
                remediation_steps=p.remediation_steps,
                url=p.url,
            )
            for p in info.policies
        ]
        initial = {}
        for name, cfg in info.initialConfig.items():
            entry = json_format.MessageToDict(cfg.properties)
            if cfg.enforcementLevel != analyzer_pb2.ADVISORY or not entry:
                entry["enforcementLevel"] = LEVEL_NAMES[cfg.enforcementLevel]
            initial[name] = entry
        self.info = {"name": info.name, "version": info.version, "initialConfig": initial}
        return self.info

    def policy(self, name: str) -> PolicyInfo:
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(name)

    def configure(self, user_config: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
        self.config = reconcile_config(self.policies, self.info.get("initialConfig", {}), user_config)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in self.config.items():
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(
                    enforcementLevel=LEVELS[entry["enforcementLevel"]],
                    properties=_struct(entry["properties"]),
                )
            )
        try:
            self.stub.Configure(request)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:  # the pack refused its config
                raise PolicyConfigError(exc.details()) from None
            raise
        return self.config

    def configure_stack(self, stack: str, project: str, config: Mapping[str, str] | None = None) -> None:
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack,
                project=project,
                organization="organization",
                dry_run=True,
                config=dict(config or {}),
            )
        )

    def analyze(self, res: Res) -> list[Violation]:
        return self._violations(self.stub.Analyze(analyze_request(res)), res.urn)

    def analyze_sent(self, res: Res) -> Callable[[], list[Violation]]:
        """Analyze sent without waiting for the answer, so that many calls can be in flight, as the engine sends
        them while the program registers: the returned function waits for the answer and gives the verdicts."""
        call = self.stub.Analyze.future(analyze_request(res))
        return lambda: self._violations(call.result(), res.urn)

    def analyze_stack(self, resources: Iterable[Res]) -> list[Violation]:
        return self.send_analyze_stack(analyze_stack_request(resources))

    def send_analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> list[Violation]:
        """AnalyzeStack with a request built beforehand (analyze_stack_request), e.g. while Analyze calls drain."""
        return self._violations(self.stub.AnalyzeStack(request), "")

    def _violations(self, response: analyzer_pb2.AnalyzeResponse, default_urn: str) -> list[Violation]:
        for na in response.not_applicable:
            self.not_applicable.append(NotApplicable(na.policy_name, default_urn, na.reason))
        return [
            Violation(
                policy=d.policyName,
                enforcement_level=LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                severity=SEVERITY_NAMES.get(d.severity, ""),
                urn=d.urn or default_urn,
                message=d.message,
            )
            for d in response.diagnostics
        ]


def load_config_file(path: str | os.PathLike | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyConfigError(f"--policy-pack-config {path}: {exc}") from exc
    if not isinstance(doc, dict):
        # The CLI reads the file as an object of policy names; anything else would silently configure nothing.
        raise PolicyConfigError(
            f"--policy-pack-config {path}: expected a JSON object of policy names, got {type(doc).__name__}"
        )
    return doc
