"""Reading a Terraform state: the v4 state file (`terraform state pull`) or `terraform show -json` output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
_PROVIDER_REF = re.compile(r'^(?:module\.[^"]+\.)?provider\["(?P<source>[^"]+)"\](?:\.(?P<alias>[\w-]+))?$')
_REGION_IN_AZ = re.compile(r"^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$")


class AdoptError(Exception):
    """Input the tool cannot work from; the message says what and where (exit status 2, nothing written)."""


@dataclass
class TfResource:
    address: str
    type: str
    provider: str  # provider source address, e.g. registry.terraform.io/hashicorp/aws
    provider_config: str  # provider configuration (alias), e.g. provider["..."].us_west_2
    attributes: dict[str, Any]
    schema_version: int = 0
    sensitive: list[str] = field(default_factory=list)
    region: str | None = None

    @property
    def is_aws(self) -> bool:
        return self.provider == AWS_PROVIDER


def _region_of(attrs: dict[str, Any]) -> str | None:
    # Some types carry their ARN as the id only (aws_ecs_service): a same-named service of another region (a DR
    # site's) must not match it.
    for key in ("arn", "id"):
        arn = attrs.get(key)
        if isinstance(arn, str) and arn.startswith("arn:"):
            parts = arn.split(":")
            if len(parts) > 3 and parts[3]:
                return parts[3]
    az = attrs.get("availability_zone")
    if isinstance(az, str) and (m := _REGION_IN_AZ.match(az)):
        return m.group(1)
    region = attrs.get("region")
    return region if isinstance(region, str) and region else None


def _address(module: str | None, type_: str, name: str, key: Any) -> str:
    base = f"{module + '.' if module else ''}{type_}.{name}"
    if key is None:
        return base
    return f"{base}[{json.dumps(key)}]"


def _from_v4(doc: dict[str, Any], where: str) -> list[TfResource]:
    out: list[TfResource] = []
    for i, r in enumerate(doc.get("resources") or []):
        if not isinstance(r, dict) or "type" not in r or "instances" not in r:
            raise AdoptError(f"{where}: resources[{i}] is not a Terraform state resource (no type/instances)")
        if r.get("mode", "managed") != "managed":
            continue  # data sources are read, not managed: nothing to adopt
        m = _PROVIDER_REF.match(r.get("provider", ""))
        if not m:
            raise AdoptError(
                f"{where}: resources[{i}] ({r['type']}.{r.get('name')}) has no provider reference"
            )
        for inst in r["instances"]:
            if "attributes" not in inst:
                raise AdoptError(
                    f"{where}: {r['type']}.{r.get('name')} carries only flat attributes (state version < 4)"
                )
            sens = [
                p[0]["value"]
                for p in inst.get("sensitive_attributes") or []
                if p and p[0].get("type") == "get_attr"
            ]
            out.append(
                TfResource(
                    address=_address(r.get("module"), r["type"], r["name"], inst.get("index_key")),
                    type=r["type"],
                    provider=m.group("source"),
                    provider_config=r["provider"],
                    attributes=inst["attributes"],
                    schema_version=int(inst.get("schema_version", 0)),
                    sensitive=sens,
                )
            )
    return out


def _from_show(doc: dict[str, Any]) -> list[TfResource]:
    out: list[TfResource] = []

    def walk(module: dict[str, Any]) -> None:
        for r in module.get("resources") or []:
            if r.get("mode", "managed") != "managed":
                continue
            sens = [k for k, v in (r.get("sensitive_values") or {}).items() if v is True]
            out.append(
                TfResource(
                    address=r["address"],
                    type=r["type"],
                    provider=r.get("provider_name", ""),
                    # show -json drops the alias: the region comes from the resource's own ARN or zone.
                    provider_config=f'provider["{r.get("provider_name", "")}"]',
                    attributes=r.get("values") or {},
                    schema_version=int(r.get("schema_version", 0)),
                    sensitive=sens,
                )
            )
        for child in module.get("child_modules") or []:
            walk(child)

    walk(doc["values"].get("root_module") or {})
    return out


def load_state(path: Path) -> list[TfResource]:
    """Every managed resource instance of the state, with its region where the state tells it."""
    where = str(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise AdoptError(f"{where}: cannot read the Terraform state ({exc.strerror})") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdoptError(
            f"{where}: not a Terraform state (not JSON: {exc.msg} at line {exc.lineno}); "
            "give the file `terraform state pull` or `terraform show -json` writes"
        ) from exc
    if not isinstance(doc, dict):
        raise AdoptError(f"{where}: not a Terraform state (a JSON {type(doc).__name__}, not an object)")
    if "version" in doc and "resources" in doc:
        if doc["version"] != 4:
            raise AdoptError(
                f"{where}: Terraform state version {doc['version']} is not supported (only 4, Terraform >= 0.12)"
            )
        resources = _from_v4(doc, where)
    elif "format_version" in doc and "values" in doc:
        resources = _from_show(doc)
    elif "format_version" in doc and ("resource_changes" in doc or "planned_values" in doc):
        raise AdoptError(
            f"{where}: this is a Terraform plan, not a state; give `terraform show -json` of the state"
        )
    else:
        raise AdoptError(
            f"{where}: not a Terraform state (neither a v4 state with version/resources "
            "nor `terraform show -json` output with format_version/values)"
        )
    if not resources:
        raise AdoptError(f"{where}: the state holds no managed resource: nothing to adopt")
    if not any(r.is_aws for r in resources):
        providers = sorted({r.provider for r in resources})
        raise AdoptError(
            f"{where}: no resource of the AWS provider ({AWS_PROVIDER}); the state's providers: {', '.join(providers)}"
        )
    seen: set[str] = set()
    for r in resources:
        if r.address in seen:
            raise AdoptError(f"{where}: resource {r.address} appears twice in the state")
        seen.add(r.address)
    _fill_regions(resources)
    return resources


def _fill_regions(resources: list[TfResource]) -> None:
    """Region from the resource's ARN or zone; else the one its provider configuration's other resources show."""
    by_config: dict[str, set[str]] = {}
    for r in resources:
        r.region = _region_of(r.attributes)
        if r.region:
            by_config.setdefault(r.provider_config, set()).add(r.region)
    for r in resources:
        if r.region is None and len(by_config.get(r.provider_config, ())) == 1:
            r.region = next(iter(by_config[r.provider_config]))
    # Still unknown (`terraform show -json` drops provider aliases, so one configuration spans regions): the region
    # of a resource this one names (a route's route table, a capacity provider set's cluster).
    changed = True
    while changed:
        known = {
            value: r.region
            for r in resources
            if r.region
            for key in ("id", "arn", "name")
            if isinstance(value := r.attributes.get(key), str) and value
        }
        changed = False
        for r in resources:
            if r.region is None:
                found = {
                    known[v]
                    for k, v in r.attributes.items()
                    if k not in ("id", "arn", "name") and isinstance(v, str) and v in known
                }
                if len(found) == 1:
                    r.region, changed = found.pop(), True
