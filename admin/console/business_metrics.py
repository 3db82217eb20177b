"""The dashboard's business figures on ``/metrics`` (Prometheus), read at scrape time
from the same records (admin.console.stats), so the two never disagree.

========================================  ===================================
metric                                    labels
========================================  ===================================
``onegate_logins_total``                  ``acr`` (loa-1, loa-2)
``onegate_login_failures_total``          ``reason`` (login.credentials, login.throttled,
                                          login.second_factor)
``onegate_hall_signins_total``            ``hall``
``onegate_licences_issued_total``         ``department``
``onegate_verifications_recorded_total``  ``outcome`` (valid, revoked, ...)
========================================  ===================================

They count rows, so they are totals since the records began: a housekeeping job
that deletes old rows lowers them, which Prometheus reads as a counter reset
(``rate()`` and ``increase()`` handle it). A scrape while the database is down
answers the HTTP metrics without these (and logs why), never a 500.
"""

from __future__ import annotations

import logging

from prometheus_client.core import CounterMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from admin.console import stats
from edge.unit_of_work import UnitOfWork

log = logging.getLogger("onegate.metrics")

METRICS = (("logins", "onegate_logins", "Completed logins at the provider", "acr"),
           ("login_failures", "onegate_login_failures", "Failed logins by reason", "reason"),
           ("hall_signins", "onegate_hall_signins", "Sign-ins at a hall's relying parties",
            "hall"),
           ("issuances", "onegate_licences_issued", "Licences issued (and imported)",
            "department"),
           ("verifications", "onegate_verifications_recorded",
            "Verifications recorded for department systems", "outcome"))


class BusinessCollector:
    """A prometheus_client collector over the app's unit of work."""

    def __init__(self, unit_of_work: UnitOfWork) -> None:
        self.unit_of_work = unit_of_work

    def describe(self):
        # Declared up front so registering runs no query.
        return [CounterMetricFamily(name, doc, labels=[label])
                for _, name, doc, label in METRICS]

    def collect(self):
        try:
            with self.unit_of_work.scope():
                totals = stats.totals(self.unit_of_work.session())
        except SQLAlchemyError as exc:
            log.warning("business metrics unavailable: %s", type(exc).__name__)
            return
        for key, name, doc, label in METRICS:
            family = CounterMetricFamily(name, doc, labels=[label])
            for value, count in sorted(totals[key].items()):
                family.add_metric([value], count)
            yield family
