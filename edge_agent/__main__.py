"""`python -m edge_agent ...`: the same as `tessera edge ...` (see edge_agent.cli)."""
import sys

from tessera.cli import app

app(args=["edge", *sys.argv[1:]], prog_name="tessera")
