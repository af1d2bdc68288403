"""Activity services: log, update, delete, timelines and workflow transitions."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel import select as select_model

from guanxi_core.errors import (
    FieldError,
    NotFoundError,
    ValidationError,
    WorkflowError,
)
from guanxi_core.i18n import LazyText, _
from guanxi_core.kinds import ActivityKind
from guanxi_core.models import Activity, Customer, User
from guanxi_core.models._common import table_of, utcnow
from guanxi_core.services import _store
from guanxi_core.services.records import Filter, Page, Record
from guanxi_core.services.validation import clean_values
from guanxi_core.workflows import Transition

if TYPE_CHECKING:
    from guanxi_core.services.context import Context

ENTITY = "activity"
ACTIVITY = table_of(Activity)
CUSTOMER = table_of(Customer)


class ActivityService:
    """Activity services of one context. An activity is visible when its customer is."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.app = ctx.app

    def _select(self, kind: str | None = None) -> Any:
        # The columns and joins depend only on the app's extensions: built once per app and
        # kind, as the customers' select is; the actor's access rules are added per call.
        key = f"activity.select.{kind or ''}"
        base = self.app.cache.get(key)
        if base is None:
            extensions = self.app.fields.extensions_for("activity", kind)
            base = self.app.cache[key] = select(
                *_store.record_columns(ACTIVITY, extensions)
            ).select_from(
                _store.joined(ACTIVITY, extensions).join(
                    CUSTOMER, CUSTOMER.c.id == ACTIVITY.c.customer_id
                )
            )
        access = self.app.customer_access(self.ctx.actor)
        return base.where(*access) if access else base

    def _get(self, session: Session | Connection, activity_id: int) -> Record:
        row = session.execute(self._select().where(ACTIVITY.c.id == activity_id)).first()
        if row is None:
            raise NotFoundError(ENTITY, activity_id)
        return _store.to_record(ENTITY, row)

    def get(self, activity_id: int) -> Record:
        """The activity with its extension values; `NotFoundError` if absent or not visible."""
        self.ctx.require("core.activity.view")
        with self.ctx.read() as session:
            return self._get(session, activity_id)

    def timeline(
        self,
        customer_id: int,
        *,
        kinds: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """A customer's activities, newest first, optionally of some kinds only."""
        self.ctx.require("core.activity.view")
        if limit == 0:  # e.g. a customer view that shows no activities
            return Page([])
        spec = self.app.fields.get("activity", "occurred_at")
        stmt = self._select().where(ACTIVITY.c.customer_id == customer_id)
        kinds = tuple(kinds)
        if kinds:
            stmt = stmt.where(ACTIVITY.c.kind.in_(kinds))
        with self.ctx.read() as session:
            page = _store.keyset_page(
                session, ENTITY, stmt, ACTIVITY.c.id, spec, True, limit, cursor
            )
            # A page with entries proves the customer visible; only an empty one is checked.
            if not page.items and not self._customer_visible(session, customer_id):
                raise NotFoundError("customer", customer_id)
            return page

    def list(
        self,
        filters: Iterable[Filter] = (),
        *,
        sort: str = "-occurred_at",
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """A page of visible activities (e.g. my open tasks: owner and state filters)."""
        self.ctx.require("core.activity.view")
        filters = tuple(filters)
        clauses = _store.filter_clauses(self.app.fields, "activity", filters)
        sort_field, descending = _store.sort_spec(self.app.fields, "activity", sort)
        with self.ctx.read() as session:
            page = _store.keyset_page(
                session,
                ENTITY,
                self._select().where(*clauses),
                ACTIVITY.c.id,
                sort_field,
                descending,
                limit,
                cursor,
            )
        page.sort, page.filters = sort, filters
        return page

    # -- writing ------------------------------------------------------------------------------
    def _kind(self, key: Any) -> ActivityKind:
        kind = self.app.kinds.get(str(key)) if key else None
        if kind is None:
            raise ValidationError(
                [
                    FieldError(
                        "kind",
                        "choice",
                        _("Choose one of: {choices}."),
                        {"choices": ", ".join(sorted(self.app.kinds))},
                    )
                ]
            )
        return kind

    def _specs(self, kind: str) -> dict[str, Any]:
        return {s.key: s for s in self.app.fields.for_entity("activity", kind)}

    def _customer_visible(self, session: Session | Connection, customer_id: Any) -> bool:
        stmt = select(CUSTOMER.c.id).where(
            CUSTOMER.c.id == customer_id, *self.app.customer_access(self.ctx.actor)
        )
        return session.execute(stmt).first() is not None

    def _visible_customer(self, session: Session, customer_id: Any) -> None:
        if not self._customer_visible(session, customer_id):
            raise ValidationError([FieldError("customer_id", "not_found", _("No such customer."))])

    def _check_owner(self, session: Session, owner_id: Any) -> None:
        if owner_id is None or owner_id == self.ctx.actor.id:  # the actor's own user exists
            return
        if session.get(User, owner_id) is None:
            raise ValidationError([FieldError("owner_id", "not_found", _("No such user."))])

    def create(self, values: Mapping[str, Any]) -> Record:
        """Log an activity of a registered kind, with its extension rows, in one transaction.

        Args:
            values: `kind`, `customer_id`, `subject` and any other activity field, core or
                extension (`pharma.products`). A kind with a workflow starts in its initial
                state. The actor is recorded; the owner defaults to the actor.

        Returns:
            The stored activity. Raises `ValidationError` with field-level errors.
        """
        self.ctx.require("core.activity.create")
        kind = self._kind(values.get("kind"))
        clean, errors = clean_values(self._specs(kind.key), values, creating=True)
        if errors:
            raise ValidationError(errors)
        if clean.get("occurred_at") is None:  # left blank: it happened now
            clean.pop("occurred_at", None)
        actor = self.ctx.actor
        clean.setdefault("owner_id", actor.id)
        extensions = self.app.fields.extensions_for("activity", kind.key)
        with self.ctx.transaction() as session:
            self._visible_customer(session, clean["customer_id"])
            self._check_owner(session, clean.get("owner_id"))
            activity = Activity(**{k: v for k, v in clean.items() if "." not in k})
            activity.actor_id = actor.id
            if kind.workflow is not None:
                activity.state = kind.workflow.initial
            self.app.hook.before_activity_save(
                ctx=self.ctx, activity=activity, changes=clean, created=True
            )
            session.add(activity)
            session.flush()
            assert activity.id is not None
            _store.write_extensions(session, extensions, activity.id, clean, created=True)
            changes = {k: [None, v] for k, v in clean.items() if v not in (None, [])}
            if activity.state:
                changes["state"] = [None, activity.state]
            _store.write_audit(session, actor, ENTITY, activity.id, "create", changes)
            self.app.hook.after_activity_save(
                ctx=self.ctx, activity=activity, changes=changes, created=True
            )
            return self._get(session, activity.id)

    def _locked(self, session: Session, activity_id: int, version: int | None) -> Activity:
        stmt = (
            select_model(Activity)
            .join(Customer, col(Customer.id) == col(Activity.customer_id))
            .where(col(Activity.id) == activity_id, *self.app.customer_access(self.ctx.actor))
        )
        activity = session.scalars(stmt.with_for_update(of=Activity)).first()
        if activity is None:
            raise NotFoundError(ENTITY, activity_id)
        _store.check_version(session, ENTITY, activity_id, version, activity.version)
        return activity

    def update(
        self, activity_id: int, values: Mapping[str, Any], *, version: int | None = None
    ) -> Record:
        """Change some fields of an activity; its kind and state change only by transitions."""
        self.ctx.require("core.activity.edit")
        if "kind" in values:
            raise ValidationError(
                [FieldError("kind", "read_only", _("This field cannot be changed."))]
            )
        with self.ctx.transaction() as session:
            activity = self._locked(session, activity_id, version)
            clean, errors = clean_values(self._specs(activity.kind), values, creating=False)
            if "occurred_at" in clean and clean["occurred_at"] is None:  # the column is NOT NULL
                errors.append(FieldError("occurred_at", "required", _("This field is required.")))
            if errors:
                raise ValidationError(errors)
            current = self._get(session, activity_id).values
            changes = _store.diff(current, clean)
            if not changes:
                return self._get(session, activity_id)
            if "customer_id" in changes:
                self._visible_customer(session, clean["customer_id"])
            if "owner_id" in changes:
                self._check_owner(session, clean["owner_id"])
            self.app.hook.before_activity_save(
                ctx=self.ctx, activity=activity, changes=clean, created=False
            )
            for key in changes:
                if "." not in key:
                    setattr(activity, key, clean[key])
            activity.version += 1
            activity.updated_at = utcnow()
            session.flush()
            _store.write_extensions(
                session,
                self.app.fields.extensions_for("activity", activity.kind),
                activity_id,
                {k: v for k, v in clean.items() if k in changes},
                created=False,
            )
            _store.write_audit(session, self.ctx.actor, ENTITY, activity_id, "update", changes)
            self.app.hook.after_activity_save(
                ctx=self.ctx, activity=activity, changes=changes, created=False
            )
            return self._get(session, activity_id)

    def delete(self, activity_id: int, *, version: int | None = None) -> None:
        """Delete an activity and its extension rows."""
        self.ctx.require("core.activity.delete")
        with self.ctx.transaction() as session:
            activity = self._locked(session, activity_id, version)
            snapshot = self._get(session, activity_id).values
            self.app.hook.before_activity_delete(ctx=self.ctx, activity=activity)
            _store.delete_extensions(
                session, self.app.fields.extensions_for("activity", activity.kind), activity_id
            )
            session.delete(activity)
            session.flush()
            _store.write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                activity_id,
                "delete",
                {k: [v, None] for k, v in snapshot.items() if v not in (None, [])},
            )
            self.app.hook.after_activity_delete(ctx=self.ctx, activity=activity)

    # -- workflows ----------------------------------------------------------------------------
    def _refusal(self, transition: Transition, activity: Activity) -> LazyText | str | None:
        if activity.state not in transition.sources:
            return _("Not possible from the current state.")
        if not transition.allows(self.ctx.actor):
            return _("Your role may not do this.")
        for guard in transition.guards:
            reason = guard(self.ctx, activity)
            if reason is not None:
                return reason
        return None

    def available_transitions(self, activity_id: int) -> builtins.list[Transition]:
        """The transitions the actor may make now (state, roles and guards all allow them)."""
        self.ctx.require("core.activity.view")
        with self.ctx.transaction() as session:
            record = self._get(session, activity_id)
            workflow = self._kind(record["kind"]).workflow
            if workflow is None:
                return []
            activity = session.get(Activity, activity_id)
            assert activity is not None
            return [
                t for t in workflow.from_state(activity.state) if self._refusal(t, activity) is None
            ]

    def offered_transitions(
        self, records: Iterable[Record]
    ) -> dict[int, builtins.list[Transition]]:
        """The transitions to offer on each activity of a page, by activity id.

        The state, the roles and the permission of each transition decide, as in
        `available_transitions`, but no guard runs and nothing is queried: a timeline page
        shows many activities, and a guard may query. A guard still refuses, with its reason,
        when the transition is made.
        """
        self.ctx.require("core.activity.view")
        actor = self.ctx.actor
        offered: dict[int, builtins.list[Transition]] = {}
        for record in records:
            kind = self.app.kinds.get(str(record.get("kind")))
            workflow = kind.workflow if kind is not None else None
            offered[record.id] = (
                [t for t in workflow.from_state(record.get("state")) if t.allows(actor)]
                if workflow is not None
                else []
            )
        return offered

    def transition(self, activity_id: int, name: str, *, version: int | None = None) -> Record:
        """Make a workflow transition: guards, state change, effects, audit, in one transaction.

        Raises:
            WorkflowError: the transition is unknown, not possible from the current state, not
                allowed to the actor's roles, or refused by a guard (the reason is the message).
        """
        self.ctx.require("core.activity.edit")
        with self.ctx.transaction() as session:
            activity = self._locked(session, activity_id, version)
            workflow = self._kind(activity.kind).workflow
            transition = workflow.transition(name) if workflow is not None else None
            if transition is None:
                raise WorkflowError(f"{activity.kind} has no transition {name!r}")
            reason = self._refusal(transition, activity)
            if reason is not None:
                raise WorkflowError(self.app.translator.gettext(reason, self.ctx.actor.locale))
            self.app.hook.before_transition(ctx=self.ctx, activity=activity, transition=transition)
            source = activity.state
            activity.state = transition.target
            activity.version += 1
            activity.updated_at = utcnow()
            session.flush()
            for effect in transition.effects:
                effect(self.ctx, activity)
            _store.write_audit(
                session,
                self.ctx.actor,
                ENTITY,
                activity_id,
                "transition",
                {"state": [source, transition.target], "transition": [None, name]},
            )
            self.app.hook.after_transition(ctx=self.ctx, activity=activity, transition=transition)
            session.flush()
            return self._get(session, activity_id)
