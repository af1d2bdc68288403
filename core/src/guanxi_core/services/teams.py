"""Team administration: list, create, rename, delete.

Every call needs `core.user.manage` and every change is audited. A team that still has
members or customers cannot be deleted: its managers see its customers through it, so
deleting it would silently hide them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import exists, func
from sqlmodel import col, select

from guanxi_core import users as rules
from guanxi_core.errors import FieldError, NotFoundError, ValidationError
from guanxi_core.i18n import _
from guanxi_core.models import Customer, Team, User
from guanxi_core.services._store import write_audit

if TYPE_CHECKING:
    from guanxi_core.services.context import Context

MANAGE = "core.user.manage"
ENTITY = "team"


@dataclass(frozen=True)
class TeamInfo:
    """A team with the number of its users.

    Attributes:
        id: the team's id.
        name: its name.
        members: how many users (active or not) belong to it.
    """

    id: int
    name: str
    members: int


class TeamService:
    """Team administration for one context (its actor needs `core.user.manage`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.app = ctx.app

    def list(self) -> list[TeamInfo]:
        """Every team by name, with its member count (one query)."""
        self.ctx.require(MANAGE)
        members = (
            select(col(User.team_id), func.count().label("members"))
            .where(col(User.team_id).is_not(None))
            .group_by(col(User.team_id))
            .subquery()
        )
        stmt = (
            select(col(Team.id), col(Team.name), func.coalesce(members.c.members, 0))
            .outerjoin(members, members.c.team_id == col(Team.id))
            .order_by(col(Team.name), col(Team.id))
        )
        with self.ctx.read() as session:
            return [TeamInfo(row[0], row[1], int(row[2])) for row in session.execute(stmt)]

    def get(self, team_id: int) -> TeamInfo:
        """One team; `NotFoundError` if there is none."""
        self.ctx.require(MANAGE)
        with self.ctx.read() as session:
            name = session.execute(select(col(Team.name)).where(col(Team.id) == team_id)).scalar()
            if name is None:
                raise NotFoundError(ENTITY, team_id)
            count = session.execute(
                select(func.count()).select_from(User).where(col(User.team_id) == team_id)
            ).scalar()
        return TeamInfo(team_id, name, int(count or 0))

    def _clean_name(self, name: object, team_id: int | None) -> str:
        text = name.strip() if isinstance(name, str) else ""
        errors = rules.team_name_errors(text)
        if not errors:
            with self.ctx.transaction() as session:
                if rules.team_taken(session, text, except_id=team_id):
                    errors.append(
                        FieldError("name", "taken", _("A team with this name already exists."))
                    )
        if errors:
            raise ValidationError(errors)
        return text

    def create(self, name: str) -> TeamInfo:
        """Create a team; `ValidationError` on an empty, too long or taken name."""
        self.ctx.require(MANAGE)
        with self.ctx.transaction() as session:
            clean = self._clean_name(name, None)
            team = Team(name=clean)
            session.add(team)
            session.flush()
            assert team.id is not None
            write_audit(session, self.ctx.actor, ENTITY, team.id, "create", {"name": [None, clean]})
            return TeamInfo(team.id, clean, 0)

    def rename(self, team_id: int, name: str) -> TeamInfo:
        """Give a team a new name; `ValidationError` on an empty, too long or taken name."""
        self.ctx.require(MANAGE)
        with self.ctx.transaction() as session:
            team = session.scalars(
                select(Team).where(col(Team.id) == team_id).with_for_update()
            ).first()
            if team is None:
                raise NotFoundError(ENTITY, team_id)
            clean = self._clean_name(name, team_id)
            if clean != team.name:
                write_audit(
                    session, self.ctx.actor, ENTITY, team_id, "update", {"name": [team.name, clean]}
                )
                team.name = clean
        return self.get(team_id)

    def delete(self, team_id: int) -> None:
        """Delete a team that has neither members nor customers.

        Raises:
            ValidationError: the team still has members or customers (move them first).
            NotFoundError: there is no such team.
        """
        self.ctx.require(MANAGE)
        with self.ctx.transaction() as session:
            team = session.scalars(
                select(Team).where(col(Team.id) == team_id).with_for_update()
            ).first()
            if team is None:
                raise NotFoundError(ENTITY, team_id)
            members = session.scalar(
                select(func.count()).select_from(User).where(col(User.team_id) == team_id)
            )
            if members:
                raise ValidationError(
                    [
                        FieldError(
                            "",
                            "has_members",
                            _(
                                "This team still has {count} member(s); move them to another "
                                "team first."
                            ),
                            {"count": int(members)},
                        )
                    ]
                )
            if session.scalar(select(exists().where(col(Customer.team_id) == team_id))):
                raise ValidationError(
                    [
                        FieldError(
                            "",
                            "has_customers",
                            _("Customers still belong to this team; move them first."),
                        )
                    ]
                )
            write_audit(
                session, self.ctx.actor, ENTITY, team_id, "delete", {"name": [team.name, None]}
            )
            session.delete(team)
