{#- Fails where the rows of `model` (e.g. districts) do not add up to the row of the same key in
    `to` (e.g. the region): sum(`column_name`) grouped by `group_by` against `to_column` joined on
    the same key. Only keys present on both sides are compared; `where` / `to_where` filter. -#}
{% test sums_match(model, column_name, to, to_column, group_by, where=none, to_where=none, tolerance=0) %}
with parts as (

    select
        {{ group_by | join(', ') }},
        sum({{ column_name }}) as parts_total
    from {{ model }}
    {% if where %}where {{ where }}{% endif %}
    group by {{ group_by | join(', ') }}

),

whole as (

    select
        {{ group_by | join(', ') }},
        {{ to_column }} as whole_total
    from {{ to }}
    {% if to_where %}where {{ to_where }}{% endif %}

)

select
    parts.*,
    whole.whole_total
from parts
inner join whole
    using ({{ group_by | join(', ') }})
where abs(coalesce(parts.parts_total, 0) - coalesce(whole.whole_total, 0)) > {{ tolerance }}
{% endtest %}
