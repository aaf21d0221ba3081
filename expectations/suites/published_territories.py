"""published.territories: territory versions (KATO) with names and validity dates."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import rows_check, values_in


def build(ctx: GateContext) -> list[Check]:
    return [
        *common_published_checks(ctx, "territories", kato_column=""),
        values_in(
            "level",
            ["republic", "region", "city", "district", "city_administration"],
            protects="every territory has a known level",
            resolve="fix the level in dbt_project/seeds/territories.csv",
        ),
        rows_check(
            "select kato_code, count(*) as versions from {batch} "
            "where valid_to is null group by kato_code having count(*) > 1",
            protects="a KATO code has at most one version in force today",
            resolve="close the older version (valid_to) in dbt_project/seeds/territories.csv",
        ),
        rows_check(
            "select kato_code, valid_from, valid_to from {batch} where valid_to < valid_from",
            protects="no version ends before it starts",
            resolve="fix the dates in dbt_project/seeds/territories.csv",
        ),
        rows_check(
            "select 'Almaty oblast needs its versions before and after 8 June 2022' as problem "
            "where (select count(*) from {batch} where kato_code = '190000000') < 2",
            protects="Almaty oblast is published with its borders before and after the 2022 split",
            resolve="restore both rows of 190000000 in dbt_project/seeds/territories.csv",
        ),
        rows_check(
            "select kato_code, valid_from from {batch} where name_kk is null or name_ru is null or name_en is null",
            protects="every territory has its name in Kazakh, Russian and English",
            resolve="add the missing name in dbt_project/seeds/territories.csv",
            severity="warning",
        ),
    ]


SUITE = Suite(name="published.territories", table="territories", layer="published", build=build, description=__doc__)
