with territories as (

    select * from {{ ref('territories') }}

),

final as (

    select
        kato_code || ':' || valid_from::text as territory_version_id,
        kato_code,
        level,
        parent_kato_code,
        name_kk,
        name_ru,
        name_en,
        valid_from,
        valid_to,
        valid_to is null as is_current,
        note
    from territories

)

select * from final
