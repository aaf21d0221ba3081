{#- Each territory version → the territory valid on var('current_borders_date') it became.
    Whole-unit changes are followed (a version that ended the day before a `recode` or `move` of
    its code took effect continues as the new code's version), up to four in a row; a version whose
    code lives on with other borders (a `split` took land away) maps to the same code, not exactly. -#}
with territories as (

    select * from {{ ref('int_territories_versioned') }}

),

changes as (

    select * from {{ ref('territory_changes') }}

),

steps as (

    {#- one whole-unit change out of a version: the version the territory continued as -#}
    select distinct on (territories.territory_version_id)
        territories.territory_version_id,
        successors.territory_version_id as next_version_id,
        changes.change_type || ' ' || territories.kato_code || ' → ' || changes.new_kato_code
        || ' (' || changes.effective_date::text || ')' as step
    from territories
    inner join changes
        on
            territories.kato_code = changes.old_kato_code
            and territories.valid_to + 1 = changes.effective_date
            and changes.change_type in ('recode', 'move')
    inner join territories as successors
        on
            changes.new_kato_code = successors.kato_code
            and changes.effective_date between successors.valid_from and coalesce(successors.valid_to, 'infinity'::date)
    order by territories.territory_version_id, changes.new_kato_code

),

chains as (

    select
        territories.territory_version_id,
        coalesce(
            step_4.next_version_id, step_3.next_version_id, step_2.next_version_id, step_1.next_version_id,
            territories.territory_version_id
        ) as last_version_id,
        concat_ws(', ', step_1.step, step_2.step, step_3.step, step_4.step) as path,
        step_1.next_version_id is not null as has_changed
    from territories
    left join steps as step_1
        on territories.territory_version_id = step_1.territory_version_id
    left join steps as step_2
        on step_1.next_version_id = step_2.territory_version_id
    left join steps as step_3
        on step_2.next_version_id = step_3.territory_version_id
    left join steps as step_4
        on step_3.next_version_id = step_4.territory_version_id

),

current_versions as (

    select * from territories
    where is_valid_on_current_borders_date

),

final as (

    select
        territories.territory_version_id,
        territories.kato_code,
        territories.level,
        territories.region_kato_code,
        territories.valid_from,
        territories.valid_to,
        coalesce(reached.kato_code, same_code.kato_code) as current_kato_code,
        coalesce(reached.territory_version_id, same_code.territory_version_id) as current_territory_version_id,
        coalesce(reached.region_kato_code, same_code.region_kato_code) as current_region_kato_code,
        case
            when reached.kato_code is not null and not chains.has_changed then 'unchanged'
            when reached.kato_code is not null then 'code_mapping'
            when same_code.kato_code is not null then 'borders_changed'
            else 'no_successor'
        end as rebase_method,
        nullif(chains.path, '') as rebase_path,
        reached.kato_code is not null as is_exact
    from territories
    inner join chains
        on territories.territory_version_id = chains.territory_version_id
    left join current_versions as reached
        on chains.last_version_id = reached.territory_version_id
    left join current_versions as same_code
        on
            territories.kato_code = same_code.kato_code
            and reached.kato_code is null

)

select * from final
