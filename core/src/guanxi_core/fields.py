"""Typed fields: declared once, read by services, forms, lists, filters, import/export and the API.

A plugin declares extension fields on a subclass of `CustomerExtension` or `ActivityExtension`;
each subclass becomes a table `<slug>_<name>` whose primary key is the core row's id. The core's
own columns are described by the same `FieldSpec`, so callers see one registry.
"""

from __future__ import annotations

import builtins
import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)

from guanxi_core.i18n import LazyText, _
from guanxi_core.models import Activity, Customer
from guanxi_core.models._common import BigID, UTCDateTime, table_of

if TYPE_CHECKING:
    from guanxi_core.plugin import Plugin

FieldType = Literal[
    "str", "text", "int", "float", "decimal", "bool", "date", "datetime", "choice", "list"
]
Entity = Literal["customer", "activity"]
Validator = Callable[[Any], LazyText | None]

_MISSING: Any = object()


@dataclass
class FieldInfo:
    """What `Field(...)` returns: the options of one field before its type is known."""

    default: Any = None
    label: LazyText | str = ""
    help: LazyText | str | None = None
    choices: Sequence[tuple[Any, LazyText | str]] | None = None
    required: bool = False
    max_length: int | None = None
    min_value: float | Decimal | None = None
    max_value: float | Decimal | None = None
    filterable: bool = False
    sortable: bool = False
    list_column: bool = False
    validators: Sequence[Validator] = ()


def Field(  # noqa: N802 - reads like a type declaration, as in pydantic and SQLModel
    default: Any = None,
    *,
    label: LazyText | str,
    help: LazyText | str | None = None,
    choices: Sequence[tuple[Any, LazyText | str]] | None = None,
    required: bool = False,
    max_length: int | None = None,
    min_value: float | Decimal | None = None,
    max_value: float | Decimal | None = None,
    filterable: bool = False,
    sortable: bool = False,
    list_column: bool = False,
    validators: Sequence[Validator] = (),
) -> Any:
    """Declare a field of an extension table.

    Args:
        default: the value of a new row when none is given.
        label: the field's label (mark it with `_()` for translation).
        help: a help text shown beside the field.
        choices: `(value, label)` pairs; a `Literal[...]` or `Enum` type gives them too.
        required: whether a value must be given.
        max_length: the longest text accepted (default 255 for `str`).
        min_value: the smallest number accepted.
        max_value: the largest number accepted.
        filterable: whether lists may filter on it (the column is indexed).
        sortable: whether lists may sort by it (the column is indexed).
        list_column: whether lists show it as a column by default.
        validators: callables returning an error text, or None when the value is fine.

    Returns:
        The field's declaration, read when the class is created.
    """
    return FieldInfo(
        default=default,
        label=label,
        help=help,
        choices=choices,
        required=required,
        max_length=max_length,
        min_value=min_value,
        max_value=max_value,
        filterable=filterable,
        sortable=sortable,
        list_column=list_column,
        validators=tuple(validators),
    )


@dataclass
class FieldSpec:
    """One field of the registry: a core column or an extension column.

    Attributes:
        key: how callers name it: `name` for the core, `<slug>.<field>` for extensions.
        entity: `customer` or `activity`.
        type: the value type.
        label: the label, translated when rendered.
        column: the SQL column holding the value.
        plugin: the declaring plugin's slug (`core` for core columns).
        extension: the extension class, None for core columns.
        kinds: for activity extensions, the activity kinds it applies to (empty: all).
    """

    key: str
    entity: Entity
    type: FieldType
    label: LazyText | str
    column: Column[Any]
    plugin: str = "core"
    help: LazyText | str | None = None
    choices: tuple[tuple[Any, LazyText | str], ...] = ()
    required: bool = False
    nullable: bool = True
    default: Any = None
    max_length: int | None = None
    min_value: float | Decimal | None = None
    max_value: float | Decimal | None = None
    filterable: bool = False
    sortable: bool = False
    list_column: bool = False
    editable: bool = True
    validators: tuple[Validator, ...] = ()
    extension: builtins.type[Extension] | None = None
    kinds: tuple[str, ...] = ()
    references: str | None = None
    """For id fields, the record kind they point at (`user`, `team`, `customer`)."""

    @property
    def name(self) -> str:
        """The column's name (the key without the plugin prefix)."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def choice_values(self) -> tuple[Any, ...]:
        """The allowed values of a choice field."""
        return tuple(value for value, _label in self.choices)


_SIMPLE_TYPES: dict[type, FieldType] = {
    bool: "bool",
    int: "int",
    float: "float",
    Decimal: "decimal",
    str: "str",
    date: "date",
    datetime: "datetime",
}


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _column_type(spec_type: FieldType, max_length: int | None) -> Any:
    return {
        "str": String(max_length or 255),
        "choice": String(max_length or 64),
        "text": Text(),
        "int": Integer(),
        "float": Float(),
        "decimal": Numeric(14, 2),
        "bool": Boolean(),
        "date": Date(),
        "datetime": UTCDateTime(),
    }[spec_type]


def _describe(
    name: str, annotation: Any, info: FieldInfo
) -> tuple[FieldType, bool, tuple[tuple[Any, LazyText | str], ...], int | None]:
    inner, nullable = _unwrap_optional(annotation)
    choices = tuple(info.choices or ())
    max_length = info.max_length
    if typing.get_origin(inner) is Literal:
        values = typing.get_args(inner)
        choices = choices or tuple((v, str(v)) for v in values)
        kind: FieldType = "choice"
    elif isinstance(inner, type) and issubclass(inner, Enum):
        choices = choices or tuple((m.value, str(m.value)) for m in inner)
        kind = "choice"
    elif inner in _SIMPLE_TYPES:
        kind = "choice" if choices else _SIMPLE_TYPES[inner]
        if kind == "str" and max_length is not None and max_length > 2000:
            kind = "text"
    else:
        raise TypeError(f"field {name!r}: unsupported type {annotation!r}")
    if kind == "choice":
        longest = max((len(str(v)) for v, _label in choices), default=1)
        max_length = max(max_length or 0, longest)
    return kind, nullable, choices, max_length


class Extension:
    """Base of extension tables; subclass `CustomerExtension` or `ActivityExtension`.

    A subclass is declared with its plugin, `class Guest(CustomerExtension, plugin=plugin)`,
    and gets a table `<slug>_<snake_case class name>` (or `<slug>_<table>` when `table=` is
    given), fields from its annotated attributes and an index for each filterable or sortable
    field.
    """

    entity: ClassVar[Entity]
    __plugin__: ClassVar[Plugin]
    __table__: ClassVar[Table]
    __fields__: ClassVar[tuple[FieldSpec, ...]]
    __kinds__: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(
        cls,
        *,
        plugin: Plugin | None = None,
        table: str | None = None,
        kinds: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if plugin is None:
            return  # an intermediate base such as CustomerExtension
        cls.__plugin__ = plugin
        cls.__kinds__ = tuple(getattr(k, "key", k) for k in kinds)
        name = table or re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        table_name = f"{plugin.slug}_{name}"
        hints = inspect.get_annotations(cls, eval_str=True)
        specs: list[FieldSpec] = []
        columns: list[Column[Any]] = []
        indexes: list[str] = []
        parent = table_of(Customer if cls.entity == "customer" else Activity)
        key_column = f"{cls.entity}_id"
        for attr, annotation in hints.items():
            if attr.startswith("_") or typing.get_origin(annotation) is typing.cast(
                Any, typing.ClassVar
            ):
                continue
            info = cls.__dict__.get(attr, _MISSING)
            if not isinstance(info, FieldInfo):
                raise TypeError(
                    f"{cls.__name__}.{attr}: declare extension fields with Field(..., label=...)"
                )
            kind, nullable, choices, max_length = _describe(attr, annotation, info)
            column: Column[Any] = Column(
                attr, _column_type(kind, max_length), nullable=nullable or not info.required
            )
            columns.append(column)
            if info.filterable or info.sortable:
                indexes.append(attr)
            specs.append(
                FieldSpec(
                    key=f"{plugin.slug}.{attr}",
                    entity=cls.entity,
                    type=kind,
                    label=info.label,
                    column=column,
                    plugin=plugin.slug,
                    help=info.help,
                    choices=choices,
                    required=info.required,
                    nullable=nullable,
                    default=info.default,
                    max_length=max_length,
                    min_value=info.min_value,
                    max_value=info.max_value,
                    filterable=info.filterable,
                    sortable=info.sortable,
                    list_column=info.list_column,
                    validators=tuple(info.validators),
                    extension=cls,
                    kinds=cls.__kinds__,
                )
            )
        key = Column(
            key_column, BigID, ForeignKey(parent.c.id, ondelete="CASCADE"), primary_key=True
        )
        cls.__table__ = Table(
            table_name,
            plugin.metadata,
            key,
            *columns,
            *(Index(f"ix_{table_name}_{c}", c, key_column) for c in indexes),
        )
        cls.__fields__ = tuple(specs)
        plugin.add_extension(cls)

    @classmethod
    def key_column(cls) -> Column[Any]:
        """The primary key: `customer_id` or `activity_id`."""
        return cls.__table__.c[f"{cls.entity}_id"]


class CustomerExtension(Extension):
    """Base of a plugin's customer fields: one row per customer, in a table of its own."""

    entity: ClassVar[Entity] = "customer"


class ActivityExtension(Extension):
    """Base of a plugin's activity fields, for all kinds or for the `kinds=` given."""

    entity: ClassVar[Entity] = "activity"


def _core(entity: Entity, name: str, kind: FieldType, label: LazyText, **options: Any) -> FieldSpec:
    table = table_of(Customer if entity == "customer" else Activity)
    column = table.c[name]
    return FieldSpec(
        key=name,
        entity=entity,
        type=kind,
        label=label,
        column=column,
        nullable=bool(column.nullable),
        max_length=getattr(column.type, "length", None),
        **options,
    )


def core_fields() -> list[FieldSpec]:
    """The core's own columns as registry fields."""
    kind_choices = (("person", _("Person")), ("organization", _("Organization")))
    return [
        _core(
            "customer",
            "kind",
            "choice",
            _("Type"),
            choices=kind_choices,
            default="person",
            filterable=True,
            list_column=True,
        ),
        _core(
            "customer",
            "name",
            "str",
            _("Name"),
            required=True,
            sortable=True,
            filterable=True,
            list_column=True,
        ),
        _core("customer", "phones", "list", _("Phones"), default=[], list_column=True),
        _core("customer", "emails", "list", _("E-mails"), default=[]),
        _core("customer", "address", "str", _("Address")),
        _core(
            "customer",
            "owner_id",
            "int",
            _("Owner"),
            filterable=True,
            list_column=True,
            references="user",
        ),
        _core("customer", "team_id", "int", _("Team"), filterable=True, references="team"),
        _core("customer", "source", "str", _("Source"), filterable=True),
        _core(
            "customer",
            "lifecycle_stage",
            "str",
            _("Lifecycle stage"),
            filterable=True,
            list_column=True,
        ),
        _core(
            "customer",
            "created_at",
            "datetime",
            _("Created"),
            sortable=True,
            filterable=True,
            editable=False,
        ),
        _core(
            "customer",
            "updated_at",
            "datetime",
            _("Updated"),
            sortable=True,
            filterable=True,
            editable=False,
            list_column=True,
        ),
        _core("activity", "kind", "str", _("Kind"), required=True, filterable=True),
        _core(
            "activity",
            "customer_id",
            "int",
            _("Customer"),
            required=True,
            filterable=True,
            references="customer",
        ),
        _core("activity", "owner_id", "int", _("Owner"), filterable=True, references="user"),
        _core("activity", "subject", "str", _("Subject"), required=True),
        _core("activity", "body", "text", _("Details")),
        _core("activity", "occurred_at", "datetime", _("When"), sortable=True, filterable=True),
        _core("activity", "due_at", "datetime", _("Due"), sortable=True, filterable=True),
        _core(
            "activity",
            "amount",
            "decimal",
            _("Amount"),
            min_value=Decimal("-1e12"),
            max_value=Decimal("1e12"),
        ),
        _core("activity", "currency", "str", _("Currency")),
        _core("activity", "state", "str", _("State"), filterable=True, editable=False),
    ]


class FieldRegistry:
    """Every field of the application: core columns first, then plugins' in load order."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, FieldSpec]] = {"customer": {}, "activity": {}}
        self.extensions: dict[str, list[type[Extension]]] = {"customer": [], "activity": []}

    def add(self, spec: FieldSpec) -> None:
        """Add one field; a second field with the same key is an error."""
        bucket = self._fields[spec.entity]
        if spec.key in bucket:
            raise ValueError(f"field {spec.key!r} of {spec.entity} is declared twice")
        bucket[spec.key] = spec

    def add_extension(self, extension: type[Extension]) -> None:
        """Add an extension table and all its fields."""
        for spec in extension.__fields__:
            self.add(spec)
        self.extensions[extension.entity].append(extension)

    def for_entity(self, entity: Entity, kind: str | None = None) -> list[FieldSpec]:
        """The fields of `entity`; for activities of `kind`, only those that apply to it."""
        return [
            spec
            for spec in self._fields[entity].values()
            if kind is None or not spec.kinds or kind in spec.kinds
        ]

    def get(self, entity: Entity, key: str) -> FieldSpec | None:
        """The field `key` of `entity`, or None."""
        return self._fields[entity].get(key)

    def extensions_for(self, entity: Entity, kind: str | None = None) -> list[type[Extension]]:
        """The extension tables of `entity` (for activities: those applying to `kind`)."""
        return [
            ext
            for ext in self.extensions[entity]
            if kind is None or not ext.__kinds__ or kind in ext.__kinds__
        ]
