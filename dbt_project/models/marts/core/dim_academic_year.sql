{#- Academic years and their linked calendar year, as int_academic_years_linked builds them (the
    school-year and official-value models read the same intermediate model). -#}
with academic_years as (

    select * from {{ ref('int_academic_years_linked') }}

),

final as (

    select * from academic_years

)

select * from final
