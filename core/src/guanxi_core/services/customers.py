"""Customer services: create, read, update, delete, list, search and the 360° view."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    cast,
    delete,
    exists,
    false,
    func,
    literal,
    literal_column,
    null,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from guanxi_core.errors import FieldError, NotFoundError, ValidationError
from guanxi_core.i18n import _
from guanxi_core.models import Affiliation, AuditEntry, Customer, CustomerTag, Tag, Team, User
from guanxi_core.models._common import table_of, utcnow
from guanxi_core.services import _store
from guanxi_core.services.records import Filter, Page, Record
from guanxi_core.services.validation import clean_values

if TYPE_CHECKING:
    from guanxi_core.services.context import Context

ENTITY = "customer"
CUSTOMER = table_of(Customer)
CUSTOMER_TAG = table_of(CustomerTag)
TAG = table_of(Tag)
AFFILIATION = table_of(Affiliation)
_LINK_TAG, _LINK_ORGANIZATION, _LINK_MEMBER = "t", "o", "m"
"""The kinds of `view360`'s link rows: a tag, an organization of a person, a member."""
MEMBERS_SHOWN = 200
"""The most members of an organization the 360° view reads."""
BULK_LIMIT = 1000
"""The most customers one bulk call changes (a few pages of a list)."""


def search_text(name: str, phones: Iterable[str], emails: Iterable[str]) -> str:
    """The lower-cased text that fragment search looks in."""
    phone_digits = ["".join(ch for ch in p if ch.isdigit() or ch == "+") for p in phones]
    return " | ".join([name, *phone_digits, *emails]).lower()[:2000]


def _fragment_clause(text: str) -> ColumnElement[bool] | None:
    """`search_text` contains `text` (phone numbers without spaces and dashes); None if blank."""
    fragment = text.strip().lower()
    if not fragment:
        return None
    if fragment.lstrip("+").replace(" ", "").replace("-", "").isdigit():
        fragment = fragment.replace(" ", "").replace("-", "")
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return CUSTOMER.c.search_text.like(f"%{escaped}%", escape="\\")


def _tag_names(names: Iterable[str]) -> builtins.list[str]:
    """`names` stripped and without repeats; `ValidationError` for a blank or too long one."""
    clean: builtins.list[str] = []
    for raw in names:
        name = raw.strip() if isinstance(raw, str) else ""
        if not name or len(name) > 80:
            raise ValidationError(
                [FieldError("tags", "invalid", _("Enter a tag of at most 80 characters."))]
            )
        if name not in clean:
            clean.append(name)
    return clean


def _unique_ids(customer_ids: Iterable[int]) -> builtins.list[int]:
    """The ids in ascending order (rows are locked in that order), each once, at most BULK_LIMIT."""
    ids = sorted(set(customer_ids))
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            [
                FieldError(
                    "ids",
                    "too_many",
                    _("Choose at most {max} customers at once."),
                    {"max": BULK_LIMIT},
                )
            ]
        )
    return ids


def _link_parts() -> tuple[Any, Any, Any]:
    """`view360`'s link statements without access conditions: tags, organizations, members.

    The customer is the bound `:customer_id`; members are ordered and limited (the caller
    reads them through a subquery, after adding the actor's conditions).
    """
    customer_id = bindparam("customer_id", type_=CUSTOMER.c.id.type)
    tags = (
        select(
            literal_column(f"'{_LINK_TAG}'", String).label("link"),
            cast(null(), CUSTOMER.c.id.type).label("id"),
            TAG.c.name.label("name"),
            cast(null(), AFFILIATION.c.title.type).label("title"),
        )
        .select_from(CUSTOMER_TAG.join(TAG, TAG.c.id == CUSTOMER_TAG.c.tag_id))
        .where(CUSTOMER_TAG.c.customer_id == customer_id)
    )
    organizations = (
        select(
            literal_column(f"'{_LINK_ORGANIZATION}'", String).label("link"),
            CUSTOMER.c.id,
            CUSTOMER.c.name,
            AFFILIATION.c.title,
        )
        .select_from(CUSTOMER.join(AFFILIATION, AFFILIATION.c.organization_id == CUSTOMER.c.id))
        .where(AFFILIATION.c.person_id == customer_id)
    )
    members = (
        select(CUSTOMER.c.id, CUSTOMER.c.name, AFFILIATION.c.title)
        .select_from(CUSTOMER.join(AFFILIATION, AFFILIATION.c.person_id == CUSTOMER.c.id))
        .where(AFFILIATION.c.organization_id == customer_id)
        .order_by(CUSTOMER.c.name, CUSTOMER.c.id)
        .limit(MEMBERS_SHOWN)
    )
    return tags, organizations, members


@dataclass
class Customer360:
    """Everything the 360° page shows about one customer.

    Attributes:
        customer: the customer with all extension values.
        tags: its tag names.
        organizations: organizations it belongs to (`id`, `name`, `title`).
        members: people belonging to it, if it is an organization.
        activities: the latest activities, newest first, with their extension values.
        activities_cursor: the timeline cursor after `activities` (None: no more).
    """

    customer: Record
    tags: list[str] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    activities: list[Record] = field(default_factory=list)
    activities_cursor: str | None = None


class CustomerService:
    """Customer services of one context. Every read applies record-level access."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.app = ctx.app
        self.fields = {s.key: s for s in self.app.fields.for_entity("customer")}
        self.extensions = self.app.fields.extensions_for("customer")

    # -- reading ------------------------------------------------------------------------------
    def visible(self) -> builtins.list[Any]:
        """The access conditions on `customer` for this actor."""
        return self.app.customer_access(self.ctx.actor)

    def _select(self) -> Any:
        # The columns and joins depend only on the app's extensions: build them once per app
        # (building a 15-column select with its joins costs ~0.3 ms per call).
        base = self.app.cache.get("customer.select")
        if base is None:
            base = self.app.cache["customer.select"] = select(
                *_store.record_columns(CUSTOMER, self.extensions)
            ).select_from(_store.joined(CUSTOMER, self.extensions))
        visible = self.visible()
        return base.where(*visible) if visible else base

    def get(self, customer_id: int) -> Record:
        """The customer with its extension values; `NotFoundError` if absent or not visible."""
        self.ctx.require("core.customer.view")
        with self.ctx.read() as session:
            return self._get(session, customer_id)

    def _get(self, session: Session | Connection, customer_id: int) -> Record:
        # The statement by id is built once per app (its id a bound parameter); only the
        # actor's access conditions are added per call.
        base = self.app.cache.get("customer.by_id")
        if base is None:
            self._select()
            base = self.app.cache["customer.by_id"] = self.app.cache["customer.select"].where(
                CUSTOMER.c.id == bindparam("customer_id", type_=CUSTOMER.c.id.type)
            )
        visible = self.visible()
        stmt = base.where(*visible) if visible else base
        row = session.execute(stmt, {"customer_id": customer_id}).first()
        if row is None:
            raise NotFoundError(ENTITY, customer_id)
        return _store.to_record(ENTITY, row)

    def list(
        self,
        filters: Iterable[Filter] = (),
        *,
        search: str = "",
        tags: Iterable[str] = (),
        sort: str = "-updated_at",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """A page of visible customers.

        Args:
            filters: conditions on filterable core or extension fields.
            search: only customers whose name, phone or e-mail contains this text (as `search`).
            tags: only customers carrying at least one of these tags.
            sort: a sortable field key, `-` in front for descending; ties break on id.
            limit: the page size (1–500).
            cursor: `next_cursor` of the previous page.

        Returns:
            The page; `next_cursor` is None on the last page. Raises `ValidationError` for
            a filter or sort on an unknown or non-filterable field or with a bad value.
        """
        self.ctx.require("core.customer.view")
        filters = tuple(filters)
        clauses = _store.filter_clauses(self.app.fields, "customer", filters)
        fragment = _fragment_clause(search)
        if fragment is not None:
            clauses.append(fragment)
        tag_names = _tag_names(tags)
        sort_field, descending = _store.sort_spec(self.app.fields, "customer", sort)
        with self.ctx.read() as session:
            if tag_names:
                clauses.append(self._tagged_clause(session, tag_names))
            page = _store.keyset_page(
                session,
                ENTITY,
                self._select().where(*clauses),
                CUSTOMER.c.id,
                sort_field,
                descending,
                limit,
                cursor,
            )
        page.sort, page.filters = sort, filters
        return page

    @staticmethod
    def _tagged_clause(session: Session | Connection, names: builtins.list[str]) -> Any:
        """Customers carrying one of the tags `names` (none exist: no customer)."""
        tag_ids = sorted(session.scalars(select(TAG.c.id).where(TAG.c.name.in_(names))))
        if not tag_ids:
            return false()
        # The ids are written into the statement, not bound: PostgreSQL then plans with the
        # tag's own frequency (a rare tag: its few rows first; a common one: walk the sort
        # index), where a generic plan of a prepared statement would take one average path.
        return exists().where(
            CUSTOMER_TAG.c.customer_id == CUSTOMER.c.id,
            CUSTOMER_TAG.c.tag_id.in_(
                [literal(tag_id, literal_execute=True) for tag_id in tag_ids]
            ),
        )

    def search(self, text: str, *, limit: int = 20) -> builtins.list[Record]:
        """Visible customers whose name, phone or e-mail contains `text` (any case), by name."""
        self.ctx.require("core.customer.view")
        fragment = _fragment_clause(text)
        if fragment is None:
            return []
        # Pick the page of ids first (on PostgreSQL an index-only scan of ix_customer_name
        # in name order, or the trigram index for rare fragments), then read those rows.
        page = (
            select(CUSTOMER.c.id, CUSTOMER.c.name)
            .where(fragment, *self.visible())
            .order_by(CUSTOMER.c.name, CUSTOMER.c.id)
            .limit(max(1, min(limit, 200)))
            .subquery("page")
        )
        stmt = (
            select(*_store.record_columns(CUSTOMER, self.extensions))
            .select_from(
                _store.joined(CUSTOMER, self.extensions).join(page, page.c.id == CUSTOMER.c.id)
            )
            .order_by(page.c.name, page.c.id)
        )
        with self.ctx.read() as session:
            return _store.to_records(ENTITY, session.execute(stmt))

    def view360(self, customer_id: int, *, activities: int = 50) -> Customer360:
        """The customer, its tags, affiliations and latest activities, in few queries.

        A person's organizations or an organization's members (affiliations link a person to
        an organization), whichever its kind has, read with the tags in one statement.
        `activities` is the page size of the timeline read (its cursor in
        `activities_cursor`); 0 reads none.
        """
        self.ctx.require("core.customer.view")
        visible = self.visible()
        with self.ctx.read() as session:
            record = self._get(session, customer_id)
            # Tags, organizations and members in one round trip: (kind, id, name, title) rows.
            links = self._links_statement(visible)
            rows = session.execute(links, {"customer_id": customer_id}).all()
            tags = [r[2] for r in rows if r[0] == _LINK_TAG]
            # Affiliations link a person to an organization: the page shows one direction.
            shown = _LINK_MEMBER if record.get("kind") == "organization" else _LINK_ORGANIZATION
            related = [{"id": r[1], "name": r[2], "title": r[3]} for r in rows if r[0] == shown]
            organizations = related if shown == _LINK_ORGANIZATION else []
            members = related if shown == _LINK_MEMBER else []
            timeline = self.ctx.activities.timeline(customer_id, limit=activities)
        return Customer360(
            customer=record,
            tags=tags,
            organizations=organizations,
            members=members,
            activities=timeline.items,
            activities_cursor=timeline.next_cursor,
        )

    def _links_statement(self, visible: builtins.list[Any]) -> Any:
        """Tags, organizations and members of `:customer_id` as (link, id, name, title) rows.

        The parts are built once per app; the statement too for an actor without access
        conditions, else only the actor's conditions are added per call. Rows by name, then id.
        """
        cache = self.app.cache
        if not visible and "customer.links" in cache:
            return cache["customer.links"]
        parts = cache.get("customer.link_parts")
        if parts is None:
            parts = cache["customer.link_parts"] = _link_parts()
        tags, organizations, members = parts
        if visible:
            organizations = organizations.where(*visible)
            members = members.where(*visible)
        page = members.subquery("members")
        compound = union_all(
            tags,
            organizations,
            select(
                literal_column(f"'{_LINK_MEMBER}'", String).label("link"),
                page.c.id,
                page.c.name,
                page.c.title,
            ),
        )
        stmt = compound.order_by(compound.selected_columns.name, compound.selected_columns.id)
        if not visible:
            cache["customer.links"] = stmt
        return stmt

    def history(self, customer_id: int, *, limit: int = 100) -> builtins.list[AuditEntry]:
        """The audit entries of the customer, newest first."""
        self.ctx.require("core.customer.view")
        with self.ctx.transaction() as session:
            self._get(session, customer_id)
            return list(
                session.scalars(
                    select(AuditEntry)
                    .where(
                        col(AuditEntry.entity) == ENTITY, col(AuditEntry.entity_id) == customer_id
                    )
                    .order_by(col(AuditEntry.id).desc())
                    .limit(limit)
                )
            )

    # -- writing ------------------------------------------------------------------------------
    def _check_references(
        self, session: Session, values: Mapping[str, Any]
    ) -> builtins.list[FieldError]:
        errors: builtins.list[FieldError] = []
        owner = values.get("owner_id")
        if owner is not None and owner != self.ctx.actor.id:  # the actor's own user exists
            exists = session.scalar(
                select(func.count()).where(col(User.id) == owner, col(User.is_active))
            )
            if not exists:
                errors.append(FieldError("owner_id", "not_found", _("No such user.")))
            elif not self.ctx.actor.can("core.customer.assign"):
                errors.append(
                    FieldError(
                        "owner_id", "permission", _("You may not assign customers to others.")
                    )
                )
        team = values.get("team_id")
        if team is not None and session.get(Team, team) is None:
            errors.append(FieldError("team_id", "not_found", _("No such team.")))
        return errors

    def _clean(self, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        clean, errors = clean_values(self.fields, values, creating=creating)
        if errors:
            raise ValidationError(errors)
        return clean

    def create(self, values: Mapping[str, Any]) -> Record:
        """Create a customer with its extension rows, in one transaction.

        Args:
            values: field key → value, core (`name`, `phones`) and extension (`vip.tier`).
                The owner defaults to the actor, the team to the actor's team.

        Returns:
            The stored customer. Raises `ValidationError` with field-level errors.
        """
        self.ctx.require("core.customer.create")
        clean = self._clean(values, creating=True)
        actor = self.ctx.actor
        clean.setdefault("owner_id", actor.id)
        clean.setdefault("team_id", actor.team_id)
        with self.ctx.transaction() as session:
            errors = self._check_references(session, clean)
            if errors:
                raise ValidationError(errors)
            core = {k: v for k, v in clean.items() if "." not in k}
            customer = Customer(**core)
            customer.search_text = search_text(customer.name, customer.phones, customer.emails)
            self.app.hook.before_customer_save(
                ctx=self.ctx, customer=customer, changes=clean, created=True
            )
            session.add(customer)
            session.flush()
            assert customer.id is not None
            _store.write_extensions(session, self.extensions, customer.id, clean, created=True)
            changes = {k: [None, v] for k, v in clean.items() if v not in (None, [])}
            _store.write_audit(session, actor, ENTITY, customer.id, "create", changes)
            self.app.hook.after_customer_save(
                ctx=self.ctx, customer=customer, changes=changes, created=True
            )
            return self._get(session, customer.id)

    def _locked(self, session: Session, customer_id: int) -> Customer:
        stmt = select(Customer).where(col(Customer.id) == customer_id, *self.visible())
        customer = session.scalars(stmt.with_for_update()).first()
        if customer is None:
            raise NotFoundError(ENTITY, customer_id)
        return customer

    def update(
        self, customer_id: int, values: Mapping[str, Any], *, version: int | None = None
    ) -> Record:
        """Change some fields of a customer.

        Args:
            customer_id: the customer.
            values: field key → new value; fields not named keep their values.
            version: the version the caller read; a different stored version raises
                `ConflictError` (who changed what), nothing is saved.

        Returns:
            The stored customer.
        """
        self.ctx.require("core.customer.edit")
        clean = self._clean(values, creating=False)
        with self.ctx.transaction() as session:
            customer = self._locked(session, customer_id)
            _store.check_version(session, ENTITY, customer_id, version, customer.version)
            current = self._get(session, customer_id).values
            changes = _store.diff(current, clean)
            if not changes:
                return self._get(session, customer_id)
            errors = self._check_references(session, {k: clean[k] for k in changes})
            if errors:
                raise ValidationError(errors)
            self.app.hook.before_customer_save(
                ctx=self.ctx, customer=customer, changes=clean, created=False
            )
            for key in changes:
                if "." not in key:
                    setattr(customer, key, clean[key])
            customer.search_text = search_text(customer.name, customer.phones, customer.emails)
            customer.version += 1
            customer.updated_at = utcnow()
            session.flush()
            _store.write_extensions(
                session,
                self.extensions,
                customer_id,
                {k: v for k, v in clean.items() if k in changes},
                created=False,
            )
            _store.write_audit(session, self.ctx.actor, ENTITY, customer_id, "update", changes)
            self.app.hook.after_customer_save(
                ctx=self.ctx, customer=customer, changes=changes, created=False
            )
            return self._get(session, customer_id)

    def delete(self, customer_id: int, *, version: int | None = None) -> None:
        """Delete a customer, its extension rows, activities, tags and affiliations."""
        self.ctx.require("core.customer.delete")
        with self.ctx.transaction() as session:
            customer = self._locked(session, customer_id)
            _store.check_version(session, ENTITY, customer_id, version, customer.version)
            snapshot = self._get(session, customer_id).values
            self.app.hook.before_customer_delete(ctx=self.ctx, customer=customer)
            _store.delete_extensions(session, self.extensions, customer_id)
            session.delete(customer)
            session.flush()
            _store.write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                customer_id,
                "delete",
                {k: [v, None] for k, v in snapshot.items() if v not in (None, [])},
            )
            self.app.hook.after_customer_delete(ctx=self.ctx, customer=customer)

    # -- tags and affiliations ----------------------------------------------------------------
    def tag(self, customer_id: int, names: Iterable[str]) -> builtins.list[str]:
        """Put tags (created if new) on a customer; returns its tags."""
        self.ctx.require("core.customer.edit")
        wanted = _tag_names(names)
        with self.ctx.transaction() as session:
            self._locked(session, customer_id)
            self._tag(session, customer_id, self._tag_ids(session, wanted, create=True))
            return self._tags_of(session, customer_id)

    def untag(self, customer_id: int, names: Iterable[str]) -> builtins.list[str]:
        """Take tags off a customer (names it does not carry are ignored); returns its tags."""
        self.ctx.require("core.customer.edit")
        wanted = _tag_names(names)
        with self.ctx.transaction() as session:
            self._locked(session, customer_id)
            self._untag(session, customer_id, self._tag_ids(session, wanted, create=False))
            return self._tags_of(session, customer_id)

    def tag_many(self, customer_ids: Iterable[int], names: Iterable[str]) -> int:
        """Put tags on several customers at once, in one transaction, audited per customer.

        Args:
            customer_ids: the customers (at most `BULK_LIMIT`); every one must be visible.
            names: the tags, created if new.

        Returns:
            How many of the customers got a tag they did not carry. If any customer is absent
            or not visible, `NotFoundError` (its `entity_id`: the ids refused) and nothing
            changes.
        """
        self.ctx.require("core.customer.edit")
        ids, wanted = _unique_ids(customer_ids), _tag_names(names)
        with self.ctx.transaction() as session:
            self._lock_visible(session, ids)
            tag_ids = self._tag_ids(session, wanted, create=True)
            return sum(1 for customer_id in ids if self._tag(session, customer_id, tag_ids))

    def untag_many(self, customer_ids: Iterable[int], names: Iterable[str]) -> int:
        """Take tags off several customers at once; like `tag_many`.

        Returns:
            How many of the customers carried one of the tags.
        """
        self.ctx.require("core.customer.edit")
        ids, wanted = _unique_ids(customer_ids), _tag_names(names)
        with self.ctx.transaction() as session:
            self._lock_visible(session, ids)
            tag_ids = self._tag_ids(session, wanted, create=False)
            return sum(1 for customer_id in ids if self._untag(session, customer_id, tag_ids))

    def update_many(self, customer_ids: Iterable[int], values: Mapping[str, Any]) -> int:
        """Give several customers the same values (e.g. a new owner), in one transaction.

        Each customer goes through `update` (validation, hooks, audit entry).

        Args:
            customer_ids: the customers (at most `BULK_LIMIT`); every one must be visible.
            values: field key → new value.

        Returns:
            How many customers changed. If any customer is absent or not visible,
            `NotFoundError` (its `entity_id`: the ids refused) and nothing changes; a
            `ValidationError` for one customer also leaves all unchanged.
        """
        self.ctx.require("core.customer.edit")
        ids = _unique_ids(customer_ids)
        self._clean(values, creating=False)  # refuse bad input before locking anything
        with self.ctx.transaction() as session:
            versions = self._lock_visible(session, ids)
            return sum(
                1
                for customer_id in ids
                if self.update(customer_id, values).version != versions[customer_id]
            )

    def tags_for(self, customer_ids: Iterable[int]) -> dict[int, builtins.list[str]]:
        """The tags of each visible customer of `customer_ids`, by name: one query for a page."""
        self.ctx.require("core.customer.view")
        ids = sorted(set(customer_ids))
        if not ids:
            return {}
        stmt = (
            select(CUSTOMER_TAG.c.customer_id, TAG.c.name)
            .join(TAG, TAG.c.id == CUSTOMER_TAG.c.tag_id)
            .join(CUSTOMER, CUSTOMER.c.id == CUSTOMER_TAG.c.customer_id)
            .where(CUSTOMER_TAG.c.customer_id.in_(ids), *self.visible())
            .order_by(CUSTOMER_TAG.c.customer_id, TAG.c.name)
        )
        tags: dict[int, builtins.list[str]] = {}
        with self.ctx.read() as session:
            for customer_id, name in session.execute(stmt):
                tags.setdefault(customer_id, []).append(name)
        return tags

    def tag_names(self, *, limit: int = 1000) -> builtins.list[str]:
        """The names of the tags in use, alphabetically (for pickers), at most `limit`."""
        self.ctx.require("core.customer.view")
        with self.ctx.read() as session:
            return list(session.scalars(select(TAG.c.name).order_by(TAG.c.name).limit(limit)))

    def _lock_visible(self, session: Session, ids: builtins.list[int]) -> dict[int, int]:
        """Lock the customers `ids` (all visible, or `NotFoundError` naming the others)."""
        stmt = select(CUSTOMER.c.id, CUSTOMER.c.version).where(
            CUSTOMER.c.id.in_(ids), *self.visible()
        )
        locked = session.execute(stmt.order_by(CUSTOMER.c.id).with_for_update())
        found: dict[int, int] = {row.id: row.version for row in locked}
        refused = [customer_id for customer_id in ids if customer_id not in found]
        if refused:
            raise NotFoundError(ENTITY, refused)
        return found

    def _tag_ids(
        self, session: Session, names: builtins.list[str], *, create: bool
    ) -> dict[str, int]:
        """Tag name → id for `names`; missing tags are created, or left out if not `create`."""
        if not names:
            return {}
        stmt = select(TAG.c.name, TAG.c.id).where(TAG.c.name.in_(names))
        ids: dict[str, int] = {row.name: row.id for row in session.execute(stmt)}
        for name in names:
            if name not in ids and create:
                tag = Tag(name=name)
                session.add(tag)
                session.flush()
                assert tag.id is not None
                ids[name] = tag.id
        return {name: ids[name] for name in names if name in ids}

    def _tag(self, session: Session, customer_id: int, tag_ids: dict[str, int]) -> bool:
        """Put the tags on one (locked) customer and audit it; whether any was new to it."""
        if not tag_ids:
            return False
        carried = set(
            session.scalars(
                select(CUSTOMER_TAG.c.tag_id).where(
                    CUSTOMER_TAG.c.customer_id == customer_id,
                    CUSTOMER_TAG.c.tag_id.in_(tag_ids.values()),
                )
            )
        )
        added = [name for name, tag_id in tag_ids.items() if tag_id not in carried]
        if not added:
            return False
        actor = self.ctx.actor
        for name in added:
            session.add(
                CustomerTag(customer_id=customer_id, tag_id=tag_ids[name], tagged_by=actor.id)
            )
        session.flush()
        _store.write_audit(session, actor, ENTITY, customer_id, "tag", {"tags": [None, added]})
        return True

    def _untag(self, session: Session, customer_id: int, tag_ids: dict[str, int]) -> bool:
        """Take the tags off one (locked) customer and audit it; whether it carried any."""
        if not tag_ids:
            return False
        removed_ids = set(
            session.scalars(
                delete(CUSTOMER_TAG)
                .where(
                    CUSTOMER_TAG.c.customer_id == customer_id,
                    CUSTOMER_TAG.c.tag_id.in_(tag_ids.values()),
                )
                .returning(CUSTOMER_TAG.c.tag_id)
            )
        )
        removed = [name for name, tag_id in tag_ids.items() if tag_id in removed_ids]
        if not removed:
            return False
        _store.write_audit(
            session, self.ctx.actor, ENTITY, customer_id, "untag", {"tags": [removed, None]}
        )
        return True

    def _tags_of(self, session: Session, customer_id: int) -> builtins.list[str]:
        return list(
            session.scalars(
                select(TAG.c.name)
                .join(CUSTOMER_TAG, CUSTOMER_TAG.c.tag_id == TAG.c.id)
                .where(CUSTOMER_TAG.c.customer_id == customer_id)
                .order_by(TAG.c.name)
            )
        )

    def affiliate(self, person_id: int, organization_id: int, *, title: str | None = None) -> None:
        """Record that a person belongs to an organization (both must be visible)."""
        self.ctx.require("core.customer.edit")
        with self.ctx.transaction() as session:
            person = self._locked(session, person_id)
            org = self._locked(session, organization_id)
            if person.kind != "person" or org.kind != "organization":
                raise ValidationError(
                    [
                        FieldError(
                            "organization_id",
                            "invalid",
                            _("A person can only belong to an organization."),
                        )
                    ]
                )
            link = session.get(Affiliation, (person_id, organization_id))
            if link is None:
                session.add(
                    Affiliation(person_id=person_id, organization_id=organization_id, title=title)
                )
            else:
                link.title = title
            _store.write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                person_id,
                "affiliate",
                {"organization_id": [None, organization_id], "title": [None, title]},
            )

    def unaffiliate(self, person_id: int, organization_id: int) -> bool:
        """Remove a person from an organization (both must be visible).

        Returns:
            Whether there was such a link (removing a missing link changes nothing).
        """
        self.ctx.require("core.customer.edit")
        with self.ctx.transaction() as session:
            self._locked(session, person_id)
            self._locked(session, organization_id)
            link = session.get(Affiliation, (person_id, organization_id))
            if link is None:
                return False
            title = link.title
            session.delete(link)
            _store.write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                person_id,
                "unaffiliate",
                {"organization_id": [organization_id, None], "title": [title, None]},
            )
            return True

    def history_page(
        self, customer_id: int, *, limit: int = 20, before: int | None = None
    ) -> tuple[builtins.list[AuditEntry], int | None]:
        """A page of the customer's audit entries, newest first (keyset on the entry id).

        Args:
            customer_id: the customer; `NotFoundError` if absent or not visible.
            limit: the page size (1–200).
            before: the `next_before` of the previous page (entries older than it).

        Returns:
            The entries and the `before` of the next page (None on the last page).
        """
        self.ctx.require("core.customer.view")
        limit = max(1, min(limit, 200))
        with self.ctx.transaction() as session:  # ORM entities: not `read()`
            self._get(session, customer_id)
            stmt = select(AuditEntry).where(
                col(AuditEntry.entity) == ENTITY, col(AuditEntry.entity_id) == customer_id
            )
            if before is not None:
                stmt = stmt.where(col(AuditEntry.id) < before)
            entries = list(
                session.scalars(stmt.order_by(col(AuditEntry.id).desc()).limit(limit + 1))
            )
        more = len(entries) > limit
        entries = entries[:limit]
        return entries, (entries[-1].id if more and entries else None)
