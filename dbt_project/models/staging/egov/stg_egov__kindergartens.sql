with source as (

    {{ loaded_rows(source('egov', 'egov_records')) }}

),

territory_names as (

    select * from {{ ref('territory_names') }}
    where language = 'ru'

),

kindergartens as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source.dataset as source_dataset,
        source.dataset_version,
        source.record_id,
        btrim(source.record ->> 'name_ru') as name_ru,
        btrim(source.record ->> 'name_kz') as name_kk,
        btrim(source.record ->> 'region_nam') as region_name,
        btrim(source.record ->> 'district_n') as district_name,
        source.record ->> 'places_cou' as places_text,
        source.record ->> 'children_c' as children_count_text,
        source.record ->> 'establish_' as established_year_text,
        source.record ->> 'lat' as latitude_text,
        source.record ->> 'long' as longitude_text,
        source.modified::timestamp as modified_at
    from source
    where source.dataset = 'state_kindergartens'

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by record_id
            order by modified_at desc, batch_id desc
        ) as newest_first
    from kindergartens

),

final as (

    select
        deduplicated.record_id,
        'state' as ownership,
        deduplicated.name_ru,
        deduplicated.name_kk,
        deduplicated.region_name,
        deduplicated.district_name,
        regions.kato_code as region_kato_code,
        districts.kato_code,
        {{ whole_number('deduplicated.places_text') }}::int as places,
        {{ whole_number('deduplicated.children_count_text') }}::int
            as children_count,
        case when btrim(deduplicated.established_year_text) ~ '^\d{4}$' then btrim(deduplicated.established_year_text)::int end
            as established_year,
        case when btrim(deduplicated.latitude_text) ~ '^-?\d+(\.\d+)?$' then btrim(deduplicated.latitude_text)::numeric end
            as latitude,
        case when btrim(deduplicated.longitude_text) ~ '^-?\d+(\.\d+)?$' then btrim(deduplicated.longitude_text)::numeric end
            as longitude,
        deduplicated.modified_at,
        deduplicated.dataset_version,
        deduplicated.batch_id,
        deduplicated.source_file
    from deduplicated
    left join territory_names as regions
        on {{ normalize_name('deduplicated.region_name') }} = {{ normalize_name('regions.name') }}
    left join territory_names as districts
        on {{ normalize_name('deduplicated.district_name') }} = {{ normalize_name('districts.name') }}
    where deduplicated.newest_first = 1

)

select * from final
