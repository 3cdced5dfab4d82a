"""`python -m edge_agent ...`: the edge command line (see edge_agent.cli)."""
import sys

from edge_agent.cli import main

sys.exit(main())
