"""All sources the warehouse knows, by name. Adding a source = one module + one line here."""

from __future__ import annotations

import importlib

from ingest.base import Source

#: source name → module that defines ``SOURCE``
SOURCE_MODULES: dict[str, str] = {
    "bns_dynamic": "ingest.bns_dynamic",
    "egov": "ingest.egov",
    "budget": "ingest.budget",
    "nedb": "ingest.nedb",
    "comfortable_school": "ingest.comfortable_school",
    "bns_bulletin": "ingest.bns_bulletin",
    "press": "ingest.press",
    "kato": "ingest.kato",
    "minfin": "ingest.minfin",
}


#: sources fetched from a publisher's API before loading (their Source implements ``fetch``)
NETWORKED_SOURCES: list[str] = ["egov", "budget"]


def get_source(name: str) -> Source:
    from edu_wh.errors import UserError

    if name not in SOURCE_MODULES:
        raise UserError(f"unknown source {name!r}", hint="known sources: " + ", ".join(sorted(SOURCE_MODULES)))
    return importlib.import_module(SOURCE_MODULES[name]).SOURCE


def all_sources() -> list[Source]:
    return [get_source(name) for name in SOURCE_MODULES]
