"""The real Terraform AWS provider, offline: its schema, and which changed inputs force a replacement.

pulumi-aws is bridged from this provider, so its `ForceNew` flags are the ones `pulumi up` obeys. The flags are
not in any schema file; they show in a plan: `terraform plan -refresh=false` over a state holding the Terraform
resources and a configuration holding the values the Pulumi program wants reports `replace_paths` per resource.
No AWS call is made (no refresh, credential and account checks skipped); the provider binary must be installed
in a plugin directory (a filesystem mirror), as the CLI finds it offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .tfstate import AWS_PROVIDER, AdoptError, TfResource

_PROVIDER_DIR = Path("registry.terraform.io/hashicorp/aws")
# Where the CLI itself looks for plugins without a registry (its implied local mirror directories), plus the
# directory an image may preinstall them in. TF_PLUGIN_DIR overrides.
_PLUGIN_DIRS = (
    Path.home() / ".terraform.d/plugins",
    Path.home() / ".local/share/terraform/plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
    Path("/opt/tf-plugins"),
)
_ERROR_ADDRESS = re.compile(r"(?:with |in resource\.)(aws_[a-z0-9_]+\.r\d+)")
# Offline provider: no credential lookup, no account ID call, no IMDS probe.
_PROVIDER_BLOCK = {
    "access_key": "offline",
    "secret_key": "offline",
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
    "skip_region_validation": True,
}


def find_plugin_dir(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("TF_PLUGIN_DIR"):
        candidates.append(Path(os.environ["TF_PLUGIN_DIR"]))
    candidates.extend(_PLUGIN_DIRS)
    for c in candidates:
        if (c / _PROVIDER_DIR).is_dir():
            return c
    raise AdoptError(
        "the Terraform AWS provider is not installed in a plugin directory "
        f"({', '.join(str(c) for c in candidates)}): its replacement rules decide the verdicts; "
        "install hashicorp/aws there (terraform providers mirror DIR) or pass --tf-plugin-dir"
    )


@dataclass
class Change:
    """What the provider plans for one resource once the Pulumi values are applied."""

    actions: list[str]
    replace_paths: list[list[Any]]
    changed: list[str]  # top-level attributes whose value differs (before → after)
    error: str | None = None


class Provider:
    """A Terraform working directory pinned to the installed AWS provider, reused between runs."""

    def __init__(self, workdir: Path, plugin_dir: str | None = None) -> None:
        self.terraform = shutil.which(os.environ.get("TERRAFORM", "terraform"))
        if not self.terraform:
            raise AdoptError("terraform is not on PATH: the AWS provider's replacement rules come from it")
        self.plugin_dir = find_plugin_dir(plugin_dir)
        versions = sorted(
            (p.name for p in (self.plugin_dir / _PROVIDER_DIR).iterdir() if p.is_dir()),
            key=lambda v: [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)],
        )
        self.version = versions[-1]
        self.workdir = workdir / f"aws-{self.version}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._schema: dict[str, Any] | None = None

    # -- plumbing -----------------------------------------------------------------------------------------
    def _run(
        self, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}
        proc = subprocess.run(
            [self.terraform, *args],
            cwd=cwd or self.workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AdoptError(f"terraform {args[0]} failed in {cwd or self.workdir}: {_tail(proc.stderr)}")
        return proc

    def _init(self, directory: Path, provider: dict[str, Any] | None = None) -> None:
        doc: dict[str, Any] = {
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": self.version}}}
        }
        if provider is not None:
            doc["provider"] = {"aws": provider}
        (directory / "main.tf.json").write_text(json.dumps(doc, indent=1))
        if not (directory / ".terraform.lock.hcl").exists():
            self._run(
                "init",
                "-backend=false",
                f"-plugin-dir={self.plugin_dir}",
                "-input=false",
                "-no-color",
                cwd=directory,
            )

    # -- schema -------------------------------------------------------------------------------------------
    def schema(self) -> dict[str, Any]:
        """Resource schemas of the AWS provider (`terraform providers schema -json`), cached per version."""
        if self._schema is None:
            cache = self.workdir / "schema.json"
            if not cache.exists():
                self._init(self.workdir)
                proc = self._run("providers", "schema", "-json")
                doc = json.loads(proc.stdout)["provider_schemas"][AWS_PROVIDER]["resource_schemas"]
                cache.write_text(json.dumps(doc))
            self._schema = json.loads(cache.read_text())
        return self._schema

    def show_json(self, state_file: Path) -> dict[str, Any]:
        """`terraform show -json` of a state file (the second format the tool reads)."""
        self._init(self.workdir)
        return json.loads(self._run("show", "-json", "-no-color", str(state_file.resolve())).stdout)

    # -- replacement verdicts -----------------------------------------------------------------------------
    def plan(self, items: list[tuple[TfResource, dict[str, Any]]]) -> list[Change]:
        """For each (resource, wanted attribute values): the provider's planned actions and replace paths.

        A resource the provider cannot plan (its configuration fails validation) gets `error` and is left out
        of the next attempt, so one bad value does not hide the others' verdicts. Verdicts are kept per
        provider version and input (a plan costs seconds; the same input always plans the same).
        """
        cache_file = self.workdir / "plans.json"
        cache: dict[str, Any] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
        keys = [
            hashlib.sha256(
                json.dumps([t.type, t.schema_version, t.attributes, c], sort_keys=True, default=str).encode()
            ).hexdigest()
            for t, c in items
        ]
        results: dict[int, Change] = {i: Change(**cache[k]) for i, k in enumerate(keys) if k in cache}
        pending = [i for i in range(len(items)) if i not in results]
        plandir = self.workdir / "plan"
        plandir.mkdir(exist_ok=True)
        for _ in range(len(items) + 1):
            if not pending:
                break
            state, config = self._documents(items, pending)
            (plandir / "terraform.tfstate").write_text(json.dumps(state))
            self._init(plandir, _PROVIDER_BLOCK)
            (plandir / "resources.tf.json").write_text(json.dumps(config, indent=1))
            proc = self._run(
                "plan", "-refresh=false", "-lock=false", "-input=false", "-no-color", "-out=plan.bin",
                "-state=terraform.tfstate", cwd=plandir, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                (plandir / "last-error.txt").write_text(proc.stderr)
                failed = {int(a.rsplit(".r", 1)[1]) for a in _ERROR_ADDRESS.findall(proc.stderr)}
                failed &= set(pending)
                if not failed:
                    raise AdoptError(f"terraform plan failed: {_tail(proc.stderr)}")
                for i in failed:
                    results[i] = Change([], [], [], error=_error_for(proc.stderr, f".r{i}"))
                pending = [i for i in pending if i not in failed]
                continue
            shown = json.loads(self._run("show", "-json", "plan.bin", cwd=plandir).stdout)
            for rc in shown.get("resource_changes") or []:
                i = int(rc["name"][1:])
                ch = rc["change"]
                before, after = ch.get("before") or {}, ch.get("after") or {}
                unknown = ch.get("after_unknown") or {}
                changed = sorted(
                    k
                    for k in set(before) | set(after)
                    if before.get(k) != after.get(k) and not unknown.get(k)
                )
                results[i] = Change(ch["actions"], ch.get("replace_paths") or [], changed)
            pending = []
        for i, k in enumerate(keys):
            if i in results:
                cache[k] = asdict(results[i])
        cache_file.write_text(json.dumps(cache))
        return [results.get(i, Change(["no-op"], [], [])) for i in range(len(items))]

    def _documents(
        self, items: list[tuple[TfResource, dict[str, Any]]], indices: list[int]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        schema = self.schema()
        resources, config = [], {}
        for i in indices:
            tf, wanted = items[i]
            block = schema[tf.type]["block"]
            resources.append(
                {
                    "mode": "managed",
                    "type": tf.type,
                    "name": f"r{i}",
                    "provider": f'provider["{AWS_PROVIDER}"]',
                    "instances": [{"schema_version": tf.schema_version, "attributes": tf.attributes}],
                }
            )
            body = configurable(block, tf.attributes)
            body.update(wanted)
            config.setdefault(tf.type, {})[f"r{i}"] = body
        state = {
            "version": 4,
            "terraform_version": "1.0.0",
            "serial": 1,
            "lineage": "00000000-0000-4000-8000-000000000000",
            "outputs": {},
            "resources": resources,
        }
        return state, {"resource": config}


# Set by the provider whatever the configuration says (the SDK marks them optional, a configuration may not set them).
_NEVER_CONFIGURED = {"id", "tags_all"}


def configurable(block: dict[str, Any], values: dict[str, Any], top: bool = True) -> dict[str, Any]:
    """The part of a state value a configuration would set: no computed attribute, no zero value.

    A state stores an unset optional as its zero value ("", 0, false, []); writing those back would trip the
    provider's "required with" and "conflicts with" checks, and leaving them out plans the same resource.
    """
    out: dict[str, Any] = {}
    for name, spec in (block.get("attributes") or {}).items():
        if top and name in _NEVER_CONFIGURED:
            continue
        if spec.get("computed") and not spec.get("required"):
            # Computed-only, or optional+computed: left out, the plan keeps the state's value (and pairs such
            # as availability_zone / availability_zone_id, which conflict when both are set, stay quiet).
            continue
        if spec.get("deprecated") and not spec.get("required"):
            continue
        v = values.get(name)
        if (v is None or v is False or v == 0 or v in ("", [], {})) and not spec.get("required"):
            continue
        out[name] = v
    for name, spec in (block.get("block_types") or {}).items():
        v = values.get(name)
        if not v:
            continue
        items = v if isinstance(v, list) else [v]
        body = [configurable(spec["block"], it, top=False) for it in items if isinstance(it, dict)]
        body = [b for b in body if b or spec.get("min_items")]
        if body:
            out[name] = body
    return out


def _tail(text: str, lines: int = 12) -> str:
    keep = [
        ln
        for ln in text.splitlines()
        if ln.strip() and "CLI configuration" not in ln and ".terraformrc" not in ln
    ]
    return " | ".join(ln.strip(" │╷╵") for ln in keep[-lines:])


def _error_for(stderr: str, suffix: str) -> str:
    """The provider's error summary for one resource (the 'Error:' line before its 'with …' line)."""
    blocks = stderr.split("Error: ")
    for b in blocks[1:]:
        if f"{suffix}," in b or f"{suffix}." in b or f"{suffix}:" in b:
            return b.splitlines()[0].strip()
    return "the provider refused the configuration"
