"""``coopwire report``: what the sink says about cooperation between countries.

It reads only the sink, through ``Sink.query`` with portable SQL (SQLite and PostgreSQL), so it
can run anywhere the sink is reachable, while workers keep writing.
"""

from coopwire.report.data import CooperationReport, PairSummary, build_report

__all__ = ["CooperationReport", "PairSummary", "build_report"]
