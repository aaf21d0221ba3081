{#- Territory versions, as int_territories_versioned builds them (the re-basing models read the same
    intermediate model). -#}
with territories as (

    select * from {{ ref('int_territories_versioned') }}

),

final as (

    select * from territories

)

select * from final
