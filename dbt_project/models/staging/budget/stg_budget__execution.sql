{#- A table, not a view (the staging default): it types, resolves and de-duplicates every delivered
    row of every monthly report (region names matched through normalize_name, per row), and its own
    tests and the models below it each read it; as a view each of its ten tests did all of that
    again (0.6 s a read at scale 10 in `make bench`, the slowest nodes of the incremental build). -#}
{{ config(materialized='table') }}

with source as (

    {{ loaded_rows(source('budget', 'budget_execution_rows')) }}

),

territory_names as (

    select * from {{ ref('territory_names') }}
    where language = 'ru'

),

units as (

    select * from {{ ref('units') }}

),

typed as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source.row_id,
        btrim(source.region_name) as region_name,
        source.year::int as year,
        source.month::int as month,
        btrim(source.functional_group) as functional_group,
        btrim(source.subgroup) as subgroup,
        btrim(source.administrator) as administrator,
        btrim(source.program) as program_code,
        btrim(source.program_name) as program_name,
        source.unit_label,
        units.multiplier as unit_multiplier,
        replace(regexp_replace(source.plan_amount, '[\s\u00a0]', '', 'g'), ',', '.')::numeric as plan_amount,
        replace(regexp_replace(source.executed_amount, '[\s\u00a0]', '', 'g'), ',', '.')::numeric as executed_amount
    from source
    left join units
        on {{ normalize_name('source.unit_label') }} = {{ normalize_name('units.label') }}

),

resolved as (

    select
        typed.*,
        territory_names.kato_code
    from typed
    left join territory_names
        on {{ normalize_name('typed.region_name') }} = {{ normalize_name('territory_names.name') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by kato_code, year, month, functional_group, subgroup, administrator, program_code
            order by batch_id desc
        ) as newest_first
    from resolved

),

amounts as (

    select
        *,
        plan_amount * unit_multiplier as plan_kzt,
        executed_amount * unit_multiplier as executed_kzt,
        lag(executed_amount * unit_multiplier) over programme_months as previous_executed_kzt,
        lag(month) over programme_months as previous_month
    from deduplicated
    where newest_first = 1
    window programme_months as (
        partition by kato_code, year, functional_group, subgroup, administrator, program_code
        order by month
    )

),

final as (

    select
        kato_code,
        region_name,
        year,
        month,
        make_date(year, month, 1) as report_month_date,
        functional_group,
        subgroup,
        administrator,
        program_code,
        program_name,
        functional_group = '04' as is_education,
        month = 12 as is_year_end,
        round(plan_kzt / 1000, 3) as plan_kzt_thousands,
        round(executed_kzt / 1000, 3) as executed_kzt_thousands,
        plan_kzt,
        executed_kzt,
        case
            when month = 1 then executed_kzt
            when previous_month = month - 1 then executed_kzt - previous_executed_kzt
        end as executed_in_month_kzt,
        unit_label,
        batch_id,
        source_file,
        row_id
    from amounts

)

select * from final
