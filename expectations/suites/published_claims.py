"""published.claims: figures claimed in the press next to the official figures."""

from __future__ import annotations

from expectations.framework import Check, GateContext, Suite
from expectations.helpers import common_published_checks
from expectations.suites._published_checks import rows_check, values_in


def build(ctx: GateContext) -> list[Check]:
    checks = [
        *common_published_checks(ctx, "claims"),
        values_in(
            "status",
            ["confirmed", "differs", "different_basis", "unverifiable_synthetic", "no_official_figure"],
            protects="every claim has a verdict: confirmed, differs, different basis, unverifiable (synthetic) "
            "or no official figure",
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
            "where not official_is_synthetic and difference is distinct from official_value - value",
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
            "select claim_id, status, official_value, official_source from {batch} "
            "where official_is_synthetic and status in ('confirmed', 'differs', 'different_basis')",
            protects="no claim is confirmed or refuted by a synthetic figure",
            resolve="check macros/claims.sql (claim_status): a synthetic official figure gives unverifiable_synthetic",
        ),
        rows_check(
            "select claim_id, status, official_source from {batch} "
            "where official_is_synthetic and official_source not like 'synthetic generator%'",
            protects="a synthetic official figure never carries a publisher's name",
            resolve="name the source with the provenance_name macro (macros/claims.sql) in int_official_values_unioned",
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
