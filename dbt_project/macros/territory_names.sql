{#- The territory version a row refers to, for its names: the version of `kato` valid on `on_date`
    (the period's reference date as published, var('current_borders_date') in current borders);
    a code without a version on that date (a region before it existed) takes its nearest version.
    Use as a join: `{{ territory_version_join('territories', 'facts.kato_code', 'facts.reference_date') }}`
    where `territories` is a CTE over dim_territory. -#}
{% macro territory_version_join(territories, kato, on_date, alias='territory') -%}
    left join lateral (
        select
            candidates.territory_version_id,
            candidates.name_kk,
            candidates.name_ru,
            candidates.name_en,
            candidates.level
        from {{ territories }} as candidates
        where candidates.kato_code = {{ kato }}
        order by
            ({{ on_date }} between candidates.valid_from and coalesce(candidates.valid_to, 'infinity'::date)) desc,
            abs({{ on_date }} - candidates.valid_from)
        limit 1
    ) as {{ alias }} on true
{%- endmacro %}

{#- The date a row's territory is read on: the period's reference date as published, the
    current-borders date otherwise. -#}
{% macro basis_date(basis_column, reference_date) -%}
    case
        when {{ basis_column }} = 'current_borders' then '{{ var("current_borders_date") }}'::date
        else {{ reference_date }}
    end
{%- endmacro %}
