{#- School places against pupils by territory and academic year (NEDB), as published and in current
    borders. Place deficit = Σ over schools of max(pupils − design capacity, 0) (macro place_shortage):
    the pupils above the design capacity of their own school; spare places of one school do not
    cover another's. -#}
with aggregated as (

    select * from {{ ref('int_school_years_aggregated') }}

),

final as (

    select
        kato_code,
        academic_year,
        calendar_year,
        territory_basis,
        rebase_method,
        aggregation_level,
        region_kato_code,
        schools_count,
        pupils_total,
        design_capacity,
        place_deficit,
        overloaded_schools,
        three_shift_schools,
        two_shift_schools,
        pupils_in_three_shift_schools,
        shifts_max,
        {{ percent_of('pupils_total', 'design_capacity', 1) }} as utilisation_percent,
        teachers,
        'NEDB school extract' as source_name,
        source_files as source_reference,
        source_batch_id,
        is_synthetic
    from aggregated

)

select * from final
