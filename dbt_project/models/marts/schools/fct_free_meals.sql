{#- Free hot meals of primary pupils by territory and academic year (NEDB), as published and in
    current borders, as int_free_meals_measured builds it (the official-value models read the same
    intermediate model). -#}
with free_meals as (

    select * from {{ ref('int_free_meals_measured') }}

),

final as (

    select * from free_meals

)

select * from final
