"""Observability: what smtpcreds knows about its logins, rotations and consumers, for Prometheus.

* :mod:`smtpcreds.metrics.snapshot` — the plain rows one run reports (no Prometheus types);
* :mod:`smtpcreds.metrics.collect` — makes a snapshot from the journals, the bindings, the store
  and the local consumers (the only module here that reads smtpcreds' core);
* :mod:`smtpcreds.metrics.exposition` — a snapshot as Prometheus text, through ``prometheus_client``;
* :mod:`smtpcreds.metrics.textfile` — the atomic write for node_exporter's textfile collector;
* :mod:`smtpcreds.metrics.settings` — the ``[metrics]`` table (maximum login ages).

``smtpcreds metrics`` (:mod:`smtpcreds.cli.metrics`) is the command; ``docs/monitoring.md`` the guide.
Importing this package is cheap: each module imports what it needs on use.
"""
