"""`guanxi users`: create users."""

from __future__ import annotations

from typing import Annotated

import typer

from guanxi_core.cli._runtime import current, echo
from guanxi_core.cli.db import require_current
from guanxi_core.i18n import _
from guanxi_core.users import create_user

cli = typer.Typer(name="users", help="Manage users.", no_args_is_help=True)


@cli.command()
def create(
    username: Annotated[str, typer.Argument(help="The login name.")],
    password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True,
        help="The password (asked for, hidden, when not given).",
    )],
    role: Annotated[list[str] | None, typer.Option(
        "--role", "-r", help="A role to grant (repeat for several); `rep` when none is given.",
    )] = None,
    team: Annotated[str | None, typer.Option(help="The user's team, created if new.")] = None,
    locale: Annotated[str, typer.Option(help="The user's language: en or zh_CN.")] = "en",
    display_name: Annotated[str | None, typer.Option(help="How the user is shown.")] = None,
    email: Annotated[str | None, typer.Option(help="The user's e-mail address.")] = None,
) -> None:
    """Create an active user with roles; field errors are printed one per line."""
    runtime = current()
    app = runtime.app()
    require_current(app)
    roles = role or ["rep"]
    user = create_user(
        app, username, password=password, display_name=display_name, roles=roles, team=team,
        locale=locale, email=email,
    )
    message = (
        _("created user {username} (roles: {roles}; team: {team})") if team
        else _("created user {username} (roles: {roles})")
    )
    echo(runtime.t(message, username=user.username, roles=", ".join(roles), team=team))
