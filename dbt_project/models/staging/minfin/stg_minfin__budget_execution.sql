{#- The Ministry of Finance series, one figure per region, item and month: where several deliveries
    give a month, the delivery with the newest edition wins (then the newest batch). The month's own
    spending is its cumulative figure minus the previous month's, on the same borders: January is
    its cumulative figure; a month after a missing edition or after a change of borders (Almaty
    oblast at the 2022-10 edition) cannot be derived and stays empty, with the reason. -#}
with delivered as (

    select * from {{ ref('stg_minfin__delivered_figures') }}

),

ranked as (

    select
        delivered.*,
        row_number() over (
            partition by delivered.region_code, delivered.item_code, delivered.edition_month
            order by delivered.delivery_edition desc, delivered.batch_id desc
        ) as newest_first,
        count(*) over (
            partition by delivered.region_code, delivered.item_code, delivered.edition_month
        ) as times_delivered
    from delivered

),

newest as (

    select
        ranked.*,
        lag(ranked.month) over months_of_year as previous_month,
        lag(ranked.borders) over months_of_year as previous_borders,
        lag(ranked.cumulative_executed_kzt) over months_of_year as previous_cumulative_executed_kzt
    from ranked
    where ranked.newest_first = 1
    window months_of_year as (
        partition by ranked.region_code, ranked.item_code, ranked.year
        order by ranked.month
    )

),

final as (

    select
        newest.region_code,
        newest.kato_code,
        newest.borders,
        newest.borders_note,
        newest.item_code,
        newest.item_name,
        newest.edition_month,
        newest.year,
        newest.month,
        newest.month = 12 as is_year_end,
        newest.cumulative_executed_kzt,
        case
            when newest.month = 1 then newest.cumulative_executed_kzt
            when newest.previous_month = newest.month - 1 and newest.previous_borders = newest.borders
                then newest.cumulative_executed_kzt - newest.previous_cumulative_executed_kzt
        end as executed_in_month_kzt,
        case
            when newest.month = 1 then 'January: the cumulative figure'
            when coalesce(newest.previous_month, 0) <> newest.month - 1
                then 'not derived: the edition of the previous month is missing'
            when newest.previous_borders <> newest.borders
                then 'not derived: the previous edition is on other borders (' || newest.previous_borders || ')'
            else 'this edition minus the previous one'
        end as month_derivation,
        newest.times_delivered,
        newest.delivery_edition,
        newest.batch_id,
        newest.source_file,
        newest.row_number,
        newest.is_synthetic
    from newest

)

select * from final
