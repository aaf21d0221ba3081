{#- Official school counts (BNS dynamic table, total population block), as published, in the long
    format of int_official_values_unioned. -#}
with school_counts as (

    select * from {{ ref('int_school_counts_extracted') }}
    where population_type = 'total' and schools_count is not null

),

final as (

    select
        school_counts.kato_code,
        'schools_count' as indicator_code,
        school_counts.academic_year as period,
        'academic_year' as period_kind,
        null::date as as_of_date,
        school_counts.schools_count::numeric as value,
        school_counts.source_name,
        school_counts.source_reference,
        school_counts.is_synthetic
    from school_counts

)

select * from final
