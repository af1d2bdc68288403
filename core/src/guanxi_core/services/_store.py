"""Reading and writing core rows with their extension rows, lists and the audit log.

Lists are one SQL statement per page: the core table LEFT JOINed to its extension tables, with
filters, sort and keyset pagination; no per-row queries and no per-row hook calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Select, Table, delete, false, insert, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from guanxi_core.access import Actor
from guanxi_core.errors import ConflictError, FieldError, QueryError, ValidationError
from guanxi_core.fields import Entity, Extension, FieldRegistry, FieldSpec
from guanxi_core.i18n import _
from guanxi_core.models import AuditEntry
from guanxi_core.services.records import (
    FILTER_OPS,
    Filter,
    Page,
    Record,
    decode_cursor,
    encode_cursor,
    json_value,
)
from guanxi_core.services.validation import _Invalid, clean_value

_LIST_OPS = {"in"}
_NULL_OPS = {"isnull", "notnull"}


def record_columns(table: Table, extensions: Sequence[type[Extension]]) -> list[ColumnElement[Any]]:
    """The columns of a record: core columns by name, extension columns as `<slug>.<field>`."""
    columns: list[ColumnElement[Any]] = [c for c in table.c if c.name != "search_text"]
    for ext in extensions:
        columns.extend(spec.column.label(spec.key) for spec in ext.__fields__)
    return columns


def joined(table: Table, extensions: Sequence[type[Extension]]) -> Any:
    """`table` LEFT JOIN each extension table on its key."""
    source: Any = table
    for ext in extensions:
        source = source.outerjoin(ext.__table__, ext.key_column() == table.c.id)
    return source


def to_record(entity: str, row: Any) -> Record:
    """A record from a result row selected with `record_columns`."""
    return Record(entity, dict(row._mapping))


def to_records(entity: str, result: Any) -> list[Record]:
    """Records from a result selected with `record_columns` (keys read once, not per row)."""
    keys = list(result.keys())
    return [Record(entity, dict(zip(keys, row, strict=True))) for row in result.all()]


def _filter_clause(spec: FieldSpec, item: Filter) -> ColumnElement[bool]:
    column: Any = spec.column
    op = item.op
    if op not in FILTER_OPS:
        raise QueryError(f"unknown operator {op!r}")
    if op == "isnull":
        return column.is_(None)  # type: ignore[no-any-return]
    if op == "notnull":
        return column.is_not(None)  # type: ignore[no-any-return]
    if op == "contains":
        if spec.type not in {"str", "text", "list"}:
            raise QueryError(f"contains does not apply to {spec.key}")
        text = str(item.value or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.ilike(f"%{text}%", escape="\\")  # type: ignore[no-any-return]
    try:
        if op in _LIST_OPS:
            values = item.value if isinstance(item.value, list | tuple | set) else [item.value]
            return column.in_([clean_value(spec, v) for v in values])  # type: ignore[no-any-return]
        value = clean_value(spec, item.value)
    except _Invalid as invalid:
        raise ValidationError([invalid.error]) from None
    compare = {
        "eq": column.__eq__,
        "ne": column.__ne__,
        "lt": column.__lt__,
        "le": column.__le__,
        "gt": column.__gt__,
        "ge": column.__ge__,
    }[op]
    return compare(value)  # type: ignore[no-any-return]


def filter_clauses(
    fields: FieldRegistry, entity: Entity, filters: Iterable[Filter]
) -> list[ColumnElement[bool]]:
    """SQL conditions for `filters` (extension tables are always joined by the list)."""
    clauses: list[ColumnElement[bool]] = []
    errors: list[FieldError] = []
    for item in filters:
        spec = fields.get(entity, item.field)
        if spec is None or not spec.filterable:
            errors.append(
                FieldError(item.field, "not_filterable", _("Cannot filter on this field."))
            )
            continue
        try:
            clauses.append(_filter_clause(spec, item))
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return clauses


def sort_spec(fields: FieldRegistry, entity: Entity, sort: str) -> tuple[FieldSpec | None, bool]:
    """Parse `sort` (`name`, `-updated_at`, `vip.spend`): the field (None for id) and direction."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "id":
        return None, descending
    spec = fields.get(entity, key)
    if spec is None or not spec.sortable:
        raise ValidationError([FieldError(key, "not_sortable", _("Cannot sort by this field."))])
    return spec, descending


def keyset_page(
    session: Session | Connection,
    entity: str,
    base: Select[Any],
    id_column: Column[Any],
    sort: FieldSpec | None,
    descending: bool,
    limit: int,
    cursor: str | None,
) -> Page:
    """Run `base` ordered by (sort, id) from `cursor`; rows with a NULL sort value come last.

    Row-value comparisons `(col, id) > (v, last)` use the (col, id) index on both databases;
    NULL sort values are read by a second statement only when the non-NULL ones run out.
    """
    if not 1 <= limit <= 500:
        raise QueryError("limit must be between 1 and 500")
    position = decode_cursor(cursor) if cursor else None
    sort_column: Any = sort.column if sort is not None else None
    key_column: Any = id_column
    # Rows with a non-NULL extension sort value have their extension row, whose key equals the
    # id: ordering and comparing on (column, extension key) lets the (column, key) index serve
    # the keyset position. With the core id there, PostgreSQL cannot use the row comparison as
    # an index condition and reads the sort index from its start on every page.
    tie_column: Any = (
        sort.extension.key_column()
        if sort is not None and sort.extension is not None
        else id_column
    )

    def ordered(stmt: Select[Any], with_sort: bool) -> Select[Any]:
        keys = [sort_column, tie_column] if with_sort else [key_column]
        return stmt.order_by(*(k.desc() if descending else k.asc() for k in keys))

    def after(column: Any, value: Any) -> Any:
        return column < value if descending else column > value

    def typed(value: Any) -> Any:
        if sort is None or value is None:
            return value
        try:
            return clean_value(sort, value)
        except _Invalid:
            raise QueryError("invalid cursor") from None

    rows: list[Any] = []
    keys: list[str] = []
    in_nulls = position is not None and position.get("null", False)
    if sort_column is not None and not in_nulls:
        stmt = base.where(sort_column.is_not(None))
        if position is not None:
            from sqlalchemy import tuple_  # noqa: PLC0415

            stmt = stmt.where(
                after(tuple_(sort_column, tie_column), tuple_(typed(position["v"]), position["id"]))
            )
        result = session.execute(ordered(stmt, True).limit(limit + 1))
        keys = list(result.keys())
        rows = list(result.all())
    # A core column declared NOT NULL has no NULL tail to read (an extension's column can be
    # NULL whatever it declares: a customer without the extension row).
    no_nulls = (
        sort is not None
        and sort.extension is None
        and getattr(sort_column, "nullable", True) is False
    )
    if len(rows) <= limit and not (no_nulls and not in_nulls):
        stmt = base if sort_column is None else base.where(sort_column.is_(None))
        if position is not None and (sort_column is None or in_nulls):
            stmt = stmt.where(after(key_column, position["id"]))
        result = session.execute(ordered(stmt, False).limit(limit + 1 - len(rows)))
        keys = list(result.keys())
        rows += result.all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]._mapping
        value = last[sort.key] if sort is not None else None
        next_cursor = encode_cursor(
            {
                "id": last["id"],
                "v": value,
                "null": sort is not None and value is None,
            }
        )
    return Page([Record(entity, dict(zip(keys, row, strict=True))) for row in rows], next_cursor)


def write_extensions(
    session: Session,
    extensions: Sequence[type[Extension]],
    row_id: int,
    values: Mapping[str, Any],
    *,
    created: bool,
) -> None:
    """Insert (on create) or upsert the extension rows of one core row."""
    for ext in extensions:
        own = {spec.name: values[spec.key] for spec in ext.__fields__ if spec.key in values}
        key_name = ext.key_column().name
        if created:
            session.execute(insert(ext.__table__).values({key_name: row_id, **own}))
            continue
        if not own:
            continue
        result = session.execute(
            update(ext.__table__).where(ext.key_column() == row_id).values(own)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            defaults = {s.name: s.default for s in ext.__fields__ if s.default is not None}
            session.execute(insert(ext.__table__).values({key_name: row_id, **defaults, **own}))


def delete_extensions(session: Session, extensions: Sequence[type[Extension]], row_id: int) -> None:
    """Delete a core row's extension rows (also done by ON DELETE CASCADE; explicit for clarity)."""
    for ext in extensions:
        session.execute(delete(ext.__table__).where(ext.key_column() == row_id))


def write_audit(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    changes: Mapping[str, Any],
) -> None:
    """Append one entry to the audit log."""
    session.add(
        AuditEntry(
            actor_id=actor.id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            changes={k: json_value(v) for k, v in changes.items()},
        )
    )


def check_version(
    session: Session, entity: str, entity_id: int, expected: int | None, current: int
) -> None:
    """Raise `ConflictError` (with the latest change: who, when, what) if `expected` is stale."""
    if expected is None or expected == current:
        return
    last = session.execute(
        select(col(AuditEntry.actor_id), col(AuditEntry.at), col(AuditEntry.changes))
        .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == entity_id)
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    raise ConflictError(
        entity,
        entity_id,
        expected,
        current,
        changed_by=last.actor_id if last else None,
        changed_at=last.at if last else None,
        changes=last.changes if last else None,
    )


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{key: [old, new]}` for each key of `new` whose value differs from `old`."""
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def deny_all() -> ColumnElement[bool]:
    """A condition no row meets (what a failing access rule yields)."""
    return or_(false())
