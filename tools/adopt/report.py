"""What the adoption comes to: the `pulumi import --file` document and the report (terminal and adoption.md)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .match import Pair, Result, _short
from .render import PulumiResource

# Import IDs that are not the state's `id` (each matches the "## Import" section of the pulumi_aws class's
# docstring; tests/adopt checks the separators against it).
IMPORT_IDS = {
    "aws_db_instance": lambda a: a["identifier"],  # v5 keeps the resource ID (db-…) as `id`
    "aws_ecs_cluster": lambda a: a["name"],  # `id` is the ARN
    "aws_ecs_service": lambda a: f"{a['cluster'].rsplit('/', 1)[-1]}/{a['name']}",
    "aws_ecs_task_definition": lambda a: a["arn"],  # `id` is the family
    "aws_route": lambda a: f"{a['route_table_id']}_{a['destination_cidr_block']}",
    "aws_route_table_association": lambda a: f"{a['subnet_id'] or a['gateway_id']}/{a['route_table_id']}",
    "aws_wafv2_web_acl": lambda a: f"{a['id']}/{a['name']}/{a['scope']}",
    "aws_appautoscaling_target": lambda a: (
        f"{a['service_namespace']}/{a['resource_id']}/{a['scalable_dimension']}"
    ),
    "aws_iam_role_policy_attachment": lambda a: f"{a['role']}/{a['policy_arn']}",
    "aws_cloudwatch_log_subscription_filter": lambda a: f"{a['log_group_name']}|{a['name']}",
}

# What each data-holding resource keeps, and how it crosses over when it cannot be adopted as it is. The steps
# name the stack config that does it (settings/data.py, settings/storage.py) and docs/migration.md's section.
DATA = {
    "aws_db_instance": (
        "the application's database",
        "snapshot the old instance, copy the snapshot under the stack's data key "
        "(`aws rds copy-db-snapshot --kms-key-id`), set `data.database.restoreFromSnapshot` to the copy, "
        "`pulumi up`, then replicate the writes made since the snapshot from the old instance "
        "(binlog replication, `mysql.rds_set_external_source`) until the cut-over; migration.md § Database",
    ),
    "aws_elasticache_replication_group": (
        "sessions, cache and the Laravel queue",
        "drain the queue workers at the cut-over (sessions and cache rebuild); or seed the new group from a "
        "backup exported to S3 (`snapshotArns`); migration.md § Cache",
    ),
    "aws_s3_bucket": (
        "vehicle images, customer documents, backups (all versions)",
        "adopted in place; were it replaced: S3 Batch Replication from the old bucket (`storage.seedFromBucket` "
        "creates the role the job runs as); migration.md § Assets",
    ),
    "aws_ecr_repository": (
        "the images the running services use",
        "copy every tag the services run (`crane copy` or `docker pull/push`) into the new repository before "
        "the services move; replication only carries images pushed after it is configured; migration.md § Images",
    ),
    "aws_ssm_parameter": (
        "application secrets (database URL, JWT secret, Stripe key)",
        "read the old value (`aws ssm get-parameter --with-decryption`) and set the stack's secret config "
        "(`pulumi config set --secret`); never through a file; migration.md § Secrets",
    ),
    "aws_route53_zone": (
        "every DNS record of the domain, and the delegation at the registrar",
        "keep the zone: the stack uses it (looked up by name, or `elite-locadora:dns.hostedZoneId`); records "
        "move with the cut-over (migration.md § DNS)",
    ),
    "aws_cloudwatch_log_group": (
        "application logs (30 days)",
        "none needed: the group keeps its events when adopted; a replaced group starts empty, export the old "
        "one first (`aws logs create-export-task`) if its history matters",
    ),
    "aws_dynamodb_table": (
        "Terraform's state locks",
        "none: retire it with the state bucket once no Terraform run is left (migration.md § Retiring Terraform)",
    ),
}


def import_document(result: Result) -> dict[str, Any]:
    """The file `pulumi import --file` reads: one entry per adoptable resource, components as parents.

    `name` is the entry's key inside the file, `logicalName` the resource's Pulumi name (the URN's last part);
    a parent is either another entry of the file or a URN in `nameTable`; a provider is always a URN in
    `nameTable`. Components are listed with `component: true` (no ID) so the engine creates them empty and the
    URNs it computes equal the program's.
    """
    adopted = [p for p in result.pairs if p.verdict == "adopt"]
    by_urn: dict[str, PulumiResource] = {p.pulumi.urn: p.pulumi for p in result.pairs}
    by_urn.update({c.urn: c for c in result.components})
    entries: dict[str, dict[str, Any]] = {}
    name_table: dict[str, str] = {}
    keys: dict[str, str] = {}

    def key_of(urn: str) -> str:
        if urn not in keys:
            r = by_urn.get(urn)
            base = r.name if r else urn.rsplit("::", 1)[-1]
            kind = (r.type if r else urn.split("::")[2].rsplit("$", 1)[-1]).rsplit(":", 1)[-1]
            k = base if base not in keys.values() else f"{base}-{kind}"
            n = 2
            while k in keys.values():
                k, n = f"{base}-{kind}-{n}", n + 1
            keys[urn] = k
        return keys[urn]

    def add_component(urn: str) -> str:
        k = key_of(urn)
        if k not in entries:
            c = by_urn[urn]
            entry: dict[str, Any] = {"type": c.type, "name": k, "logicalName": c.name, "component": True}
            if c.parent:
                entry["parent"] = add_component(c.parent)
            entries[k] = entry
        return k

    adopted_urns = {p.pulumi.urn for p in adopted}
    for pair in sorted(adopted, key=lambda p: p.pulumi.urn):
        p = pair.pulumi
        entry: dict[str, Any] = {
            "type": p.type,
            "name": key_of(p.urn),
            "logicalName": p.name,
            "id": import_id(pair),
        }
        if p.parent:
            parent = by_urn.get(p.parent)
            if parent is not None and not parent.custom:
                entry["parent"] = add_component(p.parent)
            elif p.parent in adopted_urns:
                entry["parent"] = key_of(p.parent)
            else:  # a resource the stack creates first (reported): referenced by its URN
                name_table[key_of(p.parent)] = p.parent
                entry["parent"] = key_of(p.parent)
        if p.provider:
            pk = f"provider-{p.provider.rsplit('::', 1)[-1]}"
            name_table[pk] = p.provider
            entry["provider"] = pk
        entries[entry["name"]] = entry
    components = sorted((e for e in entries.values() if e.get("component")), key=lambda e: e["name"])
    resources = sorted((e for e in entries.values() if not e.get("component")), key=lambda e: e["name"])
    return {"nameTable": dict(sorted(name_table.items())), "resources": components + resources}


def import_id(pair: Pair) -> str:
    build = IMPORT_IDS.get(pair.tf.type)
    return build(pair.tf.attributes) if build else str(pair.tf.attributes["id"])


def _value(v: Any) -> str:
    return f"`{_short(v, 70)}`" if v not in (None, "", []) else "(unset)"


def _forcing_text(pair: Pair) -> str:
    parts = []
    for attr, (old, new) in pair.forcing.items():
        target = pair.new_refs.get(attr)
        new_text = f"the stack's `{target}` (new)" if target else _value(new)
        parts.append(f"`{attr}` {_value(old)} → {new_text}")
    return "; ".join(parts)


def markdown(result: Result, stack: str, tfstate: str, import_path: str) -> str:
    adopted = [p for p in result.pairs if p.verdict == "adopt"]
    replaced = [p for p in result.pairs if p.verdict == "replace"]
    review = [p for p in result.pairs if p.verdict == "review"]
    out = [
        f"# Adoption of `{tfstate}` by stack `{stack}`",
        "",
        "Generated by `python -m tools.adopt`; verdicts from the Terraform AWS provider's own replacement rules "
        "(`terraform plan -refresh=false`, offline). The cut-over procedure is docs/migration.md.",
        "",
        "| Adopted | Replaced | Needs review | New | Not managed by this program |",
        "|---|---|---|---|---|",
        f"| {len(adopted)} | {len(replaced)} | {len(review)} | {len(result.new)} | {len(result.unmanaged)} |",
        "",
    ]
    if result.tf_env and result.stack_env and result.tf_env != result.stack_env:
        out += [
            f"Terraform's environment is `{result.tf_env}`, the stack's `{result.stack_env}`: names that carry it "
            "change, and a changed name forces a new resource wherever AWS cannot rename.",
            "",
        ]
    out += [
        f"## Adopted ({len(adopted)}): `pulumi import --file {import_path}`",
        "",
        "| Terraform address | Pulumi resource | Import ID | Matched by | `pulumi up` then updates in place |",
        "|---|---|---|---|---|",
    ]
    for p in adopted:
        out.append(
            f"| `{p.tf.address}` | `{p.pulumi.name}` ({p.pulumi.type}) | `{import_id(p)}` | {p.how} | "
            f"{', '.join(f'`{u}`' for u in p.updates) or 'nothing'} |"
        )
    out += [
        "",
        f"## Replaced ({len(replaced)}): the stack creates a new one; the old one stays until Terraform retires it",
        "",
        "| Terraform address | Pulumi resource | What forces the replacement | Matched by |",
        "|---|---|---|---|",
    ]
    for p in replaced:
        out.append(
            f"| `{p.tf.address}` | `{p.pulumi.name}` ({p.pulumi.type}) | {_forcing_text(p)} | {p.how} |"
        )
    if review:
        out += ["", f"## Needs review ({len(review)}): the provider refused the program's values", ""]
        out += [f"- `{p.tf.address}` ↔ `{p.pulumi.name}`: {p.error}" for p in review]
    out += [
        "",
        f"## Not managed by this program ({len(result.unmanaged)}): retire with Terraform after the cut-over",
        "",
    ]
    out += [f"- `{t.address}`: {why}" for t, why in result.unmanaged]
    out += [
        "",
        f"## New ({len(result.new)}): created by `pulumi up`",
        "",
        "| Component | Resources |",
        "|---|---|",
    ]
    by_component = Counter(p.urn.split("::")[2].split("$")[0] for p in result.new)
    out += [f"| `{c}` | {n} |" for c, n in sorted(by_component.items())]
    out += [
        "",
        "## Data: what each data-holding resource keeps and how it crosses over",
        "",
        "| Terraform address | Verdict | Holds | Migration step |",
        "|---|---|---|---|",
    ]
    verdicts = {p.tf.address: p for p in result.pairs}
    rows = [(p.tf, p.verdict) for p in result.pairs] + [(t, "not managed") for t, _ in result.unmanaged]
    for t, verdict in sorted(rows, key=lambda r: r[0].address):
        if t.type not in DATA:
            continue
        holds, step = DATA[t.type]
        pair = verdicts.get(t.address)
        if verdict == "adopt" and t.type != "aws_route53_zone":
            step = "none: adopted in place, the data stays (`pulumi import` marks it protected)"
        if pair and t.type == "aws_db_instance" and t.attributes.get("replicate_source_db"):
            step = "none: a read replica; the stack recreates it from the new primary"
        out.append(f"| `{t.address}` | {verdict} | {holds} | {step} |")
    return "\n".join(out) + "\n"


def terminal(result: Result, stack: str, written: list[str]) -> str:
    adopted = [p for p in result.pairs if p.verdict == "adopt"]
    replaced = [p for p in result.pairs if p.verdict == "replace"]
    review = [p for p in result.pairs if p.verdict == "review"]
    lines = [
        f"Adoption by stack '{stack}': {len(adopted)} adopted, {len(replaced)} replaced, {len(review)} to review, "
        f"{len(result.new)} new, {len(result.unmanaged)} not managed by this program",
        "",
        "  Replaced (what forces it):",
    ]
    lines += [f"    {p.tf.address} → {p.pulumi.name}: {_forcing_text(p).replace('`', '')}" for p in replaced]
    if review:
        lines += ["", "  To review:"] + [f"    {p.tf.address}: {p.error}" for p in review]
    lines += ["", "  Data-holding resources:"]
    for p in result.pairs:
        if p.tf.type in DATA:
            lines.append(f"    {p.tf.address}: {p.verdict}")
    lines += ["", *[f"  wrote {w}" for w in written]]
    return "\n".join(lines)


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=4) + "\n"
