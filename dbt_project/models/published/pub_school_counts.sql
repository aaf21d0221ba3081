{{ config(alias='school_counts') }}

with school_counts as (

    select * from {{ ref('fct_school_counts') }}

),

territories as (

    select * from {{ ref('dim_territory') }}
    where is_current

),

final as (

    select
        school_counts.kato_code::text as kato_code,
        territories.name_kk::text as territory_name_kk,
        territories.name_ru::text as territory_name_ru,
        territories.name_en::text as territory_name_en,
        school_counts.academic_year::text as academic_year,
        school_counts.population_type::text as population_type,
        school_counts.territory_basis::text as territory_basis,
        school_counts.schools_count::integer as schools_count,
        school_counts.value_status::text as value_status,
        school_counts.source_name::text as source_name,
        school_counts.source_reference::text as source_reference,
        school_counts.is_synthetic::boolean as is_synthetic
    from school_counts
    left join territories
        on school_counts.kato_code = territories.kato_code

)

select * from final
