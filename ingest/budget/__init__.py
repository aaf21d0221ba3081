"""Open budgets (budget.egov.kz): monthly execution of local budgets by functional classification.

Functional group 04 is education; amounts are in thousand tenge, cumulative since 1 January;
regions are named in Russian.

* ``client.py``: the typed client (timeouts, retries) and the month-by-month fetch helpers;
* ``parser.py``: pure reading of one jqGrid response (bytes in, rows out), unit and magnitude checks;
* ``source.py``: the ``budget`` :class:`~ingest.base.Source` (raw table ``raw.budget_execution_rows``, fetch);
* ``fake.py``: a fake open-budget portal on 127.0.0.1 for tests and the demo, with fault injection;
* ``synth.py``: renders the synthetic world's budget lines into the fake's fixture files.
"""

from ingest.budget.source import SOURCE, BudgetSource

__all__ = ["SOURCE", "BudgetSource"]
