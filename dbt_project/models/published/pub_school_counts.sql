{{ config(alias='school_counts') }}

with school_counts as (

    select * from {{ ref('fct_school_counts') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        school_counts.kato_code::text as kato_code,
        territory.name_kk::text as territory_name_kk,
        territory.name_ru::text as territory_name_ru,
        territory.name_en::text as territory_name_en,
        school_counts.academic_year::text as academic_year,
        school_counts.population_type::text as population_type,
        school_counts.territory_basis::text as territory_basis,
        school_counts.schools_count::integer as schools_count,
        school_counts.value_status::text as value_status,
        {{ provenance_name("school_counts.source_name", "school_counts.is_synthetic") }}::text as source_name,
        school_counts.source_reference::text as source_reference,
        school_counts.is_synthetic::boolean as is_synthetic,
        {#- added after the first release: kept last so that earlier column positions stay -#}
        school_counts.rebase_method::text as rebase_method,
        school_counts.rebase_description::text as rebase_description
    from school_counts
    {{ territory_version_join(
        'territories', 'school_counts.kato_code',
        basis_date('school_counts.territory_basis', 'make_date(school_counts.academic_year_start, 9, 1)')
    ) }}

)

select * from final
