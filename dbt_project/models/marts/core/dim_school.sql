{#- Schools (general education) known from NEDB and the data.egov.kz registers, by BIN: names,
    the current district (re-based to var('current_borders_date')), ownership, language of
    instruction, urban or rural location, coordinates and design capacity. -#}
with school_years as (

    select * from {{ ref('fct_school_years') }}

),

egov_schools as (

    select * from {{ ref('stg_egov__schools') }}
    where bin is not null

),

territories as (

    select * from {{ ref('int_territories_versioned') }}
    where is_valid_on_current_borders_date

),

territory_names as (

    select * from {{ ref('dim_territory_name') }}
    where language = 'ru'

),

latest_years as (

    select distinct on (school_years.bin) school_years.*
    from school_years
    order by school_years.bin asc, school_years.academic_year desc

),

school_spans as (

    select
        bin,
        min(academic_year) as first_academic_year,
        max(academic_year) as last_academic_year,
        count(*) as academic_years_count
    from school_years
    group by bin

),

egov_latest as (

    select distinct on (egov_schools.bin) egov_schools.*
    from egov_schools
    order by egov_schools.bin asc, egov_schools.modified_at desc, egov_schools.batch_id desc

),

egov_districts as (

    {#- the register's district name, resolved within its region (district names repeat across
        regions) on the day the record was last modified -#}
    select distinct on (egov_latest.bin)
        egov_latest.bin,
        territory_names.kato_code
    from egov_latest
    inner join territory_names
        on
            {{ normalize_name('egov_latest.district_name') }} = territory_names.normalized_name
            and egov_latest.region_kato_code = territory_names.region_kato_code
            and egov_latest.modified_at::date between territory_names.valid_from
            and coalesce(territory_names.valid_to, 'infinity'::date)
    order by egov_latest.bin, territory_names.kato_code

),

combined as (

    select
        coalesce(latest_years.bin, egov_latest.bin) as bin,
        coalesce(latest_years.name_kk, egov_latest.name_kk) as name_kk,
        coalesce(latest_years.name_ru, egov_latest.name_ru) as name_ru,
        coalesce(latest_years.current_kato_code, egov_districts.kato_code, egov_latest.kato_code) as kato_code,
        coalesce(latest_years.current_region_kato_code, egov_latest.region_kato_code) as region_kato_code,
        coalesce(latest_years.ownership, egov_latest.ownership) as ownership,
        coalesce(latest_years.language_of_instruction, {{ language_code('egov_latest.language_of_instruction') }})
            as language_of_instruction,
        coalesce(latest_years.design_capacity, egov_latest.design_capacity) as design_capacity,
        egov_latest.latitude,
        egov_latest.longitude,
        egov_latest.established_year,
        school_spans.first_academic_year,
        school_spans.last_academic_year,
        school_spans.academic_years_count,
        egov_latest.source_dataset as egov_dataset,
        egov_latest.record_id as egov_record_id,
        latest_years.bin is not null as is_in_nedb,
        egov_latest.bin is not null as is_in_egov,
        coalesce(latest_years.is_synthetic, false) as is_synthetic,
        concat_ws(
            '; ',
            case when latest_years.bin is not null then 'NEDB school extract' end,
            case when egov_latest.bin is not null then 'data.egov.kz ' || egov_latest.source_dataset end
        ) as source_name
    from latest_years
    full outer join egov_latest
        on latest_years.bin = egov_latest.bin
    left join school_spans
        on latest_years.bin = school_spans.bin
    left join egov_districts
        on egov_latest.bin = egov_districts.bin

),

final as (

    select
        combined.*,
        case
            when territories.level in ('city', 'city_administration') then 'urban'
            when territories.region_kato_code = '750000000' then 'urban'
            when combined.name_ru ~ '\sс\.\s' or combined.name_kk ~ 'ауылының' then 'rural'
            when combined.kato_code is not null then 'urban'
        end as location_type,
        case
            when territories.level in ('city', 'city_administration') or territories.region_kato_code = '750000000'
                then 'in a city'
            when combined.name_ru ~ '\sс\.\s' or combined.name_kk ~ 'ауылының' then 'named after a village'
            when combined.kato_code is not null then 'in a district, no village in the name (district town)'
        end as location_type_basis
    from combined
    left join territories
        on combined.kato_code = territories.kato_code

)

select * from final
