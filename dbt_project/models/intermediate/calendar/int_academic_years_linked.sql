{#- Academic years 2000/01-2030/31 and the calendar (budget) year each is linked to. -#}
with start_years as (

    select generate_series(2000, 2030) as start_year

),

final as (

    select
        start_year::text || '/' || lpad(((start_year + 1) % 100)::text, 2, '0') as academic_year,
        start_year,
        start_year + 1 as end_year,
        make_date(start_year, 9, 1) as start_date,
        make_date(start_year + 1, 5, 31) as teaching_end_date,
        make_date(start_year + 1, 8, 31) as end_date,
        make_date(start_year, 9, 1) as reference_date,
        start_year as calendar_year,
        start_year as budget_year
    from start_years

)

select * from final
