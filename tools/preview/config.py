"""Stage 1 of the offline preview: the stack's config as the CLI would pass it to the program."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.errors import ProgramError


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


def override(config: StackConfig, spec: str) -> None:
    """Apply `namespace:key.path=value` over the stack file, as `pulumi config set --path` would (the value read
    as YAML: `true`, `3`, `text`): renders a variant of a stack, e.g. `elite-locadora:dr.failedOver=true`."""
    target, sep, raw = spec.partition("=")
    root, _, path = target.partition(".")
    if not sep or ":" not in root:
        raise ProgramError(f"--config {spec!r}: expected namespace:key[.path]=value")
    value = yaml.safe_load(raw)
    if not path:
        config.values[root] = _config_string(value)
        return
    if root not in config.values:
        raise ProgramError(f"--config {spec!r}: {root} is not set in Pulumi.{config.stack}.yaml")
    doc = json.loads(config.values[root])
    node = doc
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    config.values[root] = _config_string(doc)


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
