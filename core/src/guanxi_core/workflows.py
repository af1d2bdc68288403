"""A small declarative workflow engine: states, transitions, roles, guards and effects.

Frappe's Workflow is the model: the state is persisted on the record, guards and effects are
named callables (never strings to evaluate), and every transition is written to the audit log
inside the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guanxi_core.i18n import LazyText

if TYPE_CHECKING:
    from guanxi_core.access import Actor
    from guanxi_core.services.context import Context

Guard = Callable[["Context", Any], "LazyText | str | None"]
"""Returns None when the transition may run, else the reason it may not."""
Effect = Callable[["Context", Any], None]
"""Runs inside the transaction after the state changed; raising undoes everything."""


@dataclass(frozen=True)
class Transition:
    """A move from one state to another that some roles may make.

    Attributes:
        name: the transition's name, unique in its workflow (`complete`).
        source: the state(s) it leaves from.
        target: the state it leads to.
        roles: roles allowed to make it (`admin` always may); empty means any role.
        label: the button's text.
        guards: callables that may refuse the transition, with a reason.
        effects: callables run after the state changed, inside the transaction.
        permission: a permission required in addition to the roles, if any.
    """

    name: str
    source: str | tuple[str, ...]
    target: str
    roles: tuple[str, ...] = ()
    label: LazyText | str | None = None
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    permission: str | None = None

    def __init__(
        self,
        name: str,
        source: str | Iterable[str],
        target: str,
        *,
        roles: Iterable[str] = (),
        label: LazyText | str | None = None,
        guards: Iterable[Guard] = (),
        effects: Iterable[Effect] = (),
        permission: str | None = None,
    ) -> None:
        sources = (source,) if isinstance(source, str) else tuple(source)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "source", sources)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "roles", tuple(roles))
        object.__setattr__(self, "label", label or name)
        object.__setattr__(self, "guards", tuple(guards))
        object.__setattr__(self, "effects", tuple(effects))
        object.__setattr__(self, "permission", permission)

    @property
    def sources(self) -> tuple[str, ...]:
        """The states this transition leaves from."""
        return self.source if isinstance(self.source, tuple) else (self.source,)

    def allows(self, actor: Actor) -> bool:
        """Whether `actor`'s roles and permissions allow this transition (guards aside)."""
        if self.permission and not actor.can(self.permission):
            return False
        return actor.is_admin or not self.roles or bool(actor.roles.intersection(self.roles))


@dataclass(frozen=True)
class Workflow:
    """The states of a record and the transitions between them.

    Attributes:
        initial: the state of a new record.
        transitions: every allowed move.
        states: state → label; states named only in transitions get their name as label.
        name: set from the activity kind when attached to one.
    """

    initial: str
    transitions: Sequence[Transition]
    states: dict[str, LazyText | str] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"workflow {self.name!r}: transitions named twice: {duplicates}")
        known = {self.initial, *self.states}
        for transition in self.transitions:
            known.update(transition.sources)
            known.add(transition.target)
        for state in known:
            self.states.setdefault(state, state)

    def transition(self, name: str) -> Transition | None:
        """The transition called `name`, or None."""
        return next((t for t in self.transitions if t.name == name), None)

    def from_state(self, state: str | None) -> list[Transition]:
        """Transitions leaving `state`."""
        return [t for t in self.transitions if state in t.sources]

    def is_final(self, state: str | None) -> bool:
        """Whether no transition leaves `state`."""
        return not self.from_state(state)

    def is_waiting(self, state: str | None) -> bool:
        """Whether a record in `state` still waits for someone: some transition leads forward.

        A state no transition leaves is final; so is one whose transitions only lead back to
        the initial state (a done task can be reopened, but nothing waits on it).
        """
        return any(t.target != self.initial for t in self.from_state(state))
