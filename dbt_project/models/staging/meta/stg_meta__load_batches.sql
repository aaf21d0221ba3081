with source as (

    select * from {{ source('meta', 'load_batches') }}

),

final as (

    select
        batch_id,
        source,
        source_file,
        file_sha256,
        publisher,
        is_synthetic,
        rows_loaded,
        rows_quarantined,
        finished_at as loaded_at
    from source
    where status = 'loaded'

)

select * from final
