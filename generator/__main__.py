"""`python -m generator` runs the Vigie command line."""

import sys

from generator.cli import main

sys.exit(main())
