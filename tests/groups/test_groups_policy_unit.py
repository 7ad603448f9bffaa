"""Role rules and slug derivation, without HTTP."""

from __future__ import annotations

import pytest

from tribes.groups import policy
from tribes.groups.models import Membership
from tribes.groups.service import slugify


def member(user_id: int, role: str) -> Membership:
    """An unsaved membership with a role."""
    return Membership(tribe_id=1, user_id=user_id, role=role)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Rust Berlin", "rust-berlin"), ("  Ça va?  ", "ca-va"), ("ab", "ab-tribe"), ("日本", "tribe"), ("x" * 100, "x" * 64)],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("actor", "target", "new", "allowed"),
    [
        ("owner", "admin", "owner", True),
        ("owner", "member", "admin", True),
        ("admin", "member", "organiser", True),
        ("admin", "organiser", "member", True),
        ("admin", "member", "admin", False),
        ("admin", "admin", "member", False),
        ("admin", "owner", "member", False),
        ("organiser", "member", "organiser", False),
        ("member", "member", "organiser", False),
    ],
)
def test_may_change_role(actor: str, target: str, new: str, allowed: bool) -> None:
    assert policy.may_change_role(member(1, actor), member(2, target), new) is allowed


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("owner", "admin", True),
        ("owner", "owner", False),
        ("admin", "organiser", True),
        ("admin", "admin", False),
        ("organiser", "member", False),
        ("member", "member", False),
    ],
)
def test_may_remove(actor: str, target: str, allowed: bool) -> None:
    assert policy.may_remove(member(1, actor), member(2, target)) is allowed
    assert policy.may_remove(member(3, target), member(3, target))  # anyone may leave


def test_rank_order() -> None:
    assert policy.at_least("owner", "admin") and policy.at_least("organiser", "organiser")
    assert not policy.at_least("member", "organiser") and not policy.at_least(None, "member")
