"""Scale tooling: a data generator and a benchmark of the services against hand-written SQL."""
