"""Airflow DAG: ingest press reports (scraped Russian and Kazakh news articles) when they land.

Every 30 minutes, loads each new article in ``landing/press/`` into ``raw.press_numbers``: every
number in the text with its sentence, parsed value, unit and qualifier (one batch per file; a file
already loaded is skipped by its SHA-256). A file refused as a whole moves to ``quarantine/`` with
its reason and fails the run once the good files are in. Publishes the asset ``raw.press`` when new
data was loaded, which schedules ``transform_publish`` (claims are matched to the reviewed registry
in staging).
"""

from orchestration.dags import build_ingest_dag

ingest_press = build_ingest_dag("press", __doc__)
