"""The web ACL rules (components/waf.py) for upload settings no stack file uses: more than one upload route
(`edge.uploadPaths` takes up to five; every stack lists one) and a limit whose digits include a 9 (every stack keeps
the default 10 MiB). The ACL is built alone under the mocks, so the rules are read as the engine receives them,
and judged by the evaluator the edge specifications use (tests/tiers/waf_eval.py)."""

from __future__ import annotations

import re

import pulumi_aws as aws
import pytest

from components.waf import UploadRoutes, greater_than_regex, guide_rules, visibility
from tests.components.alone import Built, build
from tests.tiers.waf_eval import Request, verdict

ROUTES = ("/api/uploads/", "/api/documents/")
LIMIT = 9 * 1024 * 1024  # 9437184: a 9 leads, where the regex's digit-by-digit spelling has its special case


def _acl(name: str, paths: tuple[str, ...]) -> aws.wafv2.WebAcl:
    return aws.wafv2.WebAcl(
        name,
        scope="REGIONAL",
        default_action={"allow": {}},
        rules=guide_rules(2000, uploads=UploadRoutes(paths, LIMIT), client="forwarded"),
        visibility_config=visibility(name),
    )


@pytest.fixture(scope="module")
def acls() -> Built[None]:
    def construct() -> None:
        _acl("two-routes", ROUTES)
        _acl("one-route", ROUTES[:1])

    return build(construct)


def _rules(acls: Built[None], name: str) -> list[dict]:
    return acls.one("aws:wafv2/webAcl:WebAcl", name).inputs["rules"]


def test_every_upload_route_takes_large_bodies_up_to_the_limit_and_no_other_path_does(
    acls: Built[None],
) -> None:
    rules = _rules(acls, "two-routes")
    cases = {
        "a 3 MB photo on the first route": (Request("/api/uploads/photo", 3_000_000), "allow"),
        "a 3 MB scan on the second route": (Request("/api/documents/licence", 3_000_000), "allow"),
        "exactly the limit on the second route": (Request("/api/documents/licence", LIMIT), "allow"),
        "one byte over the limit on the second route": (
            Request("/api/documents/licence", LIMIT + 1),
            "block",
        ),
        "one byte over the limit on the first route": (Request("/api/uploads/photo", LIMIT + 1), "block"),
        "a 20 KB body off the routes": (Request("/api/bookings", 20_000), "block"),
        "a 20 KB body on a path that only starts like a route": (Request("/api/upload", 20_000), "block"),
    }
    for what, (request, expected) in cases.items():
        got, rule = verdict(rules, request)
        assert got == expected, f"{what}: {got} (rule {rule}), expected {expected}"


def test_routes_are_one_or_of_their_matches_and_a_single_route_its_bare_match(acls: Built[None]) -> None:
    """WAF's OrStatement takes more than one statement (OrStatement, WAFv2 API reference): two routes are an OR of
    both; one route is its byte match alone, not an OR of one that WAF would refuse."""

    def route_statement(rules: list[dict]) -> dict:
        [over] = [r for r in rules if r["name"] == "UploadOverLimit"]
        return over["statement"]["andStatement"]["statements"][0]

    two = route_statement(_rules(acls, "two-routes"))
    assert [s["byteMatchStatement"]["searchString"] for s in two["orStatement"]["statements"]] == list(ROUTES)
    one = route_statement(_rules(acls, "one-route"))
    assert set(one) == {"byteMatchStatement"} and one["byteMatchStatement"]["searchString"] == ROUTES[0]


@pytest.mark.parametrize(
    "limit", [0, 8, 9, 10, 19, 89, 98, 99, 100, 109, 190, 899, 909, 990, 999, 1000, 1099, 1909, 1999, 8192]
)
def test_the_content_length_regex_matches_exactly_the_numbers_over_the_limit(limit: int) -> None:
    """WAF compares strings, so "Content-Length > limit" is spelled digit by digit; every number up to twice the
    limit and past the next power of ten, with and without leading zeros, falls on the right side. Non-capturing
    groups only: WAF refuses capturing subexpressions."""
    regex = greater_than_regex(limit)
    assert not re.search(r"\((?!\?:)", regex), f"{regex}: a capturing group"
    pattern = re.compile(regex)
    for n in range(max(2 * limit, 10 ** len(str(limit))) + 12):
        for text in (str(n), f"00{n}"):
            assert (pattern.search(text) is not None) == (n > limit), f"limit {limit}: {text!r} with {regex}"
