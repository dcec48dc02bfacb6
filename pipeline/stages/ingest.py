"""Stage 'ingest' (being written; owner replaces this file)."""

from .base import Context, Pending, Plan, Result, Stage


def plan(ctx: Context) -> Plan:
    raise Pending("stage 'ingest' implementation")


def run(ctx: Context) -> Result:
    raise NotImplementedError


STAGE = Stage("ingest", plan, run)
