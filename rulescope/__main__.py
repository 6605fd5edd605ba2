"""``python -m rulescope`` runs the command line."""

from rulescope.startup import drop_working_directory

drop_working_directory()  # before any import a workspace file could shadow

from rulescope.cli import main  # noqa: E402

raise SystemExit(main())
