{#- A name, read in its language and with its region, names one territory on any day: two
    territory versions sharing a normalized name, language and region must not overlap in time
    (district names repeat across regions, and a code can be reused: 191000000). -#}
with names as (

    select * from {{ ref('dim_territory_name') }}

),

final as (

    select
        first_name.language,
        first_name.normalized_name,
        first_name.region_kato_code,
        first_name.territory_version_id as first_version_id,
        second_name.territory_version_id as second_version_id
    from names as first_name
    inner join names as second_name
        on
            first_name.language = second_name.language
            and first_name.normalized_name = second_name.normalized_name
            and first_name.region_kato_code = second_name.region_kato_code
            and first_name.kato_code < second_name.kato_code
            and first_name.valid_from <= coalesce(second_name.valid_to, 'infinity'::date)
            and second_name.valid_from <= coalesce(first_name.valid_to, 'infinity'::date)

)

select * from final
