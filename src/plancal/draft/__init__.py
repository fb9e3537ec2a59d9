"""Drafting a plan file from the text of a kế hoạch."""
