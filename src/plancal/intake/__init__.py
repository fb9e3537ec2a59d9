"""Hearing back from the units: submissions, the exemplars they introduce, their delegate lists."""
