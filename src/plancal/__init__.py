"""plancal: turn a Vietnamese government plan (kế hoạch) into a running calendar."""

__version__ = "0.1.0"
