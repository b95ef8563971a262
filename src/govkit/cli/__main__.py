"""`python -m govkit.cli`: the same as the `govkit` command."""

from govkit.cli import main

main()
