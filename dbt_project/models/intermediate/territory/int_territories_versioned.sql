{#- A table, not a view: its mart and other models read it, and a view would be computed again for
    each of them and each of its tests. -#}
{{ config(materialized='table') }}

{#- Territory versions (seeds/territories.csv) with the changes that began and ended each version
    (seeds/territory_changes.csv) and the KATO classifier's own name for the code. -#}
with territories as (

    select * from {{ ref('territories') }}

),

changes as (

    select * from {{ ref('territory_changes') }}

),

classifier as (

    select * from {{ ref('stg_kato__classifier') }}

),

latest_classifier as (

    select
        classifier.kato_code,
        classifier.name_ru,
        classifier.classifier_date
    from classifier
    where classifier.classifier_date = (select max(all_rows.classifier_date) from classifier as all_rows)

),

classifier_dates as (

    select max(classifier_date) as classifier_date from classifier

),

formed as (

    select
        changes.new_kato_code as kato_code,
        changes.effective_date,
        string_agg(
            changes.change_type || coalesce(' from ' || changes.old_kato_code, ''),
            '; ' order by changes.change_type, changes.old_kato_code
        ) as formed_by
    from changes
    group by changes.new_kato_code, changes.effective_date

),

ended as (

    select
        changes.old_kato_code as kato_code,
        changes.effective_date,
        string_agg(
            changes.change_type || ' to ' || changes.new_kato_code,
            '; ' order by changes.change_type, changes.new_kato_code
        ) as ended_by
    from changes
    where changes.old_kato_code is not null
    group by changes.old_kato_code, changes.effective_date

),

final as (

    select
        territories.kato_code || ':' || territories.valid_from::text as territory_version_id,
        territories.kato_code,
        territories.level,
        territories.parent_kato_code,
        case
            when territories.level in ('republic', 'region', 'city') then territories.kato_code
            else left(territories.kato_code, 2) || '0000000'
        end as region_kato_code,
        territories.name_kk,
        territories.name_ru,
        territories.name_en,
        territories.valid_from,
        territories.valid_to,
        territories.valid_to is null as is_current,
        territories.valid_from <= '{{ var("current_borders_date") }}'::date
        and coalesce(territories.valid_to, 'infinity'::date) >= '{{ var("current_borders_date") }}'::date
            as is_valid_on_current_borders_date,
        formed.formed_by,
        ended.ended_by,
        latest_classifier.name_ru as kato_name_ru,
        classifier_dates.classifier_date as kato_classifier_date,
        case
            when
                territories.level = 'republic'
                or classifier_dates.classifier_date is null
                or classifier_dates.classifier_date < territories.valid_from
                or classifier_dates.classifier_date > coalesce(territories.valid_to, 'infinity'::date)
                then null
            else latest_classifier.kato_code is not null
        end as is_in_kato_classifier,
        territories.note
    from territories
    cross join classifier_dates
    left join formed
        on
            territories.kato_code = formed.kato_code
            and territories.valid_from = formed.effective_date
    left join ended
        on
            territories.kato_code = ended.kato_code
            and territories.valid_to + 1 = ended.effective_date
    left join latest_classifier
        on
            territories.kato_code = latest_classifier.kato_code
            and classifier_dates.classifier_date between territories.valid_from
            and coalesce(territories.valid_to, 'infinity'::date)

)

select * from final
