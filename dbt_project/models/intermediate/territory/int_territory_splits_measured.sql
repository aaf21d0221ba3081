{#- Splits of a region (a `split` in territory_changes whose old code lives on with other borders)
    and the share of each successor, measured in the first academic year in which BNS published
    school counts for every successor (Almaty oblast 2022: 2022/23, 464 and Zhetysu 349 schools →
    0.571 and 0.429). Region-level figures of the years before the split are apportioned to the
    current regions with these shares. One share per population block (total, urban, rural). -#}
with changes as (

    select * from {{ ref('territory_changes') }}

),

territories as (

    select * from {{ ref('int_territories_versioned') }}

),

school_counts as (

    select * from {{ ref('int_school_counts_extracted') }}

),

splits as (

    {#- the old code continues (its next version starts on the effective date) -#}
    select distinct
        changes.old_kato_code as predecessor_kato_code,
        changes.effective_date
    from changes
    inner join territories as continued
        on
            changes.old_kato_code = continued.kato_code
            and changes.effective_date = continued.valid_from
    where changes.change_type = 'split'

),

successors as (

    select
        splits.predecessor_kato_code,
        splits.effective_date,
        splits.predecessor_kato_code as successor_kato_code
    from splits
    union
    select
        splits.predecessor_kato_code,
        splits.effective_date,
        changes.new_kato_code as successor_kato_code
    from splits
    inner join changes
        on
            splits.predecessor_kato_code = changes.old_kato_code
            and splits.effective_date = changes.effective_date
            and changes.change_type = 'split'

),

successor_counts as (

    select
        successors.predecessor_kato_code,
        successors.effective_date,
        successors.successor_kato_code,
        school_counts.population_type,
        school_counts.academic_year,
        school_counts.schools_count,
        school_counts.source_reference,
        count(*) over (
            partition by
                successors.predecessor_kato_code, successors.effective_date, school_counts.population_type,
                school_counts.academic_year
        ) as successors_published
    from successors
    inner join school_counts
        on
            successors.successor_kato_code = school_counts.kato_code
            and successors.effective_date <= school_counts.reference_date
            and school_counts.schools_count is not null

),

successors_expected as (

    select
        predecessor_kato_code,
        effective_date,
        count(*) as successors_count
    from successors
    group by predecessor_kato_code, effective_date

),

first_complete_years as (

    select
        successor_counts.predecessor_kato_code,
        successor_counts.effective_date,
        successor_counts.population_type,
        min(successor_counts.academic_year) as measured_in_academic_year
    from successor_counts
    inner join successors_expected
        on
            successor_counts.predecessor_kato_code = successors_expected.predecessor_kato_code
            and successor_counts.effective_date = successors_expected.effective_date
    where successor_counts.successors_published = successors_expected.successors_count
    group by successor_counts.predecessor_kato_code, successor_counts.effective_date, successor_counts.population_type

),

final as (

    select
        successor_counts.predecessor_kato_code,
        successor_counts.effective_date,
        successor_counts.successor_kato_code,
        successor_counts.population_type,
        first_complete_years.measured_in_academic_year,
        successor_counts.schools_count as successor_schools_count,
        sum(successor_counts.schools_count) over (
            partition by
                successor_counts.predecessor_kato_code, successor_counts.effective_date,
                successor_counts.population_type
        ) as successors_schools_count,
        round(successor_counts.schools_count::numeric / sum(successor_counts.schools_count) over (
            partition by
                successor_counts.predecessor_kato_code, successor_counts.effective_date,
                successor_counts.population_type
        ), 6) as share,
        successor_counts.source_reference
    from successor_counts
    inner join first_complete_years
        on
            successor_counts.predecessor_kato_code = first_complete_years.predecessor_kato_code
            and successor_counts.effective_date = first_complete_years.effective_date
            and successor_counts.population_type = first_complete_years.population_type
            and successor_counts.academic_year = first_complete_years.measured_in_academic_year

)

select * from final
