{#- A table, not a view: the claims matching and seven tests read it, and each read of a view would
    compute every subject model again. -#}
{{ config(materialized='table') }}

{#- Official figures in long format, as published (the territory as it was then), one row per
    territory, indicator, period and source: the union of one model per subject
    (int_official_<subject>_values_unpivoted: school counts, free meals, capacity, transport, budget,
    the BNS bulletin, Comfortable School). Figures for a period carry `period` (`2023/24`, `2023`;
    an academic year also its linked calendar year, int_academic_years_linked); states on a day
    (Comfortable School projects under construction or finished) carry `as_of_date`. -#}
with school_count_values as (

    select * from {{ ref('int_official_school_count_values_unpivoted') }}

),

free_meals_values as (

    select * from {{ ref('int_official_free_meals_values_unpivoted') }}

),

capacity_values as (

    select * from {{ ref('int_official_capacity_values_unpivoted') }}

),

transport_values as (

    select * from {{ ref('int_official_transport_values_unpivoted') }}

),

budget_values as (

    select * from {{ ref('int_official_budget_values_unpivoted') }}

),

bns_values as (

    select * from {{ ref('int_official_bns_values_unpivoted') }}

),

comfortable_school_values as (

    select * from {{ ref('int_official_comfortable_school_values_unpivoted') }}

),

academic_years as (

    select * from {{ ref('int_academic_years_linked') }}

),

unioned as (

    select * from school_count_values
    union all
    select * from free_meals_values
    union all
    select * from capacity_values
    union all
    select * from transport_values
    union all
    select * from budget_values
    union all
    select * from bns_values
    union all
    select * from comfortable_school_values

),

linked as (

    {#- an academic year is linked to the calendar year it starts in (and must be a known one); any
        other period is a year -#}
    select
        unioned.kato_code,
        unioned.indicator_code,
        unioned.period,
        unioned.period_kind,
        case
            when unioned.period_kind = 'academic_year' then academic_years.calendar_year else unioned.period::int
        end as linked_calendar_year,
        unioned.as_of_date,
        unioned.value,
        unioned.source_name,
        unioned.source_reference,
        unioned.is_synthetic
    from unioned
    left join academic_years
        on
            unioned.period_kind = 'academic_year'
            and unioned.period = academic_years.academic_year
    where unioned.period_kind <> 'academic_year' or academic_years.academic_year is not null

),

final as (

    select
        kato_code || ':' || indicator_code || ':' || period || coalesce(':' || as_of_date::text, '') || ':'
        || source_name as official_value_id,
        kato_code,
        indicator_code,
        period,
        period_kind,
        linked_calendar_year,
        as_of_date,
        value,
        {{ provenance_name('source_name', 'is_synthetic') }} as source_name,
        source_reference,
        is_synthetic
    from linked
    where value is not null

)

select * from final
