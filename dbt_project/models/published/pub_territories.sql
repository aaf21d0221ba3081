{{ config(alias='territories') }}

with territories as (

    select * from {{ ref('dim_territory') }}

),

final as (

    select
        territory_version_id::text as territory_version_id,
        kato_code::text as kato_code,
        level::text as level,
        parent_kato_code::text as parent_kato_code,
        name_kk::text as name_kk,
        name_ru::text as name_ru,
        name_en::text as name_en,
        valid_from::date as valid_from,
        valid_to::date as valid_to,
        is_current::boolean as is_current,
        {#- added after the first release: kept last so that earlier column positions stay -#}
        region_kato_code::text as region_kato_code,
        is_valid_on_current_borders_date::boolean as is_valid_on_current_borders_date,
        formed_by::text as formed_by,
        ended_by::text as ended_by
    from territories

)

select * from final
