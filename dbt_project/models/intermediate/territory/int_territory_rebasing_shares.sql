{#- How a figure published for a territory version is carried to the territories valid on
    var('current_borders_date'): all of it to the territory the version became (whole-unit changes,
    exact), or, for a region that later lost land in a split, apportioned to the successors by the
    shares measured in int_territory_splits_measured (approximate). One row per version, population
    block and current territory. -#}
with versions as (

    select * from {{ ref('int_territory_versions_rebased') }}

),

splits as (

    select * from {{ ref('int_territory_splits_measured') }}

),

population_types as (

    select population_type
    from (values ('total'), ('urban'), ('rural')) as blocks (population_type)

),

whole as (

    select
        versions.territory_version_id,
        versions.kato_code,
        versions.valid_from,
        versions.valid_to,
        population_types.population_type,
        versions.current_kato_code,
        1::numeric as share,
        versions.rebase_method,
        case
            when versions.rebase_method = 'unchanged' then 'unchanged: the territory is the same'
            else 'exact: the whole territory became ' || versions.current_kato_code || ' (' || versions.rebase_path || ')'
        end as rebase_description,
        true as is_exact
    from versions
    cross join population_types
    where versions.is_exact

),

apportioned as (

    select
        versions.territory_version_id,
        versions.kato_code,
        versions.valid_from,
        versions.valid_to,
        splits.population_type,
        splits.successor_kato_code as current_kato_code,
        splits.share,
        'split_ratio' as rebase_method,
        'split ratio: ' || round(splits.share, 4)::text || ' of the figure of ' || versions.kato_code
        || ' before the split of ' || splits.effective_date::text || ' goes to ' || splits.successor_kato_code
        || ' (its share of the schools of the successors in ' || splits.measured_in_academic_year
        || ', BNS: ' || splits.successor_schools_count || ' of ' || splits.successors_schools_count || ')'
            as rebase_description,
        false as is_exact
    from versions
    inner join splits
        on
            versions.kato_code = splits.predecessor_kato_code
            and versions.valid_to + 1 = splits.effective_date
    where versions.rebase_method = 'borders_changed'

),

not_measured as (

    select
        versions.territory_version_id,
        versions.kato_code,
        versions.valid_from,
        versions.valid_to,
        population_types.population_type,
        versions.current_kato_code,
        1::numeric as share,
        'not_rebased' as rebase_method,
        'not re-based: the borders of ' || versions.kato_code || ' changed and no split ratio is measured'
            as rebase_description,
        false as is_exact
    from versions
    cross join population_types
    where
        versions.rebase_method = 'borders_changed'
        and not exists (
            select 1 from apportioned
            where
                apportioned.territory_version_id = versions.territory_version_id
                and apportioned.population_type = population_types.population_type
        )

),

final as (

    select * from whole
    union all
    select * from apportioned
    union all
    select * from not_measured

)

select * from final
