"""The bench plugin: one customer extension with a filterable choice and a sortable number.

It stands for any vertical plugin's customer fields: the benchmark filters lists on
`bench.tier` and sorts them by `bench.score`, both real indexed columns of `bench_profile`.
The plugin ships no Alembic migrations; the generator creates its table with
`plugin.metadata.create_all(engine)` after the core migration.
"""

from __future__ import annotations

from typing import Literal

from guanxi_core import CustomerExtension, Field, Plugin

plugin = Plugin("bench", "Bench", description="Benchmark fields: a tier and a score per customer.")


class Profile(CustomerExtension, plugin=plugin):
    """Table `bench_profile`: one row per customer (key `customer_id`)."""

    tier: Literal["A", "B", "C"] | None = Field(
        label="Tier", filterable=True, list_column=True
    )
    score: int | None = Field(
        label="Score", filterable=True, sortable=True, list_column=True
    )
