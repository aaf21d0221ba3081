"""published.schools: schools by academic year (NEDB) with their territory as delivered and today."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import between, rows_check, sources_loaded, values_in


def build(ctx: GateContext) -> list[Check]:
    loaded = sources_loaded(ctx, "nedb")
    return [
        *common_published_checks(ctx, "schools", min_rows=1 if loaded else 0),
        rows_check(
            "select bin, academic_year from {batch} where length(bin) <> 12 or bin !~ '^[0-9]+$'",
            protects="every school is identified by its 12-digit BIN",
            resolve="the NEDB extract has a malformed BIN: check the row in source_reference",
        ),
        values_in(
            "ownership",
            ["state", "private"],
            protects="ownership is state or private",
            resolve="map the new wording in stg_nedb__school_years",
        ),
        values_in(
            "language_of_instruction",
            ["kk", "ru", "kk_ru"],
            protects="the language of instruction is Kazakh, Russian or both",
            resolve="map the new wording in stg_nedb__school_years",
        ),
        between(
            "shifts",
            1,
            3,
            protects="schools teach in one to three shifts",
            resolve="check the shifts column of the NEDB extract",
        ),
        rows_check(
            "select bin, academic_year, pupils_total, design_capacity, place_shortage from {batch} "
            "where place_shortage <> greatest(pupils_total - design_capacity, 0)",
            protects="a school's place shortage is max(pupils − design capacity, 0)",
            resolve="rebuild fct_school_years (dbt build --full-refresh -s fct_school_years)",
        ),
        rows_check(
            "select bin, academic_year, pupils_free_meals, pupils_grades_1_4 from {batch} "
            "where pupils_free_meals > pupils_grades_1_4",
            protects="no school feeds more primary pupils than it has",
            resolve="check the meal columns of the NEDB extract for that school",
            severity="warning",
        ),
        rows_check(
            "select bin, academic_year, kato_code, current_kato_code from {batch} "
            "where current_kato_code is null or current_region_kato_code is null",
            protects="every school-year has its territory in current borders",
            resolve="the delivered district code is not in seeds/territories.csv: add it with its validity "
            "and successor (seeds/territory_changes.csv)",
        ),
    ]


SUITE = Suite(name="published.schools", table="schools", layer="published", build=build, description=__doc__)
