"""The unit directory: units, their hierarchy, and reading it from YAML and CSV."""

