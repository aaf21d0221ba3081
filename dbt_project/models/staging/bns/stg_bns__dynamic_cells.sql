with source as (

    {{ loaded_rows(source('bns', 'bns_dynamic_cells')) }}

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
        source.cell_ref,
        btrim(source.table_title) as table_title,
        source.unit_label,
        units.unit_code,
        units.multiplier as unit_multiplier,
        source.row_label,
        source.language,
        {{ bns_population_type('source.block_label') }} as population_type,
        btrim(source.period_label) as period_label,
        substring(btrim(source.period_label) from '^(\d{4})')::int as period_start_year,
        btrim(source.period_label) ~ '^\d{4}\s*[/\-–]' as is_academic_year,
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
            typed.language = territory_names.language
            and {{ normalize_name('typed.row_label') }} = {{ normalize_name('territory_names.name') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by table_title, population_type, kato_code, period_label
            order by batch_id desc
        ) as newest_first
    from resolved

),

final as (

    select
        batch_id,
        source_file,
        sheet_name,
        cell_ref,
        table_title,
        unit_label,
        unit_code,
        unit_multiplier,
        kato_code,
        row_label,
        language,
        population_type,
        period_label,
        period_start_year,
        case
            when is_academic_year
                then period_start_year::text || '/' || lpad(((period_start_year + 1) % 100)::text, 2, '0')
        end as academic_year,
        case when not is_academic_year then period_start_year end as calendar_year,
        cell_text,
        value_status,
        value
    from deduplicated
    where newest_first = 1

)

select * from final
