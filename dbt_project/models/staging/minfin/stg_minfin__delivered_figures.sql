{#- Every figure of every loaded Ministry of Finance delivery, typed: million tenge cumulative from
    January become tenge; each row gets the borders its region is on in that edition
    (seeds/minfin_regions.csv) and the delivery's own edition (its newest month), which decides
    which delivery wins a month that several deliveries give. -#}
with source as (

    {{ loaded_rows(source('minfin', 'minfin_budget_execution_rows')) }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

regions as (

    select * from {{ ref('minfin_regions') }}

),

typed as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source._row_number as row_number,
        source.date::date as edition_month,
        btrim(source.region) as region_code,
        btrim(source.item_code) as item_code,
        btrim(source.item_name) as item_name,
        source.value::numeric * 1000000 as cumulative_executed_kzt
    from source

),

deliveries as (

    select
        typed.batch_id,
        max(typed.edition_month) as delivery_edition
    from typed
    group by typed.batch_id

),

final as (

    select
        typed.batch_id,
        typed.source_file,
        typed.row_number,
        deliveries.delivery_edition,
        typed.edition_month,
        extract(year from typed.edition_month)::int as year,
        extract(month from typed.edition_month)::int as month,
        typed.region_code,
        regions.kato_code,
        regions.borders,
        regions.borders_note,
        typed.item_code,
        typed.item_name,
        typed.cumulative_executed_kzt,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from typed
    inner join deliveries
        on typed.batch_id = deliveries.batch_id
    left join regions
        on
            typed.region_code = regions.region_code
            and typed.edition_month between regions.first_edition and coalesce(regions.last_edition, 'infinity'::date)
    left join batches
        on typed.batch_id = batches.batch_id

)

select * from final
