{#- Number of general-education schools by territory, academic year and population block (BNS), as
    published and re-based to the territories of var('current_borders_date'). -#}
with school_counts as (

    select * from {{ ref('int_school_counts_extracted') }}

),

shares as (

    select * from {{ ref('int_territory_rebasing_shares') }}

),

as_published as (

    select
        school_counts.kato_code,
        school_counts.academic_year,
        school_counts.academic_year_start,
        school_counts.population_type,
        'as_published' as territory_basis,
        'none' as rebase_method,
        'as published: the territory as it was at the start of the academic year' as rebase_description,
        school_counts.schools_count::numeric as schools_count_exact,
        school_counts.value_status,
        school_counts.source_name,
        school_counts.source_reference,
        school_counts.source_batch_id,
        school_counts.is_synthetic
    from school_counts

),

parts as (

    select
        shares.current_kato_code as kato_code,
        school_counts.academic_year,
        school_counts.academic_year_start,
        school_counts.population_type,
        shares.rebase_method,
        shares.rebase_description,
        school_counts.schools_count * shares.share as schools_count_part,
        school_counts.value_status,
        school_counts.source_reference,
        school_counts.source_batch_id,
        school_counts.is_synthetic
    from school_counts
    inner join shares
        on
            school_counts.kato_code = shares.kato_code
            and school_counts.reference_date between shares.valid_from and coalesce(shares.valid_to, 'infinity'::date)
            and school_counts.population_type = shares.population_type

),

current_borders as (

    select
        parts.kato_code,
        parts.academic_year,
        min(parts.academic_year_start) as academic_year_start,
        parts.population_type,
        'current_borders' as territory_basis,
        string_agg(distinct parts.rebase_method, ', ') as rebase_method,
        string_agg(distinct parts.rebase_description, '; ') as rebase_description,
        case when count(parts.schools_count_part) = count(*) then sum(parts.schools_count_part) end
            as schools_count_exact,
        case
            when count(parts.schools_count_part) = count(*) then 'reported'
            when count(parts.schools_count_part) = 0 then min(parts.value_status)
            else 'incomplete'
        end as value_status,
        'BNS dynamic table' as source_name,
        string_agg(parts.source_reference, '; ' order by parts.source_reference) as source_reference,
        max(parts.source_batch_id) as source_batch_id,
        bool_or(parts.is_synthetic) as is_synthetic
    from parts
    group by parts.kato_code, parts.academic_year, parts.population_type

),

unioned as (

    select * from as_published
    union all
    select * from current_borders

),

final as (

    select
        unioned.kato_code,
        unioned.academic_year,
        unioned.academic_year_start,
        unioned.population_type,
        unioned.territory_basis,
        unioned.rebase_method,
        unioned.rebase_description,
        round(unioned.schools_count_exact)::int as schools_count,
        unioned.schools_count_exact,
        unioned.value_status,
        unioned.source_name,
        unioned.source_reference,
        unioned.source_batch_id,
        unioned.is_synthetic
    from unioned

)

select * from final
