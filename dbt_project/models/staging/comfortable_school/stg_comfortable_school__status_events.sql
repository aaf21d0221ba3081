with source as (

    {{ loaded_rows(source('comfortable_school', 'comfortable_school_reports')) }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

typed as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source._sheet as sheet_name,
        source._row_number as row_number,
        btrim(source.project_id) as project_id,
        btrim(source.name_kk) as name_kk,
        btrim(source.name_ru) as name_ru,
        btrim(source.kato_code) as kato_code,
        left(btrim(source.kato_code), 2) || '0000000' as region_kato_code,
        regexp_replace(source.places, '[\s\u00a0]', '', 'g')::int as places,
        {{ comfortable_school_code('source.funding_source', 'funding') }} as funding_source,
        nullif(btrim(source.target_year), '')::int as target_year,
        {{ comfortable_school_code('source.status', 'status') }} as status,
        btrim(source.status) as status_label,
        {{ comfortable_school_date('source.status_date') }} as status_date,
        {{ comfortable_school_date('source.report_date') }} as report_date,
        btrim(source.report_source) as report_source,
        btrim(source.note) as note
    from source

),

ranked as (

    select
        typed.*,
        row_number() over (
            partition by typed.project_id, typed.status_date
            order by typed.report_date desc, typed.batch_id desc, typed.row_number asc
        ) as newest_first,
        min(typed.report_date) over (partition by typed.project_id, typed.status_date) as first_reported_date,
        count(*) over (partition by typed.project_id, typed.status_date) as times_reported
    from typed

),

final as (

    select
        ranked.project_id,
        ranked.status_date,
        ranked.status,
        ranked.status_label,
        ranked.kato_code,
        ranked.region_kato_code,
        ranked.name_kk,
        ranked.name_ru,
        ranked.places,
        ranked.funding_source,
        ranked.target_year,
        ranked.note,
        ranked.report_date,
        ranked.report_source,
        ranked.first_reported_date,
        ranked.times_reported,
        ranked.batch_id,
        ranked.source_file,
        ranked.sheet_name,
        ranked.row_number,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from ranked
    left join batches
        on ranked.batch_id = batches.batch_id
    where ranked.newest_first = 1

)

select * from final
