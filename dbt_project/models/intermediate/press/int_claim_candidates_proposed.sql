{#- Candidate claims from the press: every number in an article body (a quantity, not a year or a
    date) that no registry claim carries (the same matching as stg_press__claims:
    macros/press_claims.sql), classified by the keyword rules of seeds/press_claim_rules.csv, the
    one definition of those rules: the indicator from the first indicator rule (by priority) whose
    pattern the lower-cased sentence matches and whose unit is the number's; the territory from the
    first territory rule the sentence matches, else the first one a body sentence of the article
    with a number matches, else the article's territory in seeds/press_documents.csv; the period
    from a year in the same sentence, else the first year the article names, else its publication
    year. A number the rules cannot classify is still proposed, with `status` `unclassified`, the
    missing parts null and a `reason`: a reviewer may complete it (edu-wh claims candidates /
    accept). -#}
with numbers as (

    select * from {{ ref('stg_press__numbers') }}

),

registry as (

    select * from {{ ref('press_claims_registry') }}

),

rules as (

    select * from {{ ref('press_claim_rules') }}

),

documents as (

    select * from {{ ref('press_documents') }}

),

body_numbers as (

    select * from numbers
    where is_body

),

registered as (

    select distinct numbers.mention_id
    from body_numbers as numbers
    inner join registry
        on {{ press_claim_matches('numbers', 'registry') }}

),

quantities as (

    select body_numbers.*
    from body_numbers
    left join registered
        on body_numbers.mention_id = registered.mention_id
    where
        body_numbers.number_kind = 'quantity'
        and body_numbers.value is not null
        and registered.mention_id is null

),

indicator_hits as (

    select
        quantities.mention_id,
        rules.code as indicator_code,
        rules.rule_id,
        row_number() over (partition by quantities.mention_id order by rules.priority, rules.rule_id) as hit_rank
    from quantities
    inner join rules
        on
            rules.rule_kind = 'indicator'
            and quantities.unit = rules.unit
            and lower(quantities.sentence) ~ coalesce(rules.pattern, '')

),

body_sentences as (

    select distinct
        body_numbers.document_file,
        body_numbers.sentence_index,
        body_numbers.sentence
    from body_numbers

),

sentence_territories as (

    select
        body_numbers.document_file,
        body_numbers.sentence_index,
        rules.code as kato_code,
        row_number() over (
            partition by body_numbers.document_file, body_numbers.sentence_index
            order by rules.priority, rules.rule_id
        ) as hit_rank
    from body_sentences as body_numbers
    inner join rules
        on
            rules.rule_kind = 'territory'
            and lower(body_numbers.sentence) ~ rules.pattern

),

article_territories as (

    select
        sentence_territories.document_file,
        sentence_territories.kato_code,
        row_number() over (
            partition by sentence_territories.document_file order by sentence_territories.sentence_index
        ) as hit_rank
    from sentence_territories
    where sentence_territories.hit_rank = 1

),

sentence_years as (

    select
        numbers.document_file,
        numbers.sentence_index,
        min(numbers.value)::int::text as year
    from body_numbers as numbers
    where numbers.number_kind = 'year' and numbers.value between 1991 and 2100
    group by numbers.document_file, numbers.sentence_index

),

article_years as (

    select
        sentence_years.document_file,
        sentence_years.year,
        row_number() over (
            partition by sentence_years.document_file order by sentence_years.sentence_index
        ) as hit_rank
    from sentence_years

),

classified as (

    select
        quantities.mention_id,
        quantities.document_file,
        quantities.document_sha256,
        quantities.language,
        quantities.sentence_index,
        quantities.sentence,
        quantities.phrase,
        quantities.value,
        quantities.unit,
        quantities.qualifier,
        quantities.char_start,
        indicator_hits.indicator_code,
        indicator_hits.rule_id as indicator_rule_id,
        coalesce(sentence_territories.kato_code, article_territories.kato_code, documents.kato_code) as kato_code,
        case
            when sentence_territories.kato_code is not null then 'named in the sentence'
            when article_territories.kato_code is not null then 'named in the article'
            when documents.kato_code is not null then 'the article''s territory (seeds/press_documents.csv)'
        end as territory_basis,
        coalesce(
            sentence_years.year, article_years.year, extract(year from documents.published_date)::int::text
        ) as period,
        case
            when sentence_years.year is not null then 'a year in the sentence'
            when article_years.year is not null then 'the first year the article names'
            when documents.published_date is not null then 'the article''s publication year'
        end as period_basis
    from quantities
    left join indicator_hits
        on
            quantities.mention_id = indicator_hits.mention_id
            and indicator_hits.hit_rank = 1
    left join sentence_territories
        on
            quantities.document_file = sentence_territories.document_file
            and quantities.sentence_index = sentence_territories.sentence_index
            and sentence_territories.hit_rank = 1
    left join article_territories
        on
            quantities.document_file = article_territories.document_file
            and article_territories.hit_rank = 1
    left join sentence_years
        on
            quantities.document_file = sentence_years.document_file
            and quantities.sentence_index = sentence_years.sentence_index
    left join article_years
        on
            quantities.document_file = article_years.document_file
            and article_years.hit_rank = 1
    left join documents
        on quantities.document_file = documents.document_file

),

final as (

    select
        classified.mention_id as candidate_id,
        classified.document_file as source_document,
        classified.document_sha256,
        classified.language,
        classified.sentence as quote,
        classified.phrase,
        classified.value,
        classified.unit,
        classified.qualifier,
        classified.indicator_code,
        classified.kato_code,
        classified.period,
        case when classified.period is not null then 'calendar_year' end as period_kind,
        classified.indicator_rule_id,
        classified.territory_basis,
        classified.period_basis,
        case
            when
                classified.indicator_code is not null
                and classified.kato_code is not null
                and classified.period is not null
                then 'proposed'
            else 'unclassified'
        end as status,
        nullif(concat_ws(
            '; ',
            case
                when classified.indicator_code is null
                    then
                        'no indicator rule matches the sentence for a number of '
                        || coalesce(classified.unit, 'unknown unit')
            end,
            case when classified.kato_code is null then 'no territory named in the sentence or the article' end,
            case when classified.period is null then 'no year in the article and its date is unknown' end
        ), '') as reason,
        classified.char_start
    from classified

)

select * from final
