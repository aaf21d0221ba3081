with source as (

    {{ loaded_rows(source('kato', 'kato_rows')) }}

),

deduplicated as (

    select
        *,
        row_number() over (partition by classifier_date, kato_code order by _batch_id desc) as newest_first
    from source

),

final as (

    select
        kato_code,
        name_ru,
        parent_kato_code,
        {#- AB-CD-EF-HIJ: the last non-zero segment; twin of ingest.kato.code_level -#}
        case
            when substr(kato_code, 3) = '0000000' then 1
            when substr(kato_code, 5) = '00000' then 2
            when substr(kato_code, 7) = '000' then 3
            else 4
        end as level,
        left(kato_code, 2) || '0000000' as region_kato_code,
        classifier_date::date as classifier_date,
        src_id::int as src_id,
        nullif(src_parent_id, '0')::int as src_parent_id,
        file_layout,
        encoding,
        _batch_id as batch_id,
        _source_file as source_file
    from deduplicated
    where newest_first = 1

)

select * from final
