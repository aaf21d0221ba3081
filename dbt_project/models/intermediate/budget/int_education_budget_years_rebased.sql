{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- The education budget (functional group 04) by region, calendar year and programme: the annual
    refined plan and the year's execution from the December report (cumulative since 1 January), as
    published and re-based to current borders, with the change on the previous year. -#}
with monthly as (

    select * from {{ ref('int_education_budget_months_labelled') }}

),

shares as (

    select * from {{ ref('int_territory_rebasing_shares') }}
    where population_type = 'total'

),

last_months as (

    select
        kato_code,
        year,
        max(month) as last_month
    from monthly
    group by kato_code, year

),

annual as (

    select
        monthly.*,
        last_months.last_month,
        last_months.last_month = 12 as is_year_complete,
        make_date(monthly.year, 12, 31) as reference_date
    from monthly
    inner join last_months
        on
            monthly.kato_code = last_months.kato_code
            and monthly.year = last_months.year
            and monthly.month = last_months.last_month

),

as_published as (

    select
        annual.kato_code,
        annual.year,
        annual.program_key,
        annual.functional_group,
        annual.subgroup,
        annual.administrator,
        annual.program_code,
        annual.program_name,
        annual.topic,
        'as_published' as territory_basis,
        'none' as rebase_method,
        annual.last_month,
        annual.is_year_complete,
        annual.plan_kzt,
        annual.executed_kzt,
        annual.source_name,
        annual.source_reference,
        annual.source_batch_id,
        annual.is_synthetic
    from annual

),

current_borders as (

    select
        shares.current_kato_code as kato_code,
        annual.year,
        annual.program_key,
        annual.functional_group,
        annual.subgroup,
        annual.administrator,
        annual.program_code,
        min(annual.program_name) as program_name,
        min(annual.topic) as topic,
        'current_borders' as territory_basis,
        string_agg(distinct shares.rebase_method, ', ') as rebase_method,
        min(annual.last_month) as last_month,
        bool_and(annual.is_year_complete) as is_year_complete,
        round(sum(annual.plan_kzt * shares.share), 2) as plan_kzt,
        round(sum(annual.executed_kzt * shares.share), 2) as executed_kzt,
        min(annual.source_name) as source_name,
        string_agg(annual.source_reference, '; ' order by annual.source_reference) as source_reference,
        max(annual.source_batch_id) as source_batch_id,
        bool_or(annual.is_synthetic) as is_synthetic
    from annual
    inner join shares
        on
            annual.kato_code = shares.kato_code
            and annual.reference_date between shares.valid_from and coalesce(shares.valid_to, 'infinity'::date)
    group by
        shares.current_kato_code, annual.year, annual.program_key, annual.functional_group, annual.subgroup,
        annual.administrator, annual.program_code

),

unioned as (

    select * from as_published
    union all
    select * from current_borders

),

with_previous as (

    select
        unioned.*,
        lag(unioned.year) over programme_years as previous_year,
        lag(unioned.plan_kzt) over programme_years as previous_plan_kzt,
        lag(unioned.executed_kzt) over programme_years as previous_executed_kzt,
        lag(unioned.is_year_complete) over programme_years as is_previous_year_complete
    from unioned
    window programme_years as (partition by unioned.kato_code, unioned.territory_basis, unioned.program_key order by unioned.year)

),

final as (

    select
        kato_code,
        year,
        territory_basis,
        rebase_method,
        program_key,
        functional_group,
        subgroup,
        administrator,
        program_code,
        program_name,
        topic,
        last_month,
        is_year_complete,
        plan_kzt,
        executed_kzt,
        {{ percent_of('executed_kzt', 'plan_kzt') }} as execution_percent,
        case when previous_year = year - 1 then previous_plan_kzt end as previous_plan_kzt,
        case when previous_year = year - 1 then plan_kzt - previous_plan_kzt end as plan_change_kzt,
        case when previous_year = year - 1 then {{ percent_of('plan_kzt - previous_plan_kzt', 'previous_plan_kzt') }} end
            as plan_change_percent,
        case
            when previous_year = year - 1 and is_year_complete and is_previous_year_complete
                then executed_kzt - previous_executed_kzt
        end as executed_change_kzt,
        case
            when previous_year = year - 1 and is_year_complete and is_previous_year_complete
                then {{ percent_of('executed_kzt - previous_executed_kzt', 'previous_executed_kzt') }}
        end as executed_change_percent,
        source_name,
        source_reference,
        source_batch_id,
        is_synthetic
    from with_previous

)

select * from final
