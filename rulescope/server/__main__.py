"""``python -m rulescope.server``: the language server, as ``rulescope serve``."""

from rulescope.startup import drop_working_directory

drop_working_directory()  # before any import a workspace file could shadow

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402

from rulescope.server.commands import add_commands  # noqa: E402

logging.basicConfig(
    level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
)
parser = argparse.ArgumentParser(prog="python -m rulescope.server")
add_commands(parser.add_subparsers(metavar="COMMAND"))
arguments = parser.parse_args(["serve", *sys.argv[1:]])
raise SystemExit(arguments.run(arguments))
