{#- Official pupil transport figures, as published, in the long format of int_official_values_unioned:
    pupils transported and buses by academic year (NEDB) and the cost and cost per pupil by calendar
    year (open budgets; only once the year is complete). -#}
with transport as (

    select * from {{ ref('int_pupil_transport_years_joined') }}
    where territory_basis = 'as_published'

),

academic_values as (

    select
        transport.kato_code,
        measures.indicator_code,
        transport.academic_year as period,
        'academic_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        'NEDB school extract' as source_name,
        transport.source_reference,
        transport.is_synthetic
    from transport
    cross join
        lateral (
            values
            ('pupils_transported', transport.pupils_transported::numeric),
            ('buses_in_service', transport.buses_in_service::numeric),
            ('buses_leased', transport.buses_leased::numeric)
        ) as measures (indicator_code, value)
    where transport.academic_year is not null

),

cost_values as (

    select
        transport.kato_code,
        measures.indicator_code,
        transport.year::text as period,
        'calendar_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        'Open budgets execution report' as source_name,
        transport.source_reference,
        transport.is_synthetic
    from transport
    cross join
        lateral (
            values
            ('pupil_transport_cost_kzt', case when transport.is_budget_year_complete then transport.transport_cost_kzt end),
            (
                'pupil_transport_cost_per_pupil_kzt',
                case when transport.is_budget_year_complete then transport.cost_per_pupil_kzt end
            )
        ) as measures (indicator_code, value)
    where transport.transport_cost_kzt is not null

),

final as (

    select * from academic_values
    union all
    select * from cost_values

)

select * from final
