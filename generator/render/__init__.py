"""The render stages (stages.py) and what they use: bodies, template contexts, dependencies, templates."""
