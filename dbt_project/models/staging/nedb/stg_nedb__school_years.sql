with source as (

    {{ loaded_rows(source('nedb', 'nedb_school_years')) }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

units as (

    select * from {{ ref('units') }}

),

typed as (

    select
        source._batch_id as batch_id,
        source._source_file as source_file,
        source._row_number as row_number,
        btrim(source.bin) as bin,
        btrim(source.academic_year) as academic_year,
        left(btrim(source.academic_year), 4)::int as academic_year_start,
        btrim(source.kato_code) as kato_code,
        left(btrim(source.kato_code), 2) || '0000000' as region_kato_code,
        btrim(source.name_kk) as name_kk,
        btrim(source.name_ru) as name_ru,
        case lower(btrim(source.ownership))
            when 'государственная' then 'state'
            when 'частная' then 'private'
        end as ownership,
        case lower(btrim(source.language))
            when 'казахский' then 'kk'
            when 'русский' then 'ru'
            when 'казахский, русский' then 'kk_ru'
            when 'смешанный' then 'kk_ru'
        end as language_of_instruction,
        source.design_capacity::int as design_capacity,
        source.pupils_grades_1_4::int as pupils_grades_1_4,
        source.pupils_grades_5_9::int as pupils_grades_5_9,
        source.pupils_grades_10_11::int as pupils_grades_10_11,
        source.shifts::int as shifts,
        source.teachers::int as teachers,
        source.pupils_free_meals::int as pupils_free_meals,
        source.meal_cost::numeric * units.multiplier as meal_cost_kzt,
        source.meal_cost_unit,
        source.pupils_transported::int as pupils_transported,
        source.buses_in_service::int as buses_in_service,
        source.buses_leased::int as buses_leased
    from source
    left join units
        on {{ normalize_name('source.meal_cost_unit') }} = {{ normalize_name('units.label') }}

),

deduplicated as (

    select
        typed.*,
        row_number() over (
            partition by typed.bin, typed.academic_year
            order by typed.batch_id desc, typed.row_number asc
        ) as newest_first
    from typed

),

final as (

    select
        deduplicated.bin,
        deduplicated.academic_year,
        deduplicated.academic_year_start,
        deduplicated.kato_code,
        deduplicated.region_kato_code,
        deduplicated.name_kk,
        deduplicated.name_ru,
        deduplicated.ownership,
        deduplicated.language_of_instruction,
        deduplicated.design_capacity,
        deduplicated.pupils_grades_1_4,
        deduplicated.pupils_grades_5_9,
        deduplicated.pupils_grades_10_11,
        deduplicated.pupils_grades_1_4 + deduplicated.pupils_grades_5_9 + deduplicated.pupils_grades_10_11
            as pupils_total,
        deduplicated.shifts,
        deduplicated.teachers,
        deduplicated.pupils_free_meals,
        deduplicated.meal_cost_kzt,
        deduplicated.meal_cost_unit,
        deduplicated.pupils_transported,
        deduplicated.buses_in_service,
        deduplicated.buses_leased,
        deduplicated.batch_id,
        deduplicated.source_file,
        deduplicated.row_number,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from deduplicated
    left join batches
        on deduplicated.batch_id = batches.batch_id
    where deduplicated.newest_first = 1

)

select * from final
