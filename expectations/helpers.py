"""Checks suites share.

Published tables: :func:`common_published_checks` gives every table its volume, grain, key and
territory checks.

Raw deliveries: the helpers below build checks over a raw suite's query asset (the rows of the
batches under check). SQL checks (:func:`rows_check`) read the asset as ``batch_rows`` and return
the offending rows, starting with the columns that say where each came from (``_batch_id``,
``_source_file``, ``_sheet``, ``_row_number``) and a ``problem`` in words; the report shows a few of
them. Reference lists come from the dbt seeds in schema ``reference``; a check whose seeds are not
built fails with that reason (:func:`missing_reference_check`) instead of crashing the gate.

SQL written for these checks goes through ``str.format`` (GX substitutes ``{batch}``): a brace of
its own must be doubled (``{{``), so prefer ``length(x) = 9`` to ``\\d{9}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from expectations.framework import Check, GateContext

MAX_SHRINK = 0.5  # a release may not lose more than half of a table's rows without review
MAX_GROWTH = 0.5  # raw: a delivery more than 50% larger than the one before it is reported
WHERE = "_batch_id, _source_file, _sheet, _row_number"  # the columns that locate a raw row


def common_published_checks(
    ctx: GateContext, table: str, *, kato_column: str = "kato_code", min_rows: int = 1
) -> list[Check]:
    """Volume, grain (from the dbt manifest), keys not null and known territory codes."""
    import great_expectations.expectations as gxe

    key = ctx.grain(table)

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


# --- rules shared with dbt -----------------------------------------------------------------------
# Each is one dbt macro (some rendered from `vars: rules:` of dbt_project.yml, which the parsers read), made a
# SQL function in `reference` by dbt's on-run-start (macros/rule_functions.sql): the gate calls the function.


def rule_sql(rule: str, expression: str) -> str:
    """``reference.<rule>(<expression>)``: a rule of dbt_project/macros/ applied in a check's query."""
    return f"reference.{rule}({expression})"


def normalize_name_sql(expression: str) -> str:
    """``macros/normalize_name.sql``: ``rules.normalize_name`` of dbt_project.yml, as ``ingest.reference.normalize_name``."""
    return rule_sql("normalize_name", expression)


def bns_value_sql(text: str) -> str:
    """The ``bns_value`` macro: BNS cell text → number (NULL for markers and formulas)."""
    return rule_sql("bns_value", text)


def bns_status_sql(text: str) -> str:
    """The ``bns_value_status`` macro: why a BNS cell has no number (or ``reported``)."""
    return rule_sql("bns_value_status", text)


def press_claim_matches_sql(numbers: str, registry: str) -> str:
    """The ``press_claim_rule`` macro (macros/press_claims.sql): does the registry row ``registry`` name
    the raw press number ``numbers``? Its value is the raw text, read as a number when it is one."""
    value = f"case when {numbers}.value_text ~ '^-?\\d+(\\.\\d+)?$' then {numbers}.value_text::numeric end"
    args = [f"{numbers}.document_file", f"{numbers}.block_kind", f"{numbers}.sentence", value, f"{numbers}.unit"]
    args += [f"{registry}.source_document", f"{registry}.quote", f"{registry}.value", f"{registry}.unit"]
    return rule_sql("press_claim_matches", ", ".join(args))


def sql_text(value: str) -> str:
    """A Python string as a SQL literal inside a check's query (quotes and braces escaped)."""
    return "'" + str(value).replace("'", "''").replace("{", "{{").replace("}", "}}") + "'"


def sql_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` for ``in``."""
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


def sql_array(values: Iterable[str]) -> str:
    """``array['a', 'b']::text[]`` for ``= any(...)``."""
    return "array[" + ", ".join(sql_text(v) for v in values) + "]::text[]"


# --- raw checks -------------------------------------------------------------------------------------


def rows_check(query: str, *, protects: str, resolve: str, severity: str = "critical") -> Check:
    """A check that passes when ``query`` returns no rows. ``query`` reads the batches' rows as
    ``batch_rows`` (it may start with its own ``with``) and should return the locating columns
    (:data:`WHERE`) and a ``problem`` first."""
    import great_expectations.expectations as gxe

    body = query.strip()
    head = "with batch_rows as (select * from {batch})"
    full = f"{head}, {body[5:]}" if body.lower().startswith("with ") else f"{head} {body}"
    return Check(gxe.UnexpectedRowsExpectation(unexpected_rows_query=full), protects, resolve, severity)


def missing_reference(ctx: GateContext, *tables: str) -> list[str]:
    """The ``reference.<table>`` seeds that are not built (empty list: all there)."""
    return [t for t in tables if not ctx.has_relation(f"{ctx.reference_schema}.{t}")]


def missing_reference_check(missing: list[str], protects: str) -> Check:
    """A check that fails, saying which reference seeds are missing, in place of one that needs them."""
    names = ", ".join(f"reference.{t}" for t in missing)
    return rows_check(
        f"select {sql_text(f'reference list(s) {names} not built: cannot check that {protects}')} as problem "
        "where (select count(*) from batch_rows) >= 0",
        protects=protects,
        resolve="build the reference lists with `dbt seed` (or run the transform, which does), then run the gate again",
    )


def with_reference(ctx: GateContext, tables: list[str], make: Callable[[], Check]) -> Check:
    """The check ``make()`` builds when the seeds ``tables`` are built; else one that protects the same
    thing and fails, naming the missing seeds."""
    check = make()
    missing = missing_reference(ctx, *tables)
    if not missing:
        return check
    placeholder = missing_reference_check(missing, check.protects)
    placeholder.severity = check.severity
    return placeholder


def volume_checks(
    ctx: GateContext, *, max_drop: float = 0.5, max_growth: float | None = MAX_GROWTH, unit: str = "rows"
) -> list[Check]:
    """Every batch is complete in raw; the newest batch of each stream has not shrunk by more than
    ``max_drop`` (critical) nor grown by more than ``max_growth`` (warning) against its baseline, the
    batch delivered before it in the same stream. A change accepted with ``edu-wh batches accept``
    (or loaded with ``--allow-volume-drop``) passes."""
    values = ", ".join(
        f"({b.batch_id}, {sql_text(b.source_file)}, {b.rows_loaded or 0}, {b.baseline_batch_id or 'null'}, "
        f"{sql_text(b.baseline_file) if b.baseline_file else 'null'}, {b.baseline_rows or 0}, "
        f"{'true' if b.volume_accepted else 'false'}, {'true' if b.is_newest else 'false'})"
        for b in ctx.batches
    )
    compared = f"""
with expected (batch_id, source_file, rows_loaded, baseline_batch_id, baseline_file, baseline_rows, accepted,
               is_newest) as (values {values}),

counted as (
    select _batch_id, count(*) as rows_in_raw from batch_rows group by _batch_id
),

compared as (
    select
        expected.batch_id as _batch_id,
        expected.source_file as _source_file,
        coalesce(counted.rows_in_raw, 0) as rows_in_raw,
        expected.rows_loaded,
        expected.baseline_batch_id,
        expected.baseline_file,
        expected.baseline_rows,
        round(coalesce(counted.rows_in_raw, 0)::numeric / nullif(expected.baseline_rows, 0), 3) as ratio,
        expected.accepted,
        expected.is_newest
    from expected
    left join counted on expected.batch_id = counted._batch_id
)
"""
    checks = [
        rows_check(
            compared + "select _batch_id, _source_file, 'raw holds ' || rows_in_raw || ' rows, the load counted ' "
            "|| rows_loaded as problem, rows_in_raw, rows_loaded from compared where rows_in_raw <> rows_loaded",
            protects="every delivered batch is complete in raw (as many rows as the loader counted)",
            resolve="rows of the batch were deleted or added by hand; withdraw it (`edu-wh batches withdraw`) "
            "and load the file again",
        ),
        rows_check(
            compared + f"select _batch_id, _source_file, 'only ' || rows_in_raw || ' {unit} against ' || "
            f"baseline_rows || ' in batch ' || baseline_batch_id || ' (' || baseline_file || ')' as problem, "
            f"rows_in_raw, baseline_batch_id, baseline_rows, ratio from compared "
            f"where is_newest and not accepted and baseline_rows > 0 and rows_in_raw < {1 - max_drop} * baseline_rows",
            protects=f"no delivery lost more than {max_drop:.0%} of the {unit} of the delivery before it "
            "(a truncated or partial file)",
            resolve="compare the file with the previous one; if the publisher really delivered less, accept it "
            "with `edu-wh batches accept BATCH_ID --reason …`; if it is wrong, withdraw it with "
            "`edu-wh batches withdraw BATCH_ID --reason …` and ask the publisher again",
        ),
    ]
    if max_growth is not None:
        checks.append(
            rows_check(
                compared + f"select _batch_id, _source_file, rows_in_raw || ' {unit} against ' || baseline_rows "
                f"|| ' in batch ' || baseline_batch_id || ' (' || baseline_file || ')' as problem, rows_in_raw, "
                f"baseline_batch_id, baseline_rows, ratio from compared "
                f"where is_newest and not accepted and baseline_rows > 0 "
                f"and rows_in_raw > {1 + max_growth} * baseline_rows",
                protects=f"no delivery grew by more than {max_growth:.0%} against the delivery before it "
                "(a file appended twice, or another table delivered under the same name)",
                resolve="look at the new rows; if the growth is genuine, accept it with `edu-wh batches accept "
                "BATCH_ID --reason …`",
                severity="warning",
            )
        )
    return checks


def required_columns_check(columns: list[str], *, what: str, resolve: str | None = None) -> Check:
    """No row leaves a required column empty; the offending rows name the empty columns."""
    empty = ", ".join(f"case when nullif(btrim({c}::text), '') is null then {sql_text(c)} end" for c in columns)
    condition = " or ".join(f"nullif(btrim({c}::text), '') is null" for c in columns)
    return rows_check(
        f"select {WHERE}, 'empty: ' || array_to_string(array_remove(array[{empty}], null), ', ') as problem "
        f"from batch_rows where {condition}",
        protects=f"every {what} has its {', '.join(columns)}",
        resolve=resolve
        or "the parser left a required value empty; look at the row in the delivered file and "
        "fix the parser or ask the publisher",
    )


def unique_key_check(key: list[str], *, grain: str, resolve: str) -> Check:
    """One row per ``key`` within a batch (GX compound uniqueness over the batch id and the key)."""
    import great_expectations.expectations as gxe

    return Check(
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["_batch_id", *key]),
        protects=f"one row per {grain} within a delivery (the raw grain)",
        resolve=resolve,
    )


def allowed_values_check(column: str, values: Iterable[str], *, protects: str, resolve: str, severity="critical"):
    """``column`` holds only ``values`` (GX set membership; NULLs are left to the required check)."""
    import great_expectations.expectations as gxe

    return Check(
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=sorted(set(values))),
        protects=protects,
        resolve=resolve,
        severity=severity,
    )


def known_units_check(ctx: GateContext, column: str = "unit_label", *, dimension: str | None = None) -> Check:
    """The unit label of every row is in ``reference.units`` (of ``dimension`` if given)."""
    protects = "every unit of measure is known (so values can be converted to tenge, counts, …)"

    def make() -> Check:
        only = f" and units.dimension = {sql_text(dimension)}" if dimension else ""
        return rows_check(
            f"select min(_batch_id) as _batch_id, min(_source_file) as _source_file, {column} as unit_label, "
            f"count(*) as rows, 'unknown unit ' || coalesce({column}, '(none)') as problem "
            f"from batch_rows where not exists (select 1 from reference.units "
            f"where {normalize_name_sql('units.label')} = {normalize_name_sql(f'batch_rows.{column}')}{only}) "
            f"group by {column}",
            protects=protects,
            resolve="add the unit's label with its multiplier to dbt_project/seeds/units.csv and run `dbt seed`, "
            "or fix the parser that read it",
        )

    return with_reference(ctx, ["units"], make)


def known_territory_names_check(
    ctx: GateContext,
    name: str,
    language: str,
    *,
    rows: str = "batch_rows",
    what: str = "territory name",
    severity: str = "critical",
) -> Check:
    """Every ``name`` (in ``language``) is in ``reference.territory_names`` (the language-aware list)."""
    protects = f"every {what} is a known territory (reference.territory_names)"

    def make() -> Check:
        return rows_check(
            f"""
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, min(_sheet) as _sheet,
       min(_row_number) as _row_number, territory_name, territory_language, count(*) as rows,
       'unknown territory ' || coalesce(territory_name, '(none)') || ' (' || coalesce(territory_language, '?') || ')'
           as problem
from (select *, {name} as territory_name, {language} as territory_language from {rows}) as named
where not exists (
    select 1 from reference.territory_names as names
    where names.language = named.territory_language
      and {normalize_name_sql("names.name")} = {normalize_name_sql("named.territory_name")}
)
group by territory_name, territory_language
""",
            protects=protects,
            resolve="add the name with its KATO code and language to dbt_project/seeds/territory_names.csv "
            "(`Алматы` is the oblast in Kazakh, the city in Russian) and run `dbt seed`",
            severity=severity,
        )

    return with_reference(ctx, ["territory_names"], make)


def known_kato_check(
    ctx: GateContext, column: str = "kato_code", *, as_of: str | None = None, severity: str = "critical"
) -> list[Check]:
    """Every code in ``column`` is a known KATO code: in ``reference.territories``, a code
    ``reference.territory_changes`` names, or (for codes below district level) in a loaded KATO
    classifier. With ``as_of`` (a SQL date expression over the row), a second check (warning)
    says whether the code was in use on that date according to the territory seeds."""
    protects = f"every territory code ({column}) is a known KATO code"

    def make() -> Check:
        return rows_check(
            f"""
with known as (
    select kato_code from reference.territories
    union select old_kato_code from reference.territory_changes where old_kato_code is not null
    union select new_kato_code from reference.territory_changes where new_kato_code is not null
    union select kato.kato_code from raw.kato_rows as kato
        inner join meta.load_batches as b on kato._batch_id = b.batch_id and b.status = 'loaded'
)

select min(_batch_id) as _batch_id, min(_source_file) as _source_file, min(_sheet) as _sheet,
       min(_row_number) as _row_number, {column} as kato_code, count(*) as rows,
       'unknown KATO code ' || coalesce({column}, '(none)') as problem
from batch_rows
where {column} is not null and {column} not in (select kato_code from known)
group by {column}
""",
            protects=protects,
            resolve="check the code in the KATO classifier (load it: `edu-wh ingest kato <file>`); a territory "
            "the warehouse publishes must be in dbt_project/seeds/territories.csv with its validity dates",
            severity=severity,
        )

    checks = [with_reference(ctx, ["territories", "territory_changes"], make)]
    if as_of:
        in_use = f"territory codes ({column}) were in use on the date the row reports on"

        def make_in_use() -> Check:
            return rows_check(
                f"""
select min(_batch_id) as _batch_id, min(_source_file) as _source_file, {column} as kato_code,
       {as_of} as as_of, count(*) as rows,
       'code ' || {column} || ' was not in use on ' || {as_of} as problem
from batch_rows
where {column} in (select kato_code from reference.territories)
  and not exists (
      select 1 from reference.territories as t
      where t.kato_code = batch_rows.{column}
        and t.valid_from <= {as_of} and (t.valid_to is null or t.valid_to >= {as_of})
  )
group by {column}, {as_of}
""",
                protects=in_use,
                resolve="the publisher used a code from before (or after) a boundary change; staging re-bases "
                "it through territory_changes.csv, but check that the row belongs where the code says",
                severity="warning",
            )

        checks.append(with_reference(ctx, ["territories"], make_in_use))
    return checks
