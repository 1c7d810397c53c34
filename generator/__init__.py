"""Vigie: a bilingual static site generator for child-safety awareness campaigns."""

__version__ = "0.1.0"
