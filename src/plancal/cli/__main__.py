"""``python -m plancal.cli``."""

from plancal.cli import main

main()
