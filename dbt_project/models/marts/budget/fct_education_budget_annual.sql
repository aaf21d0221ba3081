{#- The education budget of a territory and year, planned and executed side by side, each with its
    own source and synthetic flag: the plan from the open-budget execution reports (refined annual
    plan of the December report, the programmes summed), the execution from the Ministry of Finance
    bulletin (December edition, cumulative). Each row says the borders its figures are on
    (seeds/minfin_regions.csv: Almaty oblast with today's Zhetysu up to the 2022-10 edition). -#}
with minfin_years as (

    select * from {{ ref('stg_minfin__budget_execution_years') }}
    where item_code = 'EXP.04' and kato_code is not null

),

budget_totals as (

    select * from {{ ref('int_education_budget_years_totalled') }}

),

regions as (

    select * from {{ ref('minfin_regions') }}

),

plans as (

    select
        budget_totals.kato_code,
        budget_totals.year,
        budget_totals.plan_kzt as planned_kzt,
        budget_totals.source_name,
        budget_totals.source_reference as plan_source_reference,
        budget_totals.is_synthetic as plan_is_synthetic
    from budget_totals

),

planned as (

    select
        plans.*,
        coalesce(regions.borders, 'as_published') as borders,
        regions.borders_note
    from plans
    left join regions
        on
            plans.kato_code = regions.kato_code
            and make_date(plans.year, 12, 1) between regions.first_edition
            and coalesce(regions.last_edition, 'infinity'::date)

),

executed as (

    select
        minfin_years.kato_code,
        minfin_years.year,
        minfin_years.borders,
        minfin_years.borders_note,
        minfin_years.executed_kzt,
        minfin_years.executed_change_kzt,
        minfin_years.change_basis,
        'Ministry of Finance, Statistical Bulletin' as source_name,
        'execution of local budgets, education (04), edition of December ' || minfin_years.year::text || '; '
        || minfin_years.source_file || ' row ' || minfin_years.row_number::text as executed_source_reference,
        minfin_years.is_synthetic as executed_is_synthetic
    from minfin_years

),

joined as (

    select
        coalesce(planned.kato_code, executed.kato_code) as kato_code,
        coalesce(planned.year, executed.year) as year,
        coalesce(planned.borders, executed.borders) as borders,
        coalesce(executed.borders_note, planned.borders_note) as borders_note,
        planned.planned_kzt,
        case
            when planned.kato_code is not null
                then {{ provenance_name('planned.source_name', 'planned.plan_is_synthetic') }}
        end as plan_source_name,
        planned.plan_source_reference,
        planned.plan_is_synthetic,
        executed.executed_kzt,
        executed.executed_change_kzt,
        executed.change_basis as executed_change_basis,
        case
            when executed.kato_code is not null
                then {{ provenance_name('executed.source_name', 'executed.executed_is_synthetic') }}
        end as executed_source_name,
        executed.executed_source_reference,
        executed.executed_is_synthetic
    from planned
    full outer join executed
        on
            planned.kato_code = executed.kato_code
            and planned.year = executed.year
            and planned.borders = executed.borders

),

final as (

    select
        joined.*,
        case
            when joined.plan_is_synthetic = joined.executed_is_synthetic
                then {{ percent_of('joined.executed_kzt', 'joined.planned_kzt') }}
        end as execution_percent,
        concat_ws('; ', joined.plan_source_name, joined.executed_source_name) as source_name,
        concat_ws('; ', joined.plan_source_reference, joined.executed_source_reference) as source_reference,
        coalesce(joined.plan_is_synthetic, false) or coalesce(joined.executed_is_synthetic, false) as is_synthetic
    from joined

)

select * from final
