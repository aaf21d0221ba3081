{#- Transport of pupils by territory and calendar year (NEDB and the budget's pupil transport
    programme), as int_pupil_transport_years_joined builds it (the official-value models read the
    same intermediate model). -#}
with transport as (

    select * from {{ ref('int_pupil_transport_years_joined') }}

),

final as (

    select * from transport

)

select * from final
