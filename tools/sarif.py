"""The offline preview's policy verdicts as SARIF 2.1.0, so that code scanning shows them on the PR's lines.

    python -m tools.sarif out/prod/preview.json > prod.sarif
    python -m tools.sarif out/prod/preview.json --program DIR --output prod.sarif

One rule per policy of the pack (its description, remediation, Security Hub control, severity and URL, read
from the running pack through GetAnalyzerInfo, as tools/policy_table.py does) and one result per violation.
Each result points at source deterministically:

- a resource inside a component: the component's module (the file under ``components/`` that declares the
  component's type token), at the line that constructs the resource's class (``aws.rds.Instance(``) when that
  class is constructed exactly once there, else at the component's ``class`` line;
- a resource outside any component: the program's ``__main__.py``, on the same rule;
- a stack-wide verdict (no resource, or the stack itself): the stack file ``Pulumi.<stack>.yaml``, line 1.

The resource's URN travels as the result's logical location and its fingerprint, so that a violation keeps
its identity between runs however the lines move.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

from tools.analyzer import PolicyInfo, PolicyPackSession

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning ranks security results by this property (0.1-10); these are its documented bands.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
_COMPONENT_TOKEN = re.compile(r"""["'](elite-locadora:[a-z0-9-]+:[A-Za-z0-9]+)["']""")


class SarifError(Exception):
    """The preview document cannot be turned into SARIF."""


# -- where a resource is written ---------------------------------------------------------------------------
@cache
def component_files(program: Path) -> dict[str, Path]:
    """Component type token → the module under components/ that declares it."""
    found: dict[str, Path] = {}
    for path in sorted((program / "components").glob("*.py")):
        for token in _COMPONENT_TOKEN.findall(path.read_text()):
            found.setdefault(token, path)
    return found


def constructor_of(token: str) -> str | None:
    """`aws:rds/instance:Instance` → `aws.rds.Instance(`: how our code constructs a resource of that type."""
    package, _, rest = token.partition(":")
    module, _, cls = rest.partition(":")
    if not cls or package.startswith("pulumi") or package.startswith("elite-locadora"):
        return None
    return f"{package}.{module.split('/')[0]}.{cls}("


def _line_of(path: Path, needles: list[str], fallback: str | None) -> int:
    lines = path.read_text().splitlines()
    for needle in needles:
        hits = [i for i, line in enumerate(lines, 1) if needle in line]
        if len(hits) == 1:
            return hits[0]
    if fallback:
        for i, line in enumerate(lines, 1):
            if fallback in line:
                return i
    return 1


def locate(resource: dict[str, Any] | None, doc: dict[str, Any], program: Path) -> tuple[str, int]:
    """(path relative to the program, line) for a resource of the preview, or the stack file for stack verdicts."""
    stack_file = f"Pulumi.{doc['stack']}.yaml"
    if resource is None or resource["type"] == "pulumi:pulumi:Stack":
        return _relative(program / stack_file), 1
    by_urn = {r["urn"]: r for r in doc["resources"]}
    files = component_files(program)
    constructor = constructor_of(resource["type"])
    # The logical name as a literal (flat programs), else the one construction of the class.
    needles = [f'"{resource["name"]}"', *([constructor] if constructor else [])]
    node: dict[str, Any] | None = resource
    while node is not None:
        path = files.get(node["type"])
        if path is not None:
            cls = node["type"].rsplit(":", 1)[-1]
            line = _line_of(path, needles if node is not resource else [], f"class {cls}(")
            return _relative(path), line
        node = by_urn.get(node.get("parent") or "")
    main = program / "__main__.py"
    if main.exists():
        return _relative(main), _line_of(main, needles, None)
    return _relative(program / stack_file), 1


def _relative(path: Path) -> str:
    """Paths relative to the repository (what code scanning resolves against the checkout), else to the program."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.name


# -- the document -----------------------------------------------------------------------------------------
def _rule(p: PolicyInfo) -> dict[str, Any]:
    control = p.framework.get("reference") or ""
    tags = ["security", "pulumi-policy", *([control] if control else [])]
    help_text = f"{p.description}\n\nRemediation: {p.remediation_steps or 'see the policy description.'}"
    rule: dict[str, Any] = {
        "id": p.name,
        "name": "".join(part.capitalize() for part in p.name.split("-")),
        "shortDescription": {"text": p.description},
        "fullDescription": {"text": p.description},
        "help": {
            "text": help_text,
            "markdown": f"{p.description}\n\n**Remediation:** {p.remediation_steps or '—'}"
            + (f"\n\nControl: [{control}]({p.url})" if control and p.url else ""),
        },
        "defaultConfiguration": {"level": LEVELS.get(p.enforcement_level, "warning")},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "problem.severity": "error" if p.severity in ("critical", "high") else "warning",
            "security-severity": SECURITY_SEVERITY.get(p.severity, "5.5"),
        },
    }
    if p.url:
        rule["helpUri"] = p.url
    if control:
        rule["properties"]["control"] = control
    return rule


def build(
    doc: dict[str, Any], policies: list[PolicyInfo], pack: dict[str, Any], program: Path
) -> dict[str, Any]:
    """SARIF 2.1.0 for one stack's preview document and the pack that judged it."""
    if "resources" not in doc or "stack" not in doc:
        raise SarifError("not a preview document: expected the keys 'stack' and 'resources' (tools/preview)")
    violations = (doc.get("policy") or {}).get("violations") or []
    rules = [_rule(p) for p in sorted(policies, key=lambda p: p.name)]
    index = {r["id"]: i for i, r in enumerate(rules)}
    by_urn = {r["urn"]: r for r in doc["resources"]}
    results = []
    for v in sorted(violations, key=lambda v: (v["policy"], v.get("urn") or "", v["message"])):
        if v["policy"] not in index:
            raise SarifError(f"violation of {v['policy']!r}, which the pack at {PACK} does not define")
        urn = v.get("urn") or ""
        path, line = locate(by_urn.get(urn), doc, program)
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line},
            }
        }
        if urn:
            location["logicalLocations"] = [
                {"fullyQualifiedName": urn, "name": urn.rsplit("::", 1)[-1], "kind": "resource"}
            ]
        fingerprint = hashlib.sha256(f"{v['policy']}|{urn}|{v['message']}".encode()).hexdigest()
        results.append(
            {
                "ruleId": v["policy"],
                "ruleIndex": index[v["policy"]],
                "level": LEVELS.get(v.get("enforcementLevel", ""), "warning"),
                "message": {"text": v["message"]},
                "locations": [location],
                "partialFingerprints": {"pulumiPolicyViolation/v1": fingerprint},
                "properties": {
                    "stack": doc["stack"],
                    "enforcementLevel": v.get("enforcementLevel"),
                    "severity": v.get("severity"),
                    "control": v.get("control"),
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": pack.get("name") or "policy-pack",
                        "version": pack.get("version") or "0.0.0",
                        "informationUri": "https://www.pulumi.com/docs/insights/policy/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"offline-preview/{doc['stack']}/"},
                "results": results,
                "properties": {"project": doc.get("project"), "stack": doc["stack"]},
            }
        ],
    }


def convert(preview: Path, program: Path = ROOT, pack_dir: Path = PACK) -> dict[str, Any]:
    doc = json.loads(preview.read_text())
    with PolicyPackSession(pack_dir, configure=False) as session:
        policies, pack = session.policies, session.info
    return build(doc, policies, pack, program)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sarif", description=__doc__.split("\n")[0])
    parser.add_argument("preview", type=Path, help="out/<stack>/preview.json written by tools.preview")
    parser.add_argument(
        "--program", type=Path, default=ROOT, help="the program the preview ran (for locations)"
    )
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="convert a render older than the tree (its commit or config differ) instead of refusing it",
    )
    args = parser.parse_args(argv)
    try:
        if not args.allow_stale:
            from tools.provenance import staleness

            reason = staleness(json.loads(args.preview.read_text()))
            if reason:
                raise SarifError(
                    f"{args.preview} is stale: {reason}; run tools.preview again (or pass --allow-stale)"
                )
        sarif = convert(args.preview, args.program.resolve())
    except (OSError, ValueError, SarifError) as exc:
        print(f"tools.sarif: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(sarif, indent=2) + "\n"
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
