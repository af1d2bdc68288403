"""The core's built-in plugin, built on the same hooks any plugin uses.

It declares the core permissions and roles, the basic activity kinds, the task workflow and
the record-level access rule.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from guanxi_core.access import ADMIN_ROLE, Actor
from guanxi_core.i18n import _
from guanxi_core.kinds import ActivityKind
from guanxi_core.models import Customer, User
from guanxi_core.plugin import Plugin
from guanxi_core.workflows import Transition, Workflow

plugin = Plugin(
    "core",
    _("Core"),
    builtin=True,
    migrations="guanxi_core.migrations",
    description=_("Customers, the activity timeline, users, roles and tasks."),
)

VIEW_ALL = plugin.permission("customer.view_all", _("See all customers"))
VIEW_TEAM = plugin.permission("customer.view_team", _("See the team's customers"))
_PERMISSIONS = {
    "customer.view": _("See customers"),
    "customer.create": _("Create customers"),
    "customer.edit": _("Edit customers"),
    "customer.delete": _("Delete customers"),
    "customer.assign": _("Assign customers to other users"),
    "activity.view": _("See activities"),
    "activity.create": _("Log activities"),
    "activity.edit": _("Edit activities"),
    "activity.delete": _("Delete activities"),
    "user.manage": _("Manage users, teams and roles"),
    "plugin.manage": _("Enable and disable plugins"),
}
for _name, _label in _PERMISSIONS.items():
    plugin.permission(_name, _label)

_REP = [
    "core.customer.view",
    "core.customer.create",
    "core.customer.edit",
    "core.activity.view",
    "core.activity.create",
    "core.activity.edit",
]
plugin.role(ADMIN_ROLE, _("Administrator"))
plugin.role(
    "manager",
    _("Manager"),
    [
        *_REP,
        VIEW_TEAM.name,
        "core.customer.assign",
        "core.customer.delete",
        "core.activity.delete",
    ],
)
plugin.role("rep", _("Sales rep"), _REP)

NOTE = ActivityKind(plugin, "note", label=_("Note"), icon="note")
CALL = ActivityKind(plugin, "call", label=_("Call"), icon="phone")
VISIT = ActivityKind(plugin, "visit", label=_("Visit"), icon="map-pin")
MESSAGE = ActivityKind(plugin, "message", label=_("Message"), icon="message")
EMAIL = ActivityKind(plugin, "email", label=_("E-mail"), icon="mail")
PURCHASE = ActivityKind(plugin, "purchase", label=_("Purchase"), icon="cart", purchase=True)
TASK = ActivityKind(
    plugin,
    "task",
    label=_("Task"),
    icon="check",
    workflow=Workflow(
        initial="open",
        states={"open": _("Open"), "done": _("Done"), "cancelled": _("Cancelled")},
        transitions=[
            Transition("complete", "open", "done", label=_("Mark done"), roles=["rep", "manager"]),
            Transition("cancel", "open", "cancelled", label=_("Cancel"), roles=["manager"]),
            Transition(
                "reopen", ("done", "cancelled"), "open", label=_("Reopen"), roles=["rep", "manager"]
            ),
        ],
    ),
)


@plugin.hook
def restrict_customers(actor: Actor) -> ColumnElement[bool] | None:
    """Administrators see all; managers their team's customers; everyone else their own."""
    if actor.can(VIEW_ALL.name):
        return None
    own = col(Customer.owner_id) == actor.id
    if actor.can(VIEW_TEAM.name) and actor.team_id is not None:
        team_members = select(User.id).where(col(User.team_id) == actor.team_id)
        return or_(
            own,
            col(Customer.team_id) == actor.team_id,
            col(Customer.owner_id).in_(team_members),
        )
    return own
