"""``clipshop worker --once`` prints what each job did, webhooks included."""

from __future__ import annotations

from clipshop.webhooks.sender import SendReport
from clipshop.worker.cli import report_table
from clipshop.worker.jobs import JobReport
from clipshop.worker.relay import RelayReport


def test_the_report_counts_outbox_and_webhook_work() -> None:
    report = JobReport(
        carrier_events=2,
        outbox=RelayReport(delivered=7, failed=1),
        webhooks=SendReport(claimed=9, delivered=5, retried=3, failed=1, disabled=1),
    )
    rows = {}
    for line in report_table(report, "one sweep").lines()[1:]:
        label, _, count = line.rpartition(" ")
        rows[label.strip()] = count
    assert rows["outbox events delivered"] == "7"
    assert rows["webhooks delivered"] == "5"
    assert rows["webhook attempts failed (retried later)"] == "3"
    assert rows["webhooks failed for good"] == "1"
    assert rows["webhook subscriptions disabled"] == "1"
    assert rows["simulated carrier events"] == "2"
