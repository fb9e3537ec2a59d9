"""Hearing back from the units: submissions from the units' own page and from the office's records."""
