"""``python -m rulescope`` runs the command line."""

from rulescope.cli import main

raise SystemExit(main())
