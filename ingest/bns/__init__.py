"""The generic BNS reader: any dynamic table or bulletin of the Bureau of National Statistics → raw cells.

Modules: :mod:`~ingest.bns.layout` (tables found by content), :mod:`~ingest.bns.territory` (labels →
KATO codes), :mod:`~ingest.bns.periods` (period labels), :mod:`~ingest.bns.values` (values, markers,
units), :mod:`~ingest.bns.cover` (a bulletin's cover, contents and table titles),
:mod:`~ingest.bns.reader` (the source ``bns``). Workbook safety limits live in
:mod:`ingest.workbook_safety` (shared by every Excel reader).
"""
