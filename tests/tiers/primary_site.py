"""Fixtures for the specifications of one region's tier (compute, edge, network): the DR site builds these tiers
again in the DR region (components/dr_site.py; its own specifications are in tests/tiers/test_dr_site.py), so
these modules read the render without it (tests/render.py: Render.primary_site).

Not a conftest: the other tier modules read the whole render. A module opts in by binding the three names,
`render, prod, staging = primary_site.FIXTURES`; pytest collects a fixture from the module that binds it, and
this `render` then wraps the session's (tests/conftest.py) for that module only.
"""

from __future__ import annotations

import pytest

from tests.render import Render


@pytest.fixture(scope="module")
def render(render):
    """The session's render(stack, ...) without the DR site."""
    return lambda stack, *args, **kwargs: render(stack, *args, **kwargs).primary_site


@pytest.fixture(scope="module")
def prod(render) -> Render:
    return render("prod")


@pytest.fixture(scope="module")
def staging(render) -> Render:
    return render("staging")


FIXTURES = (render, prod, staging)
