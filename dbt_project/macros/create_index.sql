{#- An index for analysts' queries, created by a post-hook. Tables are rebuilt under a temporary
    name and swapped in with the previous table kept until commit, so index names are left to
    PostgreSQL (a fixed name would still be taken by the previous table's index). Incremental
    models keep their table between runs: their index is created only when the table has no index
    on these columns yet. -#}
{% macro create_index(relation, columns, unique=false) -%}
    {%- set unique_sql = 'unique ' if unique else '' -%}
    {%- set create = 'create ' ~ unique_sql ~ 'index on ' ~ relation ~ ' (' ~ (columns | join(', ')) ~ ')' -%}
    {%- if config.get('materialized') == 'incremental' -%}
        do $index$ begin
            if not exists (
                select 1 from pg_index
                where
                    indrelid = '{{ relation }}'::regclass
                    and pg_get_indexdef(indexrelid) like '%USING btree ({{ columns | join(", ") }})'
            ) then
                execute '{{ create }}';
            end if;
        end $index$
    {%- else -%}
        {{ create }}
    {%- endif -%}
{%- endmacro %}
