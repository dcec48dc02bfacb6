"""CLI commands of this package, registered by pipeline.cli."""

COMMANDS: list = []
