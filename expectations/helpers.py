"""Checks every published table gets: it exists with rows, its grain is unique, its keys are
filled and known, and it did not shrink suspiciously against the current release."""

from __future__ import annotations

from expectations.framework import Check, GateContext

MAX_SHRINK = 0.5  # a release may not lose more than half of a table's rows without review


def common_published_checks(
    ctx: GateContext, table: str, *, key: list[str], kato_column: str = "kato_code", min_rows: int = 1
) -> list[Check]:
    import great_expectations.expectations as gxe

    checks = [
        Check(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=max(min_rows, int(ctx.previous_row_counts.get(table, 0) * MAX_SHRINK))
            ),
            protects=f"{table} is not empty and did not lose more than half its rows since the current release",
            resolve="compare the input batches of this run with the current release (meta.releases); a missing "
            "or truncated delivery is the usual cause",
        ),
        Check(
            gxe.ExpectCompoundColumnsToBeUnique(column_list=key)
            if len(key) > 1
            else gxe.ExpectColumnValuesToBeUnique(column=key[0]),
            protects=f"one row per {' × '.join(key)} (the table's stated grain)",
            resolve="two batches deliver the same key differently; check the staging de-duplication",
        ),
    ]
    for column in key:
        checks.append(
            Check(
                gxe.ExpectColumnValuesToNotBeNull(column=column),
                protects=f"every row has its {column}",
                resolve="fix the upstream mapping that leaves it empty",
            )
        )
    if kato_column:
        known = (
            [
                row[0]
                for row in ctx.conn.execute(f'select distinct kato_code from "{ctx.schema}".territories').fetchall()
            ]
            if _has_table(ctx, "territories")
            else []
        )
        if known:
            checks.append(
                Check(
                    gxe.ExpectColumnValuesToBeInSet(column=kato_column, value_set=known),
                    protects="every territory code is a known KATO code",
                    resolve="add the territory (with validity dates) to seeds/territories.csv, "
                    "or fix the name mapping in seeds/territory_names.csv",
                )
            )
    return checks


def _has_table(ctx: GateContext, table: str) -> bool:
    return bool(ctx.scalar("select to_regclass(%s) is not null", (f'"{ctx.schema}"."{table}"',)))
