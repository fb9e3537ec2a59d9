"""Schedule expansion: a plan and its units become occurrences — pure and deterministic."""

