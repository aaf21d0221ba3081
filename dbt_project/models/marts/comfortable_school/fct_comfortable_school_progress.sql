{#- Comfortable School progress by territory and calendar year, as
    int_comfortable_school_progress_aggregated builds it (the official-value models read the same
    intermediate model). -#}
with progress as (

    select * from {{ ref('int_comfortable_school_progress_aggregated') }}

),

final as (

    select * from progress

)

select * from final
