with cells as (

    select * from {{ ref('stg_bns__cells') }}

),

indicators as (

    select * from {{ ref('bns_indicators') }}

),

mapped as (

    select
        indicators.indicator_code,
        cells.kato_code,
        cells.period_kind,
        cells.period_start,
        cells.period_end,
        cells.period_label,
        coalesce(cells.block_path, '') as block_path,
        coalesce(cells.column_label, '') as column_label,
        cells.value * coalesce(cells.unit_multiplier, 1) as value,
        cells.unit_code,
        cells.value_status,
        cells.table_title,
        cells.source_file,
        cells.sheet_name,
        cells.cell_ref,
        cells.batch_id
    from cells
    inner join indicators
        on
            lower(cells.table_title) like indicators.title_pattern
            and coalesce(cells.unit_code, '') = coalesce(indicators.unit_code, '')
            and lower(coalesce(cells.block_path, '')) like coalesce(indicators.block_pattern, '%')
            and lower(coalesce(cells.column_label, '')) like coalesce(indicators.column_pattern, '%')
    where cells.kato_code is not null

),

final as (

    select
        *,
        row_number() over (
            partition by indicator_code, kato_code, period_kind, period_start, period_end, block_path, column_label
            order by batch_id desc, sheet_name asc, cell_ref asc
        ) as newest_first
    from mapped

)

select * from final
where newest_first = 1
