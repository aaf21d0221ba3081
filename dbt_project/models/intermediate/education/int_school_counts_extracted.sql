{#- The BNS table "number of general-education schools" as published: one value per territory,
    academic year and population block, with where it sits in the delivered file. -#}
with cells as (

    select * from {{ ref('stg_bns__dynamic_cells') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

final as (

    select
        cells.kato_code,
        cells.academic_year,
        cells.period_start_year as academic_year_start,
        make_date(cells.period_start_year, 9, 1) as reference_date,
        cells.population_type,
        cells.value::int as schools_count,
        cells.value_status,
        'BNS dynamic table' as source_name,
        cells.source_file || ' [' || cells.sheet_name || '!' || cells.cell_ref || ']' as source_reference,
        cells.batch_id as source_batch_id,
        batches.is_synthetic
    from cells
    inner join batches
        on cells.batch_id = batches.batch_id
    where
        {{ normalize_name('cells.table_title') }} like 'число общеобразовательных школ%'
        and cells.academic_year is not null

)

select * from final
