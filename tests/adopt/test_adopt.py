"""tools.adopt against the guide's Terraform state (tests/fixtures/terraform): verdicts, the import file, bad input.

The verdicts come from the real Terraform AWS provider (offline plan), so the expectations below are AWS's rules:
a KMS key, a master user name, a cluster or an ElastiCache group ID cannot change in place; a VPC retagged, a
route table renamed by tag, an engine major version can.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import shutil
from pathlib import Path

import pytest

from tools.adopt.__main__ import analyse, main
from tools.adopt.match import Result
from tools.adopt.render import ROOT, engine_urns
from tools.adopt.report import IMPORT_IDS, import_document, import_id
from tools.adopt.terraform import Provider
from tools.adopt.typemap import TypeMap, pulumi_args

FIXTURE = ROOT / "tests/fixtures/terraform/elite-locadora-production.tfstate"
# Keys the CLI's importSpec declares (pulumi/pulumi pkg/cmd/pulumi/operations/import.go).
IMPORT_SPEC_KEYS = {
    "type", "name", "id", "parent", "provider", "version", "pluginDownloadUrl", "properties", "component",
    "remote", "logicalName",
}  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, prod) -> Path:
    """An out directory holding the session's prod render (no second render)."""
    out = tmp_path_factory.mktemp("adopt")
    (out / "preview.json").write_text(json.dumps(prod.data))
    return out


@pytest.fixture(scope="module")
def result(workdir: Path) -> Result:
    return analyse(FIXTURE, "prod", workdir)


def verdicts(result: Result) -> dict[str, str]:
    return {p.tf.address: p.verdict for p in result.pairs}


def pair(result: Result, address: str):
    found = [p for p in result.pairs if p.tf.address == address]
    assert found, f"{address}: not paired (unmanaged: {[t.address for t, _ in result.unmanaged]})"
    return found[0]


# -- verdicts ----------------------------------------------------------------------------------------------------
ADOPTED = [
    "module.vpc.aws_vpc.this[0]",
    *(f"module.vpc.aws_subnet.{k}[{i}]" for k in ("private", "public") for i in range(3)),
    "module.vpc.aws_internet_gateway.this[0]",
    *(f"module.vpc.aws_nat_gateway.this[{i}]" for i in range(3)),
    *(f"module.vpc.aws_eip.nat[{i}]" for i in range(3)),
    "module.vpc.aws_route_table.public[0]",
    *(f"module.vpc.aws_route_table.private[{i}]" for i in range(3)),
    *(f"module.vpc.aws_route_table_association.{k}[{i}]" for k in ("private", "public") for i in range(3)),
    "module.vpc.aws_route.public_internet_gateway[0]",
    "module.vpc.aws_vpn_gateway.this[0]",
    "module.vpc.aws_default_security_group.this[0]",
    "aws_s3_bucket.assets",
    "aws_s3_bucket_versioning.assets",
    "aws_s3_bucket_policy.assets",
]
# address → the inputs that must be among those forcing the replacement
REPLACED = {
    "aws_db_instance.database": {"kms_key_id", "username"},
    "aws_db_instance.replica_east": {"replicate_source_db"},
    "aws_db_instance.replica_west": {"kms_key_id"},
    "aws_db_parameter_group.mysql": {"family", "name"},
    "aws_ecs_cluster.elite_locadora": {"name"},
    "aws_ecs_service.backend": {"cluster"},
    "aws_elasticache_replication_group.redis": {"replication_group_id", "kms_key_id"},
    "aws_ecr_repository.backend": {"encryption_configuration"},
    "aws_ssm_parameter.jwt_secret": {"name"},
    "aws_lb.main": {"name"},
}
UNMANAGED = {
    "aws_dynamodb_table.terraform_state_lock": "has no aws_dynamodb_table",
    "aws_cloudfront_origin_access_identity.assets": "has no aws_cloudfront_origin_access_identity",
    "aws_cloudwatch_metric_alarm.high_cpu": "no aws_cloudwatch_metric_alarm of the program matches",
    "aws_security_group.rds": "no aws_security_group of the program matches",
    "module.vpc.aws_default_network_acl.this[0]": "has no aws_default_network_acl",
    # api.<domain> on the ALB is gone: the public names go through CloudFront, the ALB is origin.<domain> only
    # (docs/departures.md, "Public routing").
    "aws_route53_record.api": "no aws_route53_record of the program matches",
    # The live domain's zone is used where it is, never adopted or created (components/dns.py, #14 item 4).
    "aws_route53_zone.main": "has no aws_route53_zone",
}


@pytest.mark.parametrize("address", ADOPTED)
def test_adopted_as_it_is(result: Result, address: str) -> None:
    p = pair(result, address)
    assert p.verdict == "adopt", (
        f"{address} ↔ {p.pulumi.urn}: {p.verdict}, forced by {sorted(p.forcing)} {p.error}"
    )


@pytest.mark.parametrize(("address", "forced_by"), sorted(REPLACED.items()))
def test_replaced_names_the_input_that_forces_it(result: Result, address: str, forced_by: set[str]) -> None:
    p = pair(result, address)
    assert p.verdict == "replace", f"{address} ↔ {p.pulumi.urn}: {p.verdict} (updates {p.updates})"
    assert forced_by <= set(p.forcing), (
        f"{address}: forced by {sorted(p.forcing)}, expected {sorted(forced_by)}"
    )


@pytest.mark.parametrize(("address", "why"), sorted(UNMANAGED.items()))
def test_not_managed_by_the_program(result: Result, address: str, why: str) -> None:
    reasons = {t.address: r for t, r in result.unmanaged}
    assert address in reasons, f"{address}: expected not managed, got {verdicts(result).get(address)}"
    assert why in reasons[address], f"{address}: {reasons[address]}"


def test_major_engine_upgrade_is_in_place_and_kms_key_is_not(result: Result) -> None:
    """MySQL 8.0.35 → 8.4 is a ModifyDBInstance (RDS supports 8.0 → 8.4 in place); the storage key is not."""
    db = pair(result, "aws_db_instance.database")
    assert "engine_version" in db.updates, (
        f"{db.tf.address}: updates {db.updates}, forcing {sorted(db.forcing)}"
    )
    assert "engine_version" not in db.forcing
    assert db.forcing["kms_key_id"][0].endswith(db.tf.attributes["kms_key_id"].rsplit("/", 1)[1])


def test_replacement_through_a_replaced_parent_names_it(result: Result) -> None:
    service = pair(result, "aws_ecs_service.frontend")
    assert service.new_refs.get("cluster") == "compute-cluster", f"{service.tf.address}: {service.new_refs}"
    db = pair(result, "aws_db_instance.database")
    assert db.new_refs.get("kms_key_id") == "keys-primary-data", f"{db.tf.address}: {db.new_refs}"


def test_matching_reasons(result: Result) -> None:
    assert pair(result, "aws_ssm_parameter.database_url").how.startswith(
        "renamed (name /elite-locadora/production/"
    )
    assert pair(result, "module.vpc.aws_eip.nat[1]").how.startswith(
        "reference (module.vpc.aws_nat_gateway.this[1]"
    )
    assert pair(result, "aws_db_instance.replica_west").pulumi.name == "data-mysql-dr"
    assert pair(result, "aws_db_instance.database").pulumi.name == "data-mysql"
    assert pair(result, "aws_lb_target_group.backend").pulumi.name == "edge-api"  # port 8000


def test_data_holding_resources_have_a_migration_step(workdir: Path, result: Result) -> None:
    assert main(["--tfstate", str(FIXTURE), "--stack", "prod", "--out", str(workdir)]) == 0
    report = (workdir / "adoption.md").read_text()
    data = report.split("## Data", 1)[1]
    for address in (
        "aws_db_instance.database",
        "aws_elasticache_replication_group.redis",
        "aws_s3_bucket.assets",
        "aws_ecr_repository.backend",
        "aws_ssm_parameter.stripe_secret_key",
        "aws_route53_zone.main",
    ):
        row = next((ln for ln in data.splitlines() if f"`{address}`" in ln), None)
        assert row and row.count("|") == 5 and row.rsplit("|", 2)[1].strip(), (
            f"adoption.md: no step for {address}"
        )
    assert "copy-db-snapshot" in data and "restoreFromSnapshot" in data
    assert "`kms_key_id`" in report.split("## Replaced", 1)[1]


# -- the import file -----------------------------------------------------------------------------------------------
def _urns_as_the_cli_computes(doc: dict, stack: str, project: str) -> dict[str, str]:
    """parseImportFile: a URN from the parent's qualified type (name table or file entry) and the logical name."""
    entries = {e["name"]: e for e in doc["resources"]}
    urns: dict[str, str] = {}

    def qualified_type(name: str) -> str:
        if name in doc["nameTable"]:
            return doc["nameTable"][name].split("::")[2]
        e = entries[name]
        return f"{qualified_type(e['parent'])}${e['type']}" if e.get("parent") else e["type"]

    for name, e in entries.items():
        urns[name] = f"urn:pulumi:{stack}::{project}::{qualified_type(name)}::{e.get('logicalName') or name}"
    return urns


def test_import_file_is_what_pulumi_import_reads(workdir: Path, result: Result, prod) -> None:
    doc = import_document(result)
    assert set(doc) == {"nameTable", "resources"}
    names = [e["name"] for e in doc["resources"]]
    assert len(names) == len(set(names)), "import.json: entry names must be unique"
    for e in doc["resources"]:
        assert set(e) <= IMPORT_SPEC_KEYS, (
            f"import.json {e['name']}: unknown keys {set(e) - IMPORT_SPEC_KEYS}"
        )
        assert e["type"] and e["name"]
        if e.get("component"):
            assert "id" not in e, f"import.json {e['name']}: a component has no ID"
        else:
            assert e["id"], f"import.json {e['name']}: no ID"
            assert e["provider"] in doc["nameTable"], f"import.json {e['name']}: provider not in nameTable"
        if "parent" in e:
            assert e["parent"] in doc["nameTable"] or e["parent"] in names, f"import.json {e['name']}: parent"
    render = engine_urns(prod.data)
    urns = _urns_as_the_cli_computes(doc, "prod", prod.data["project"])
    adopted = {p.pulumi.urn for p in result.pairs if p.verdict == "adopt"}
    custom = {urns[e["name"]] for e in doc["resources"] if not e.get("component")}
    assert custom == adopted, (
        f"import.json: URNs differ from the adopted resources: {sorted(custom ^ adopted)[:4]}"
    )
    assert all(u in render for u in urns.values()), "import.json: a URN the program does not declare"
    for urn in doc["nameTable"].values():
        assert urn in render, f"import.json nameTable: {urn} is not a resource of the program"
    on_disk = json.loads((workdir / "import.json").read_text())
    assert on_disk == doc


def _docstring_example(pulumi_type: str) -> str:
    module, cls = pulumi_type.split(":")[1].split("/")[0], pulumi_type.split(":")[2]
    mod = __import__(f"pulumi_aws.{module}", fromlist=[cls])
    doc = inspect.getsource(inspect.getmodule(getattr(mod, cls)))  # the "## Import" section of its docs
    m = re.search(rf"\$ pulumi import {re.escape(pulumi_type)} \S+ (\S+)", doc)
    assert m, f"{pulumi_type}: no import example in the installed pulumi_aws docstring"
    return m.group(1)


def _shape(import_id_: str) -> str:
    return re.sub(r"[A-Za-z0-9.:*-]+", "x", import_id_)


def test_import_ids_follow_the_installed_sdk(result: Result) -> None:
    """Where the ID is not the state's `id`, its separators are those of the SDK's own import example."""
    checked = 0
    for p in result.pairs:
        if p.tf.type in IMPORT_IDS:
            example = _docstring_example(p.pulumi.type)
            assert _shape(import_id(p)) == _shape(example), f"{p.tf.address}: {import_id(p)} vs SDK {example}"
            checked += 1
    assert checked >= 6, f"only {checked} pairs exercised IMPORT_IDS"


def test_types_are_derived_from_the_provider_schema_and_the_sdk(result: Result) -> None:
    provider = Provider(ROOT / "out" / ".adopt")
    typemap = TypeMap(provider.schema())  # no cache: derived afresh
    expected = {
        "aws:rds/instance:Instance": "aws_db_instance",
        "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
        "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
        "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    }
    for pulumi_type, tf_type in expected.items():
        assert typemap.tf_type(pulumi_type) == tf_type, f"{pulumi_type}: {typemap.tf_type(pulumi_type)}"
        assert "tags" in pulumi_args(pulumi_type) or "bucket" in pulumi_args(pulumi_type)


# -- the second state format -----------------------------------------------------------------------------------------
def test_terraform_show_json_gives_the_same_verdicts(tmp_path: Path, workdir: Path, result: Result) -> None:
    shown = Provider(ROOT / "out" / ".adopt").show_json(FIXTURE)
    assert "values" in shown and shown["format_version"]
    state = tmp_path / "show.json"
    state.write_text(json.dumps(shown))
    again = analyse(state, "prod", workdir)
    assert verdicts(again) == verdicts(result)
    assert {t.address for t, _ in again.unmanaged} == {t.address for t, _ in result.unmanaged}


# -- bad input: exit 2, a message that says what, nothing written ------------------------------------------------
def _state(tmp_path: Path, doc: object, name: str = "bad.tfstate") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _fresh_out(tmp_path: Path, workdir: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(workdir / "preview.json", out / "preview.json")
    return out


def _google_state() -> dict:
    return {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 3,
        "lineage": "3f2b9c1e-0000-4000-8000-000000000001",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": "google_storage_bucket",
                "name": "assets",
                "provider": 'provider["registry.terraform.io/hashicorp/google"]',
                "instances": [
                    {"schema_version": 1, "attributes": {"id": "elite-locadora-assets", "name": "x"}}
                ],
            }
        ],
    }


def _twice() -> dict:
    doc = json.loads(FIXTURE.read_text())
    bucket = next(r for r in doc["resources"] if r["type"] == "aws_s3_bucket")
    copy_ = copy.deepcopy(bucket)
    copy_["name"] = "assets_imported_again"
    doc["resources"].append(copy_)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ('terraform {\n  backend "s3" {}\n}\n', "not a Terraform state (not JSON"),
        ({"bucket": "elite-locadora-terraform-state"}, "not a Terraform state (neither a v4 state"),
        ({"format_version": "1.2", "resource_changes": []}, "this is a Terraform plan, not a state"),
        ({"version": 3, "serial": 1, "modules": [], "resources": []}, "state version 3 is not supported"),
        (_google_state(), "no resource of the AWS provider"),
        (
            {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "resources": []},
            "no managed resource",
        ),
        (_twice(), "is matched twice"),
    ],
    ids=["hcl", "other-json", "plan", "v3", "google", "empty", "matched-twice"],
)
def test_bad_input_fails_clearly_and_writes_nothing(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], doc: object, message: str
) -> None:
    out = _fresh_out(tmp_path, workdir)
    (out / "import.json").write_text('{"resources": []}\n')  # an earlier run's file stays as it was
    code = main(["--tfstate", str(_state(tmp_path, doc)), "--stack", "prod", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, f"exit {code}, stderr: {err}"
    assert message in err and "nothing written" in err, err
    assert sorted(p.name for p in out.iterdir()) == ["import.json", "preview.json"], list(out.iterdir())
    assert (out / "import.json").read_text() == '{"resources": []}\n'


def test_unknown_stack_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--tfstate", str(FIXTURE), "--stack", "qa", "--out", str(tmp_path / "o")])
    assert code == 2 and "Pulumi.qa.yaml does not exist" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
