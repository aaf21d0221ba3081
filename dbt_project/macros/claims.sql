{#- How precisely a claim is written: the value of one unit of its last written digit, from the
    phrase as the article writes it. "394 млрд. теңге" → 1e9; "4 млрд. 529 млн" → 1e6 (the last
    scale word counts); "756,0 млн." → 1e5 (a decimal); "37 тысяч" → 1000; "113 240", "двухсот" → 1. -#}
{% macro claim_precision_unit(phrase) -%}
    trim_scale(
        case substring(lower(coalesce({{ phrase }}, '')) from '.*(млрд|миллиард|млн|миллион|тысяч|тыс|мың)')
            when 'млрд' then 1e9
            when 'миллиард' then 1e9
            when 'млн' then 1e6
            when 'миллион' then 1e6
            when 'тысяч' then 1e3
            when 'тыс' then 1e3
            when 'мың' then 1e3
            else 1
        end
        / power(10::numeric, coalesce(length(substring(
            lower(coalesce({{ phrase }}, '')) from '\d[,.](\d+)\s*(?:млрд|миллиард|млн|миллион|тысяч|тыс|мың)'
        )), 0))
    )
{%- endmacro %}

{#- The verdict on a claim: the one rule of the warehouse (the portal, exports and summary show it,
    never recompute it). In order:
    `no_official_figure`: no official figure for the territory, period and indicator;
    `unverifiable_synthetic`: the only official figure is synthetic (a generated figure never confirms
    nor refutes anything);
    `different_basis`: the official figure measures the claim on another basis (a planned budget
    claimed, the executed budget official): both are shown with their difference, no verdict;
    `confirmed` or `differs`: the official figure is what the claim says, given how it is written.
    No qualifier: equal within half a unit of the last written digit ("394 bn" holds for 393.5-394.5 bn;
    an exact integer is exact). `almost` X: X − one unit ≤ official ≤ X. `more than` / `over` X:
    official > X. `about` X: within one unit or 5 % of X, whichever is larger. `at least` X: official ≥ X.
    `up to` X: official ≤ X. `less than` X: official < X. -#}
{% macro claim_status(official, claimed, qualifier, unit, is_synthetic, comparison_basis) -%}
    case
        when {{ official }} is null then 'no_official_figure'
        when {{ is_synthetic }} then 'unverifiable_synthetic'
        when {{ comparison_basis }} = 'different' then 'different_basis'
        when
            case coalesce({{ qualifier }}, '')
                when '' then abs({{ official }} - {{ claimed }}) <= {{ unit }} / 2.0
                when 'almost' then {{ official }} between {{ claimed }} - {{ unit }} and {{ claimed }}
                when 'more than' then {{ official }} > {{ claimed }}
                when 'over' then {{ official }} > {{ claimed }}
                when 'about' then abs({{ official }} - {{ claimed }}) <= greatest({{ unit }}, 0.05 * abs({{ claimed }}))
                when 'at least' then {{ official }} >= {{ claimed }}
                when 'up to' then {{ official }} <= {{ claimed }}
                when 'less than' then {{ official }} < {{ claimed }}
                else abs({{ official }} - {{ claimed }}) <= {{ unit }} / 2.0
            end
            then 'confirmed'
        else 'differs'
    end
{%- endmacro %}

{#- The rule claim_status applied, in words. -#}
{% macro claim_rule(claimed, qualifier, unit) -%}
    case coalesce({{ qualifier }}, '')
        when 'almost' then 'almost: between ' || ({{ claimed }} - {{ unit }})::text || ' and ' || {{ claimed }}::text
        when 'more than' then 'more than: above ' || {{ claimed }}::text
        when 'over' then 'over: above ' || {{ claimed }}::text
        when 'about' then 'about: within ' || greatest({{ unit }}, 0.05 * abs({{ claimed }}))::text || ' of ' || {{ claimed }}::text
        when 'at least' then 'at least ' || {{ claimed }}::text
        when 'up to' then 'up to ' || {{ claimed }}::text
        when 'less than' then 'less than ' || {{ claimed }}::text
        else 'equal within ' || ({{ unit }} / 2.0)::text || ' (half a unit of the last written digit)'
    end
{%- endmacro %}

{#- The name of what produced a figure: the publisher's name for real data; a synthetic figure never
    carries an official publisher's name. -#}
{% macro provenance_name(source_name, is_synthetic) -%}
    case when {{ is_synthetic }} then 'synthetic generator (edu-wh synth)' else {{ source_name }} end
{%- endmacro %}
