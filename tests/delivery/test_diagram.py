"""docs/architecture.md's diagram is generated from the offline preview of prod and cannot go stale."""

from __future__ import annotations

import copy
import random
import re

from tools import diagram


def test_the_committed_diagram_is_what_prod_renders(prod):
    committed = diagram.committed_section(diagram.DOC.read_text())
    assert committed == diagram.generate(prod.data), (
        "docs/architecture.md's diagram is stale (a tier changed its services, kinds, regions or inputs): "
        "run `.venv/bin/python -m tools.diagram --write` and commit docs/architecture.md"
    )


def test_generation_is_deterministic_whatever_the_order_of_resources(prod):
    shuffled = copy.deepcopy(prod.data)
    random.Random(7).shuffle(shuffled["resources"])
    assert diagram.generate(shuffled) == diagram.generate(prod.data), "the diagram depends on resource order"


def test_every_tier_is_a_subgraph_in_the_order_values_flow(prod):
    m = diagram.model(prod.data)
    # Providers are not tiers (the DR region's provider and the DR site are both named `dr`: compare by type).
    tiers = {
        r["name"]
        for r in prod.resources
        if not r["custom"]
        and r.get("parent") not in {x["urn"] for x in prod.resources}
        and not r["type"].startswith("pulumi:providers:")
    }
    assert set(m["tiers"]) == tiers, f"tiers drawn {sorted(m['tiers'])}, top-level components {sorted(tiers)}"
    order = m["order"]
    for frm, to in m["flows"]:
        assert order.index(frm) < order.index(to), f"{frm} feeds {to} but is drawn after it ({order})"
    # Nothing feeds the keys (they feed the others), so they are drawn before any tier that needs them; dns, which
    # needs only the settings, may come before them (ties by name).
    roots = sorted(t for t in order if not any(to == t for _, to in m["flows"]))
    assert "keys" in roots and order.index("keys") < len(roots), f"keys are fed by nothing: {roots} ({order})"


def test_flows_are_the_typed_outputs_between_tiers(prod):
    flows = set(diagram.model(prod.data)["flows"])
    # Relations the program wires in __main__.py: the ALB in public subnets, tasks in private subnets and behind
    # the target groups, the database URL built from the data tier, the CDN in front of the assets bucket.
    for expected in [
        ("network", "edge"),
        ("network", "compute"),
        ("edge", "compute"),
        ("data", "secrets"),
        ("secrets", "compute"),
        ("storage", "cdn"),
        ("keys", "data"),
    ]:
        assert expected in flows, f"{expected[0]} → {expected[1]} missing from {sorted(flows)}"
    assert all(a != b for a, b in flows), "no tier flows into itself"


def test_resources_outside_the_primary_region_are_marked(prod):
    section = diagram.generate(prod.data)
    assert "Stack `prod`, primary region `us-east-1`" in section
    # The DR copies: the cross-region read replica and the replica bucket live in us-west-2.
    assert re.search(r'data_rds_us_west_2\["<b>rds · us-west-2</b><br/>[^"]*Instance', section), (
        "DR read replica"
    )
    assert re.search(r'storage_s3_us_west_2\["<b>s3 · us-west-2</b><br/>[^"]*Bucket', section), (
        "replica bucket"
    )


def test_every_resource_is_drawn_in_its_component(prod):
    """A resource parented to another resource (a role's policy) is drawn in the component above them."""
    m = diagram.model(prod.data)
    drawn = sum(sum(kinds.values()) for services in m["groups"].values() for kinds in services.values())
    resources = [r for r in prod.resources if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    assert drawn == len(resources), f"{len(resources)} resources, {drawn} drawn"
    owners = {owner for _tier, owner in m["groups"]}
    assert owners <= set(m["tiers"]) | {c for cs in m["components"].values() for c in cs}, owners


def test_the_mermaid_is_well_formed(prod):
    mermaid = diagram.mermaid(diagram.model(prod.data))
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart TB"
    opened = sum(1 for line in lines if line.strip().startswith("subgraph "))
    closed = sum(1 for line in lines if line.strip() == "end")
    assert opened == closed, f"{opened} subgraphs, {closed} ends"
    ids = [m[1] for line in lines if (m := re.match(r"\s+(?:subgraph )?([A-Za-z0-9_]+)\[", line))]
    assert len(ids) == len(set(ids)), "node ids are unique"
    for line in lines:
        if "-->" in line:
            a, b = (x.strip() for x in line.split("-->"))
            assert a in ids and b in ids, f"arrow between unknown nodes: {line}"
