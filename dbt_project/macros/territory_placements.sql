{#- The territories a row counts in: its district and its region, once as published (the codes it was
    delivered with, `kato_code` and `region_kato_code`) and once in current borders (`current_kato_code`
    and `current_region_kato_code`, re-based through int_territory_versions_rebased). A row delivered
    with its region's code (no district) counts once, in the region. Written after the `from` of a
    relation that has those four columns:

        from school_years
        {{ territory_placements('school_years') }}

    it gives each row up to four `territories` rows: `territories.kato_code`,
    `territories.region_kato_code`, `territories.aggregation_level` ('district' or 'region') and
    `territories.territory_basis` ('as_published' or 'current_borders'). Sums grouped by these four
    columns are then a territory's figures on both bases, district rows adding up to their region. -#}
{% macro territory_placements(relation) -%}
    cross join lateral (
        select placements.*
        from (
            values
            ({{ relation }}.kato_code, {{ relation }}.region_kato_code, 'district', 'as_published'),
            ({{ relation }}.region_kato_code, {{ relation }}.region_kato_code, 'region', 'as_published'),
            ({{ relation }}.current_kato_code, {{ relation }}.current_region_kato_code, 'district', 'current_borders'),
            ({{ relation }}.current_region_kato_code, {{ relation }}.current_region_kato_code, 'region', 'current_borders')
        ) as placements (kato_code, region_kato_code, aggregation_level, territory_basis)
        where not (
            placements.aggregation_level = 'district'
            and placements.kato_code in ({{ relation }}.region_kato_code, {{ relation }}.current_region_kato_code)
        )
    ) as territories
{%- endmacro %}
