"""Every hook of Guanxi, in one module.

Each hook has a docstring: when it is called, with what, and what it must return. The docs'
hooks reference is checked against this module by a test.

Verbs: `register_*` hooks run once at start-up and return declarations; `before_*` / `after_*`
are events around saves, deletes and workflow transitions; `restrict_*` hooks narrow what a user
may see. Hooks are synchronous. Hookimpl parameters must not have default values (pluggy does not
pass them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer
    from sqlalchemy.sql.elements import ColumnElement

    from guanxi_core.access import Actor, Permission, Role
    from guanxi_core.fields import Extension
    from guanxi_core.jobs import JobSpec
    from guanxi_core.kinds import ActivityKind
    from guanxi_core.screens import PageSpec, PanelSpec
    from guanxi_core.services.context import Context
    from guanxi_core.workflows import Transition, Workflow

PROJECT = "guanxi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Mark a function as the implementation of the Guanxi hook of the same name.

`@plugin.hook` applies it for you; use it directly on a class's methods or a module's functions
registered as a plugin. Options as pluggy's (`@hookimpl(tryfirst=True)`, `wrapper=True`).
Give the function's parameters no default values: pluggy does not pass them.
"""


@hookspec
def register_permissions() -> Sequence[Permission]:
    """Declare the permissions a plugin checks.

    Called once at start-up. Names are namespaced by the plugin's slug (`pharma.visit.approve`);
    a name declared by two plugins makes the second plugin fail to load.

    Returns:
        The plugin's permissions.
    """


@hookspec
def register_roles() -> Sequence[Role]:
    """Declare roles and the permissions each grants by default.

    Called once at start-up. Two plugins may contribute permissions to the same role name
    (a vertical adds its permissions to `rep`); the labels of the first declaration win.

    Returns:
        The plugin's roles.
    """


@hookspec
def register_activity_kinds() -> Sequence[ActivityKind]:
    """Declare kinds of timeline entries (`pharma.visit`), each with a label and an icon.

    Called once at start-up. Kinds are namespaced `<slug>.<name>`; a kind declared twice makes
    the second plugin fail to load.

    Returns:
        The plugin's activity kinds.
    """


@hookspec
def register_extensions() -> Sequence[type[Extension]]:
    """Declare extension tables: typed fields added to customers or activities.

    Called once at start-up. Each class is a subclass of `CustomerExtension` or
    `ActivityExtension`, stored in its own table `<slug>_<name>` with one row per core row.
    The fields appear in the field registry beside the core's.

    Returns:
        The plugin's extension classes.
    """


@hookspec
def register_workflows() -> Sequence[Workflow]:
    """Declare workflows (states, transitions, roles, guards, effects).

    Called once at start-up. Workflows attached to an activity kind are returned with the kind
    and need not be repeated here.

    Returns:
        The plugin's stand-alone workflows.
    """


@hookspec
def register_pages() -> Sequence[PageSpec]:
    """Declare whole pages of the web UI (what `@plugin.page(...)` collects).

    Called once at start-up, for enabled plugins. The web mounts each page at
    `/p/<slug><path>` behind its permission; a disabled plugin's pages do not exist (404).
    Pages with `nav=True` appear in the main navigation of users holding the permission.
    A page outside the plugin's prefix, an invalid path, an unknown permission, or a route
    declared twice makes the plugin fail to load.

    Returns:
        The plugin's pages. Each handler is called with a `Screen` and returns HTML (usually
        `screen.render("<slug>/page.html", ...)`) or `screen.redirect(url)`.
    """


@hookspec
def register_panels() -> Sequence[PanelSpec]:
    """Declare panels: fragments shown in named slots of core screens.

    Called once at start-up, for enabled plugins. Slots are `customer.main` and
    `customer.sidebar` (the 360° customer page; objects `customer` and `view`) and
    `home.widgets` (the Home screen). Panels of a slot are shown in `order` to users holding
    their permission, each under its label. A panel that raises is logged and replaced by a
    small error box; the rest of the page renders. An unknown slot, an unknown permission, or
    a handler needing objects its slot does not give makes the plugin fail to load.

    Returns:
        The plugin's panels. Each handler is called as `handler(screen, **objects)` with the
        slot's objects its signature names, and returns HTML.
    """


@hookspec
def register_jobs() -> Sequence[JobSpec]:
    """Declare jobs: work run on a schedule, or now by hand (what `@plugin.job(...)` collects).

    Called once at start-up, for enabled plugins. Each job is named `<slug>.<name>` and runs
    either at an interval (`every=timedelta(hours=1)`, at least a minute) or on a five-field
    cron schedule (`cron="0 7 * * *"`, in the job's time zone, by default the server's); a bad
    schedule raises `ValueError` when the `JobSpec` is made. `guanxi jobs list` shows each
    job's schedule, next run and last outcome; `guanxi jobs run NAME` runs one now.

    A run calls `handler(ctx)`, with `ctx` a `Context` acting as the system actor (an
    administrator), inside one transaction: if the handler raises, nothing it wrote is kept.
    Every run is recorded (table `job_run`: start, end, duration, `ok` or `failed`, and the
    handler's returned text or the error). A job whose name is not namespaced by the plugin's
    slug, or is already registered, makes the plugin fail to load.

    Returns:
        The plugin's jobs.
    """


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add commands or command groups to the `guanxi` command line.

    Called once when the command line is built, for enabled plugins.

    Args:
        cli: the root `guanxi` application; call `cli.command()` or `cli.add_typer()` on it.
    """


@hookspec
def restrict_customers(actor: Actor) -> ColumnElement[bool] | None:
    """Narrow the customers `actor` may see (record-level access).

    Called for every read of customers: lists, search, the 360° view, exports, the API.
    Every clause returned is combined with AND, so each rule can only narrow. An
    implementation that raises denies everything (fail closed).

    Args:
        actor: the signed-in user, with roles and permissions.

    Returns:
        A SQL condition on the `customer` table, or None for no restriction.
    """


@hookspec
def before_customer_save(
    ctx: Context, customer: Any, changes: dict[str, Any], created: bool
) -> None:
    """Called inside the transaction before a customer and its extension rows are written.

    Raise `ValidationError` to refuse the save (nothing is written). Changes made to
    `customer` are saved.

    Args:
        ctx: the service context (user, session) of the save.
        customer: the `Customer` row about to be written.
        changes: field key → new value, for the fields being set.
        created: whether the customer is new.
    """


@hookspec
def after_customer_save(
    ctx: Context, customer: Any, changes: dict[str, Any], created: bool
) -> None:
    """Called inside the transaction after a customer was written (before commit).

    Raising aborts the whole save.

    Args:
        ctx: the service context of the save.
        customer: the saved `Customer` row, with its id.
        changes: field key → `[old, new]` for every field that changed.
        created: whether the customer is new.
    """


@hookspec
def before_customer_delete(ctx: Context, customer: Any) -> None:
    """Called inside the transaction before a customer is deleted; raise to refuse.

    Args:
        ctx: the service context of the deletion.
        customer: the `Customer` row about to be deleted.
    """


@hookspec
def after_customer_delete(ctx: Context, customer: Any) -> None:
    """Called inside the transaction after a customer was deleted (before commit).

    Args:
        ctx: the service context of the deletion.
        customer: the deleted `Customer` row (detached; its id is still set).
    """


@hookspec
def before_activity_save(
    ctx: Context, activity: Any, changes: dict[str, Any], created: bool
) -> None:
    """Called inside the transaction before an activity and its extension rows are written.

    Raise `ValidationError` to refuse the save.

    Args:
        ctx: the service context of the save.
        activity: the `Activity` row about to be written.
        changes: field key → new value, for the fields being set.
        created: whether the activity is new.
    """


@hookspec
def after_activity_save(
    ctx: Context, activity: Any, changes: dict[str, Any], created: bool
) -> None:
    """Called inside the transaction after an activity was written (before commit).

    Args:
        ctx: the service context of the save.
        activity: the saved `Activity` row, with its id.
        changes: field key → `[old, new]` for every field that changed.
        created: whether the activity is new.
    """


@hookspec
def before_activity_delete(ctx: Context, activity: Any) -> None:
    """Called inside the transaction before an activity is deleted; raise to refuse.

    Args:
        ctx: the service context of the deletion.
        activity: the `Activity` row about to be deleted.
    """


@hookspec
def after_activity_delete(ctx: Context, activity: Any) -> None:
    """Called inside the transaction after an activity was deleted (before commit).

    Args:
        ctx: the service context of the deletion.
        activity: the deleted `Activity` row.
    """


@hookspec
def before_transition(ctx: Context, activity: Any, transition: Transition) -> None:
    """Called inside the transaction before a workflow transition; raise to refuse it.

    Args:
        ctx: the service context of the transition.
        activity: the `Activity` row, still in the source state.
        transition: the transition about to run.
    """


@hookspec
def after_transition(ctx: Context, activity: Any, transition: Transition) -> None:
    """Called inside the transaction after a transition and its effects ran (before commit).

    Args:
        ctx: the service context of the transition.
        activity: the `Activity` row, now in the target state.
        transition: the transition that ran.
    """
