"""Airflow DAGs: one ingest DAG per source family (``ingest_bns``, ``ingest_egov``, …), generated from
``ingest/registry.py``.

A source registered there is loaded by its family's DAG with no further wiring: files landing in
``landing/<source>/`` are loaded every 30 minutes, API sources are fetched on their publisher's
cadence first. Each DAG publishes the asset ``raw.<source>`` when new data was loaded, which
schedules ``transform_publish``. Each DAG's own documentation lists its sources.
"""

from orchestration.dags import build_ingest_dags

globals().update(build_ingest_dags())
