"""Permissions, roles and the signed-in actor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from guanxi_core.i18n import LazyText

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Permission:
    """A named right that a route, a service call or a transition checks.

    Attributes:
        name: `<slug>.<object>.<action>`, e.g. `pharma.visit.approve`.
        label: what an administrator reads when granting it.
    """

    name: str
    label: LazyText | str


@dataclass(frozen=True)
class Role:
    """A role and the permissions it grants by default.

    Attributes:
        name: the role's name (`rep`, `manager`, `host`); `admin` holds every permission.
        label: the role's display name.
        permissions: names of the permissions it grants.
    """

    name: str
    label: LazyText | str
    permissions: tuple[str, ...] = ()

    def __init__(self, name: str, label: LazyText | str, permissions: Iterable[str] = ()) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "permissions", tuple(permissions))


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with the roles and permissions resolved at sign-in.

    Attributes:
        id: the user's id; None for the system (command line, jobs).
        username: the user's login name.
        display_name: how the user is shown.
        locale: the user's language (`en`, `zh_CN`).
        team_id: the user's team, if any.
        roles: the names of the roles the user holds.
        permissions: every permission the roles grant.
    """

    id: int | None
    username: str
    display_name: str
    locale: str = "en"
    team_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        """Whether the actor holds the `admin` role (every permission)."""
        return ADMIN_ROLE in self.roles

    def can(self, permission: str) -> bool:
        """Whether the actor holds `permission`."""
        return self.is_admin or permission in self.permissions


def system_actor(locale: str = "en") -> Actor:
    """The actor of the command line and of jobs: an administrator with no user row."""
    return Actor(
        id=None,
        username="system",
        display_name="System",
        locale=locale,
        roles=frozenset({ADMIN_ROLE}),
    )
