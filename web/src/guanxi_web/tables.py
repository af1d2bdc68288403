"""The web plugin's tables: server-side sessions, failed sign-in attempts and saved views.

The foreign keys of `web_session.user_id` and `web_saved_view.user_id` to `user.id` are
created by the migrations; they are not declared here because the plugin's metadata does not
hold the core's tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from guanxi_core.models import UTCDateTime
from guanxi_web._plugin import plugin

web_session = sa.Table(
    "web_session",
    plugin.metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the cookie's token
    sa.Column("user_id", sa.Integer, nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("locale", sa.String(10), nullable=True),
)

web_login_attempt = sa.Table(
    "web_login_attempt",
    plugin.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index("ix_web_login_attempt_who", "username", "ip", "at"),
)

web_saved_view = sa.Table(
    "web_saved_view",
    plugin.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("list", sa.String(40), nullable=False),  # which list: "customers"
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("query", sa.String(2000), nullable=False),  # the list's query string
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("user_id", "list", "name", name="uq_web_saved_view_name"),
)
