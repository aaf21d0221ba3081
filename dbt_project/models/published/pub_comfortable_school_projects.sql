{{ config(alias='comfortable_school_projects') }}

with history as (

    select * from {{ ref('fct_comfortable_school_status_history') }}

),

final as (

    select
        history.project_id::text as project_id,
        history.status_date::date as status_date,
        history.kato_code::text as kato_code,
        history.region_kato_code::text as region_kato_code,
        history.name_kk::text as name_kk,
        history.name_ru::text as name_ru,
        history.places::integer as places,
        history.funding_source::text as funding_source,
        history.target_year::integer as target_year,
        history.status::text as status,
        history.previous_status::text as previous_status,
        history.status_valid_to::date as status_valid_to,
        history.is_latest_status::boolean as is_latest_status,
        history.status_label::text as status_label,
        history.report_date::date as report_date,
        history.first_reported_date::date as first_reported_date,
        history.times_reported::integer as times_reported,
        {{ provenance_name("history.source_name", "history.is_synthetic") }}::text as source_name,
        history.source_reference::text as source_reference,
        history.is_synthetic::boolean as is_synthetic
    from history

)

select * from final
