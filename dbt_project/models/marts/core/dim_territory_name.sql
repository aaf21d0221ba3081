{#- Every name form a source uses for a territory → its KATO code, by language and validity. -#}
with territory_names as (

    select * from {{ ref('territory_names') }}

),

territories as (

    select * from {{ ref('int_territories_versioned') }}

),

code_reuse as (

    {#- a code that named different territories over time (191000000: Taldykorgan, then Konaev) -#}
    select
        kato_code,
        count(distinct name_ru) > 1 as is_reused,
        max(valid_from) as latest_valid_from
    from territories
    group by kato_code

),

from_name_list as (

    {#- seeds/territory_names.csv gives today's code: its names belong to every version of the code,
        or only to the latest one when the code was reused for another territory -#}
    select
        territory_names.language,
        territory_names.name,
        territories.territory_version_id,
        'territory_names' as name_source
    from territory_names
    inner join territories
        on territory_names.kato_code = territories.kato_code
    inner join code_reuse
        on territories.kato_code = code_reuse.kato_code
    where not code_reuse.is_reused or territories.valid_from = code_reuse.latest_valid_from

),

from_versions as (

    select
        names.language,
        names.name,
        territories.territory_version_id,
        'territories' as name_source
    from territories
    cross join
        lateral (
            values ('kk', territories.name_kk), ('ru', territories.name_ru), ('en', territories.name_en)
        ) as names (language, name)
    where names.name is not null

),

from_classifier as (

    select
        'ru' as language,
        territories.kato_name_ru as name,
        territories.territory_version_id,
        'kato_classifier' as name_source
    from territories
    where territories.kato_name_ru is not null

),

all_names as (

    select * from from_name_list
    union all
    select * from from_versions
    union all
    select * from from_classifier

),

grouped as (

    select
        all_names.language,
        {{ normalize_name('all_names.name') }} as normalized_name,
        all_names.territory_version_id,
        min(all_names.name) as name,
        string_agg(distinct all_names.name, ' | ') as spellings,
        string_agg(distinct all_names.name_source, ', ') as name_sources
    from all_names
    group by all_names.language, {{ normalize_name('all_names.name') }}, all_names.territory_version_id

),

final as (

    select
        grouped.language || ':' || grouped.normalized_name || ':' || grouped.territory_version_id as territory_name_id,
        grouped.language,
        grouped.name,
        grouped.normalized_name,
        grouped.spellings,
        territories.kato_code,
        territories.territory_version_id,
        territories.level,
        territories.parent_kato_code,
        territories.region_kato_code,
        territories.valid_from,
        territories.valid_to,
        territories.is_current,
        grouped.name_sources
    from grouped
    inner join territories
        on grouped.territory_version_id = territories.territory_version_id

)

select * from final
