"""The data.egov.kz datasets the warehouse reads, and what their shapefile-truncated fields mean.

data.egov.kz publishes many registers converted from shapefiles, whose field names are cut to ten
characters (``region_nam``, ``district_n``, ``student_co``, …). The staging models map them to
full names; the tables below are the one place that says which is which.

``state_schools`` and ``private_schools`` are the publisher's ids. The kindergarten register's id
is **our choice**, ``state_kindergartens`` (version ``v1``), named like the school datasets, with
the same truncation rule: ``places_cou`` (design places) and ``children_c`` (children enrolled).
Change ``DATASETS`` if the portal's id differs; the cursor is kept per dataset id and version, so
a new id or version starts a full extraction.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL_FIELDS: dict[str, str] = {
    "id": "record_id",
    "bin": "bin",
    "name_ru": "name_ru",
    "name_kz": "name_kk",
    "region_nam": "region_name",
    "district_n": "district_name",
    "language": "language_of_instruction",
    "student_co": "student_count",
    "establish_": "established_year",
    "sdu_load_i": "design_capacity",
    "lat": "latitude",
    "long": "longitude",
    "modified": "modified_at",
}

KINDERGARTEN_FIELDS: dict[str, str] = {
    "id": "record_id",
    "name_ru": "name_ru",
    "name_kz": "name_kk",
    "region_nam": "region_name",
    "district_n": "district_name",
    "places_cou": "places",
    "children_c": "children_count",
    "establish_": "established_year",
    "lat": "latitude",
    "long": "longitude",
    "modified": "modified_at",
}


@dataclass(frozen=True)
class Dataset:
    dataset: str
    version: str
    entity: str  # school | kindergarten
    ownership: str  # state | private
    fields: dict[str, str]
    description: str

    @property
    def key(self) -> str:
        """The dataset's row in meta.api_cursors."""
        return f"{self.dataset}/{self.version}"


DATASETS: tuple[Dataset, ...] = (
    Dataset("state_schools", "v1", "school", "state", SCHOOL_FIELDS, "State general-education schools"),
    Dataset("private_schools", "v1", "school", "private", SCHOOL_FIELDS, "Private general-education schools"),
    Dataset(
        "state_kindergartens",
        "v1",
        "kindergarten",
        "state",
        KINDERGARTEN_FIELDS,
        "State kindergartens (pre-school organisations); dataset id chosen by edu-wh",
    ),
)


def dataset_by_id(dataset: str) -> Dataset | None:
    return next((d for d in DATASETS if d.dataset == dataset), None)
