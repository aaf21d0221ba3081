with mapped as (

    select * from {{ ref('int_bns_cells_mapped') }}

),

final as (

    select
        indicator_code,
        kato_code,
        period_kind,
        period_start,
        period_end,
        period_label,
        block_path,
        column_label,
        value,
        unit_code,
        value_status,
        table_title,
        source_file,
        sheet_name,
        cell_ref,
        batch_id
    from mapped

)

select * from final
