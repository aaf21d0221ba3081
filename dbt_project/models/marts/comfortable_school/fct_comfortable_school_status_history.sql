{#- The status history of every Comfortable School project, as int_comfortable_school_statuses_sequenced
    builds it (the project-year and official-value models read the same intermediate model). -#}
with statuses as (

    select * from {{ ref('int_comfortable_school_statuses_sequenced') }}

),

final as (

    select * from statuses

)

select * from final
