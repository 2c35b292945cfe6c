"""tools/sarif.py: the pack's verdicts as SARIF 2.1.0 that code scanning accepts, located on our source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tools.analyzer import PolicyPackSession
from tools.sarif import build, constructor_of, locate

ROOT = Path(__file__).resolve().parents[2]
INSECURE = ROOT / "tests" / "fixtures" / "insecure"

# The parts of the SARIF 2.1.0 schema GitHub code scanning requires of an upload (its "SARIF support" page).
SARIF_SHAPE = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "help", "properties"],
                                        },
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "ruleId",
                                "ruleIndex",
                                "level",
                                "message",
                                "locations",
                                "partialFingerprints",
                            ],
                            "properties": {
                                "level": {"enum": ["error", "warning", "note", "none"]},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {
                                                            "startLine": {"type": "integer", "minimum": 1}
                                                        },
                                                    }
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def pack_info():
    with PolicyPackSession(ROOT / "policies", configure=False) as session:
        return session.policies, session.info


@pytest.fixture(scope="module")
def insecure(render):
    return render("test", program=INSECURE)


def test_insecure_program_verdicts_become_one_result_each(insecure, pack_info):
    policies, info = pack_info
    sarif = build(insecure.data, policies, info, INSECURE)
    jsonschema.validate(sarif, SARIF_SHAPE)
    run = sarif["runs"][0]
    assert len(run["results"]) == len(insecure.violations), "one SARIF result per violation of the preview"
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {p.name for p in policies}, "one rule per policy of the pack"
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"], f"{result['ruleId']}: ruleIndex points at {rule['id']}"
        urn = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        violation = next(
            v for v in insecure.violations if v["urn"] == urn and v["policy"] == result["ruleId"]
        )
        expected = "error" if violation["enforcementLevel"] == "mandatory" else "warning"
        assert result["level"] == expected, f"{urn} {result['ruleId']}: level follows the enforcement level"
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("tests/fixtures/insecure/"), f"{urn}: located at {uri}, not the fixture program"
    fingerprints = [r["partialFingerprints"]["pulumiPolicyViolation/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints), "each violation has its own fingerprint"


def test_a_flat_program_resource_is_located_on_its_constructor_line(insecure):
    db = insecure.one("aws:rds/instance:Instance", "db")
    path, line = locate(db, insecure.data, INSECURE)
    source = (ROOT / path).read_text().splitlines()[line - 1]
    assert path == "tests/fixtures/insecure/__main__.py" and '"db"' in source, (
        f"{db['urn']} → {path}:{line}: {source}"
    )


def test_a_component_resource_is_located_in_its_tier_module(prod):
    instance = prod.of_type("aws:rds/instance:Instance")[0]
    path, line = locate(instance, prod.data, ROOT)
    assert path == "components/data.py", f"{instance['urn']} → {path}"
    assert constructor_of(instance["type"]) == "aws.rds.Instance("
    lines = (ROOT / path).read_text().splitlines()
    assert line > 1 and ("aws.rds.Instance(" in lines[line - 1] or "class Data(" in lines[line - 1]), (
        f"{instance['urn']} → {path}:{line}: {lines[line - 1]!r}"
    )


def test_stack_verdicts_point_at_the_stack_file(prod):
    assert locate(None, prod.data, ROOT) == ("Pulumi.prod.yaml", 1)


def test_the_command_line_writes_the_document(insecure, tmp_path):
    preview = tmp_path / "preview.json"
    preview.write_text(json.dumps(insecure.data))
    out = subprocess.run(
        [sys.executable, "-m", "tools.sarif", str(preview), "--program", str(INSECURE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["version"] == "2.1.0" and doc["runs"][0]["automationDetails"]["id"] == "offline-preview/test/"
    bad = subprocess.run(
        [sys.executable, "-m", "tools.sarif", str(tmp_path / "missing.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "tools.sarif:" in bad.stderr, (
        "a missing preview is reported, not a traceback"
    )
