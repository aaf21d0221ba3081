{#- The year's execution from the Ministry of Finance series: the December edition's cumulative
    figure, with the change on the previous year when both Decembers are on the same borders (for
    Almaty oblast, 2022 on its borders without Zhetysu against 2023 is compared; 2021, with
    Zhetysu, against 2022 is not). -#}
with months as (

    select * from {{ ref('stg_minfin__budget_execution') }}

),

years as (

    select
        months.*,
        lag(months.year) over region_years as previous_year,
        lag(months.borders) over region_years as previous_borders,
        lag(months.cumulative_executed_kzt) over region_years as previous_executed_kzt
    from months
    where months.is_year_end
    window region_years as (partition by months.region_code, months.item_code order by months.year)

),

final as (

    select
        years.region_code,
        years.kato_code,
        years.borders,
        years.borders_note,
        years.item_code,
        years.item_name,
        years.year,
        years.cumulative_executed_kzt as executed_kzt,
        case
            when years.previous_year = years.year - 1 and years.previous_borders = years.borders
                then years.previous_executed_kzt
        end as previous_executed_kzt,
        case
            when years.previous_year = years.year - 1 and years.previous_borders = years.borders
                then years.cumulative_executed_kzt - years.previous_executed_kzt
        end as executed_change_kzt,
        case
            when coalesce(years.previous_year, 0) <> years.year - 1 then 'no December edition of the previous year'
            when years.previous_borders <> years.borders
                then 'not compared: the previous year is on other borders (' || years.previous_borders || ')'
            else 'December of the year minus December of the previous year, same borders'
        end as change_basis,
        years.edition_month,
        years.batch_id,
        years.source_file,
        years.row_number,
        years.is_synthetic
    from years

)

select * from final
