{#- Number of general-education schools by territory and academic year, from BNS dynamic tables. -#}
with cells as (

    select * from {{ ref('stg_bns__dynamic_cells') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

schools as (

    select
        cells.kato_code,
        cells.academic_year,
        cells.period_start_year as academic_year_start,
        cells.population_type,
        cells.value::int as schools_count,
        cells.value_status,
        cells.batch_id,
        cells.source_file,
        cells.sheet_name,
        cells.cell_ref,
        batches.is_synthetic
    from cells
    inner join batches
        on cells.batch_id = batches.batch_id
    where
        {{ normalize_name('cells.table_title') }} like 'число общеобразовательных школ%'
        and cells.academic_year is not null

),

final as (

    select
        kato_code,
        academic_year,
        academic_year_start,
        population_type,
        'as_published' as territory_basis,
        schools_count,
        value_status,
        'BNS dynamic table' as source_name,
        source_file || ' [' || sheet_name || '!' || cell_ref || ']' as source_reference,
        batch_id as source_batch_id,
        is_synthetic
    from schools

)

select * from final
