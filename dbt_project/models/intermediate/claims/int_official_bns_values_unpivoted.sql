{#- Official figures of the BNS bulletin on the finances of education organisations, as published,
    in the long format of int_official_values_unioned: current expenditure of all education
    organisations (table 1.1) and of general secondary ones (table 1.4) by region and year. -#}
with bulletin as (

    select * from {{ ref('stg_bns__bulletin_values') }}

),

batches as (

    select * from {{ ref('stg_meta__load_batches') }}

),

final as (

    select
        bulletin.kato_code,
        case bulletin.table_code
            when '1.1' then 'education_organisations_current_expenditure_kzt'
            when '1.4' then 'school_organisations_current_expenditure_kzt'
        end as indicator_code,
        bulletin.report_year::text as period,
        'calendar_year' as period_kind,
        null::date as as_of_date,
        bulletin.value_kzt as value,
        'BNS bulletin: finances of education organisations' as source_name,
        bulletin.source_file || ' [' || bulletin.sheet_name || '!' || bulletin.cell_ref || ']' as source_reference,
        coalesce(batches.is_synthetic, true) as is_synthetic
    from bulletin
    left join batches
        on bulletin.batch_id = batches.batch_id
    where
        bulletin.table_kind = 'region'
        and bulletin.table_code in ('1.1', '1.4')
        and {{ normalize_name('bulletin.column_label') }} = 'ағымдағы шығыстар'
        and bulletin.value_kzt is not null

)

select * from final
