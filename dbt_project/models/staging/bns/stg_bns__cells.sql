with source as (

    {{ loaded_rows(source('bns', 'bns_cells')) }}

),

typed as (

    select
        _batch_id as batch_id,
        _source_file as source_file,
        _sheet as sheet_name,
        _row_number as source_row_number,
        cell_ref,
        btrim(table_title) as table_title,
        block_path,
        btrim(row_label) as row_label,
        column_label,
        btrim(territory_label) as territory_label,
        kato_code,
        kato_code is not null as is_territory_resolved,
        btrim(period_label) as period_label,
        period_kind,
        period_start::date as period_start,
        period_end::date as period_end,
        unit_label,
        unit_code,
        unit_multiplier::numeric as unit_multiplier,
        cell_text,
        value::numeric as value,
        coalesce(marker, 'reported') as value_status,
        footnote,
        language
    from source

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by sheet_name, table_title, block_path, row_label, column_label, period_label
            order by batch_id desc
        ) as newest_first
    from typed

),

final as (

    select
        batch_id,
        source_file,
        sheet_name,
        source_row_number,
        cell_ref,
        table_title,
        block_path,
        row_label,
        column_label,
        territory_label,
        kato_code,
        is_territory_resolved,
        period_label,
        period_kind,
        period_start,
        period_end,
        unit_label,
        unit_code,
        unit_multiplier,
        cell_text,
        value,
        value_status,
        footnote,
        language
    from deduplicated
    where newest_first = 1

)

select * from final
