{#- Ministry of Finance figures that a later delivery revised: every delivery of a month whose
    figure differs from the delivery before it (deliveries in order of their edition, then batch),
    with both figures and the difference. A repeated, unchanged figure is not a revision. -#}
with delivered as (

    select * from {{ ref('stg_minfin__delivered_figures') }}

),

ordered as (

    select
        delivered.*,
        lag(delivered.cumulative_executed_kzt) over deliveries as previous_cumulative_executed_kzt,
        lag(delivered.batch_id) over deliveries as previous_batch_id,
        lag(delivered.source_file) over deliveries as previous_source_file
    from delivered
    window deliveries as (
        partition by delivered.region_code, delivered.item_code, delivered.edition_month
        order by delivered.delivery_edition, delivered.batch_id
    )

),

final as (

    select
        ordered.region_code,
        ordered.kato_code,
        ordered.borders,
        ordered.item_code,
        ordered.edition_month,
        ordered.batch_id as revising_batch_id,
        ordered.source_file as revising_source_file,
        ordered.delivery_edition as revising_delivery_edition,
        ordered.previous_batch_id,
        ordered.previous_source_file,
        ordered.previous_cumulative_executed_kzt,
        ordered.cumulative_executed_kzt as revised_cumulative_executed_kzt,
        ordered.cumulative_executed_kzt - ordered.previous_cumulative_executed_kzt as revision_kzt
    from ordered
    where
        ordered.previous_batch_id is not null
        and ordered.cumulative_executed_kzt <> ordered.previous_cumulative_executed_kzt

)

select * from final
