"""data.egov.kz open-data API v4: registers of state and private schools and state kindergartens.

* ``datasets.py``: the dataset ids and versions read, and what their truncated field names mean;
* ``client.py``: the typed client (timeouts, retries, API key) and the resumable incremental extraction;
* ``parser.py``: pure reading of one response (bytes in, records out);
* ``source.py``: the ``egov`` :class:`~ingest.base.Source` (raw table ``raw.egov_records``, fetch);
* ``fake.py``: a fake data.egov.kz on 127.0.0.1 for tests and the demo, with fault injection;
* ``synth.py``: renders the synthetic world into the fake's fixture files.
"""

from ingest.egov.source import SOURCE, EgovSource

__all__ = ["SOURCE", "EgovSource"]
