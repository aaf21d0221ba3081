"""published.claims: figures claimed in the press next to the official figures."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import rows_check, values_in

#: the seed figures of the August 2023 article (004) and the city roadmap (003) the data confirms
SEED_CLAIMS = [
    "press-003-02",
    "press-003-03",
    "press-004-01",
    "press-004-02",
    "press-004-04",
    "press-004-05",
    "press-004-11",
    "press-004-12",
    "press-004-13",
    "press-004-14",
]


def build(ctx: GateContext) -> list[Check]:
    seeds = ", ".join(f"'{c}'" for c in SEED_CLAIMS)
    checks = [
        *common_published_checks(ctx, "claims"),
        values_in(
            "status",
            ["confirmed", "differs", "no_official_figure"],
            protects="every claim has a verdict: confirmed, differs or no official figure",
            resolve="rebuild fct_claims",
        ),
        values_in(
            "language",
            ["kk", "ru"],
            protects="every claim says the language of its article",
            resolve="check seeds/press_documents.csv",
        ),
        rows_check(
            "select claim_id, status, official_value from {batch} "
            "where (status = 'no_official_figure') <> (official_value is null)",
            protects="a claim without an official figure says so, and one with a figure is compared",
            resolve="rebuild fct_claims",
        ),
        rows_check(
            "select claim_id, value, official_value, difference from {batch} "
            "where official_value is not null and difference <> official_value - value",
            protects="the difference is the official figure minus the claimed one",
            resolve="rebuild fct_claims",
        ),
        rows_check(
            "select claim_id, value, official_value, precision_unit from {batch} "
            "where status = 'confirmed' and qualifier is null and abs(official_value - value) > precision_unit / 2",
            protects="a claim without a qualifier is confirmed only within the precision it is written with",
            resolve="check macros/claims.sql (claim_status)",
        ),
        rows_check(
            "select claim_id, status, official_value from {batch} "
            f"where claim_id in ({seeds}) and status <> 'confirmed'",
            protects="the official figures reproduce the press seed figures (394 bn, +78 bn, 113,240, 4,529 mn, "
            "2,172 mn, 36 buses, 53 / 68,200, 22 / 37,000)",
            resolve="the figure differs from the press: read official_value and difference; a missing delivery "
            "or a territory mapping error is the usual cause",
            severity="warning",
        ),
    ]
    if ctx.has_relation("reference.press_claims_registry"):
        checks.append(
            rows_check(
                "select registry.claim_id from reference.press_claims_registry as registry "
                "left join {batch} as claims on registry.claim_id = claims.claim_id "
                "where claims.claim_id is null",
                protects="every reviewed claim of the registry is published (none merged into another)",
                resolve="a claim's document or indicator is missing: check stg_press__claims",
            )
        )
    return checks


SUITE = Suite(name="published.claims", table="claims", layer="published", build=build, description=__doc__)
