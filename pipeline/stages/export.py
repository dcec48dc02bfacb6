"""Stage 'export' (being written; owner replaces this file)."""

from .base import Context, Pending, Plan, Result, Stage


def plan(ctx: Context) -> Plan:
    raise Pending("stage 'export' implementation")


def run(ctx: Context) -> Result:
    raise NotImplementedError


STAGE = Stage("export", plan, run)
