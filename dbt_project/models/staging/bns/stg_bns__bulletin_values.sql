with source as (

    {{ loaded_rows(source('bns_bulletin', 'bns_bulletin_cells')) }}

),

territory_names as (

    select * from {{ ref('territory_names') }}

),

units as (

    select * from {{ ref('units') }}

),

typed as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source._sheet as sheet_name,
        source._row_number as row_number,
        source.cell_ref,
        source.bulletin_title,
        source.report_year::int as report_year,
        source.release_date::date as release_date,
        source.table_code,
        source.table_title,
        source.table_subtitle,
        source.table_kind,
        source.unit_label,
        units.unit_code,
        units.multiplier as unit_multiplier,
        units.dimension as unit_dimension,
        btrim(source.row_label) as row_label,
        source.column_label,
        source.language,
        source.cell_text,
        {{ bns_value_status('source.cell_text') }} as value_status,
        {{ bns_value('source.cell_text') }} as value
    from source
    left join units
        on {{ normalize_name('source.unit_label') }} = {{ normalize_name('units.label') }}

),

resolved as (

    select
        typed.*,
        territory_names.kato_code
    from typed
    left join territory_names
        on
            typed.table_kind = 'region'
            and typed.language = territory_names.language
            and {{ normalize_name('typed.row_label') }} = {{ normalize_name('territory_names.name') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by report_year, language, table_code, {{ normalize_name('row_label') }}, column_label
            order by batch_id desc
        ) as newest_first
    from resolved

),

final as (

    select
        batch_id,
        source_file,
        sheet_name,
        row_number,
        cell_ref,
        bulletin_title,
        report_year,
        release_date,
        table_code,
        table_title,
        table_subtitle,
        table_kind,
        unit_label,
        unit_code,
        unit_multiplier,
        row_label,
        column_label,
        language,
        kato_code,
        cell_text,
        value_status,
        value,
        value * unit_multiplier as value_base,
        case when unit_dimension = 'money' then value * unit_multiplier end as value_kzt
    from deduplicated
    where newest_first = 1

)

select * from final
