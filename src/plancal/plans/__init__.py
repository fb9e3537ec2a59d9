"""The plan format: the model of a plan and loading it from YAML with every problem located."""

