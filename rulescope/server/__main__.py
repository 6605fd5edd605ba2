"""``python -m rulescope.server``: the language server, as ``rulescope serve``."""

import argparse
import logging
import sys

from rulescope.server.commands import add_commands

logging.basicConfig(
    level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
)
parser = argparse.ArgumentParser(prog="python -m rulescope.server")
add_commands(parser.add_subparsers(metavar="COMMAND"))
arguments = parser.parse_args(["serve", *sys.argv[1:]])
raise SystemExit(arguments.run(arguments))
