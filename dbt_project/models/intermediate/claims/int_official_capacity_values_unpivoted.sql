{#- Official school capacity figures (NEDB: pupils, place deficit, overloaded and three-shift
    schools, largest number of shifts) by territory and academic year, as published, in the long
    format of int_official_values_unioned. -#}
with aggregated as (

    select * from {{ ref('int_school_years_aggregated') }}
    where territory_basis = 'as_published'

),

final as (

    select
        aggregated.kato_code,
        measures.indicator_code,
        aggregated.academic_year as period,
        'academic_year' as period_kind,
        null::date as as_of_date,
        measures.value,
        'NEDB school extract' as source_name,
        aggregated.source_files as source_reference,
        aggregated.is_synthetic
    from aggregated
    cross join
        lateral (
            values
            ('pupils_count', aggregated.pupils_total::numeric),
            ('school_place_deficit', aggregated.place_deficit::numeric),
            ('overloaded_schools', aggregated.overloaded_schools::numeric),
            ('three_shift_schools', aggregated.three_shift_schools::numeric),
            ('school_shifts_max', aggregated.shifts_max::numeric)
        ) as measures (indicator_code, value)

)

select * from final
