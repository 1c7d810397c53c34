"""`python -m generator` runs the Vigie command line."""

from generator.cli import run

run()
