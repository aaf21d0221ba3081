{#- Fails on groups whose shares do not add up to 1 (apportioning keeps the whole figure). -#}
{% test shares_add_up(model, group_by, share_column) %}
select
    {{ group_by | join(', ') }},
    sum({{ share_column }}) as total_share
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ share_column }}) - 1) > 0.000001
{% endtest %}
