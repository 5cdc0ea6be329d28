"""The package as a user installs it: the tests exercise the installed copy, which carries the plan."""

from __future__ import annotations

from pathlib import Path

import rectify_cli
from rectify_cli.workspace import embedded_plan

from .conftest import INSTALLED_FROM_CHECKOUT, REPO


def test_the_installed_package_is_the_one_tested() -> None:
    package = Path(rectify_cli.__file__).resolve().parent
    if INSTALLED_FROM_CHECKOUT:
        assert package == REPO / "rectify_cli"
    else:  # a wheel in site-packages, never the checkout the tests run from
        assert package != REPO / "rectify_cli" and package.parent.name == "site-packages"


def test_the_plan_ships_inside_the_package() -> None:
    plan = embedded_plan()
    if not INSTALLED_FROM_CHECKOUT:
        assert plan == Path(rectify_cli.__file__).resolve().parent / "data" / "measures.yaml"
    assert plan.read_bytes() == (REPO / "data" / "measures.yaml").read_bytes()
