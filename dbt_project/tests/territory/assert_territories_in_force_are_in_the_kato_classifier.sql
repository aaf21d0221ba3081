{#- Every territory version in force on the date of the loaded KATO classifier has its code in it
    (a provisional or mistyped code in seeds/territories.csv shows up here). A warning: the classifier
    may lag behind a decree. -#}
{{ config(severity='warn') }}

select
    territory_version_id,
    kato_code,
    name_ru,
    kato_classifier_date
from {{ ref('dim_territory') }}
where is_in_kato_classifier = false
