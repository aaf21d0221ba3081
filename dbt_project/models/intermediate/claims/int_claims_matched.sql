{#- Every press claim with the official figure it is about, if there is one: same territory (as it
    was then) and indicator, and the claim's period. A calendar-year claim about an academic-year
    figure takes the academic year linked to that calendar year (dim_academic_year: 2023 → 2023/24);
    a claim over a range of years (2023-2029) takes the latest official period within it; a claim
    about a state on a day (projects under construction) takes the state on the claim's reference
    date: the date the text names (seeds/claim_reference_dates.csv) or else the publication date. -#}
with claims as (

    select * from {{ ref('stg_press__claims') }}

),

reference_dates as (

    select * from {{ ref('claim_reference_dates') }}

),

official as (

    select * from {{ ref('int_official_values_unioned') }}

),

bases as (

    select * from {{ ref('claim_official_bases') }}

),

indicator_pairs as (

    select distinct
        claims.indicator_code as claim_indicator_code,
        claims.indicator_code as official_indicator_code,
        'same' as comparison_basis,
        null::text as claimed_basis,
        null::text as official_basis
    from claims
    union all
    select
        bases.claim_indicator_code,
        bases.official_indicator_code,
        'different' as comparison_basis,
        bases.claimed_basis,
        bases.official_basis
    from bases

),

dated_claims as (

    select
        claims.*,
        coalesce(reference_dates.reference_date, claims.published_date) as reference_date,
        coalesce(reference_dates.basis, 'the publication date of the article') as reference_date_basis,
        case when claims.period_kind = 'range' then split_part(claims.period, '-', 1)::int end as range_start,
        case when claims.period_kind = 'range' then split_part(claims.period, '-', 2)::int end as range_end
    from claims
    left join reference_dates
        on claims.claim_id = reference_dates.claim_id

),

candidates as (

    select
        dated_claims.claim_id,
        official.official_value_id,
        case
            when official.as_of_date is not null then 1
            when official.period = dated_claims.period then 1
            when
                dated_claims.period_kind = 'calendar_year'
                and official.period_kind = 'academic_year'
                and official.linked_calendar_year::text = dated_claims.period
                then 2
            else 3
        end as match_rank,
        indicator_pairs.comparison_basis,
        indicator_pairs.claimed_basis,
        indicator_pairs.official_basis,
        case
            when not official.is_synthetic and indicator_pairs.comparison_basis = 'same' then 1
            when not official.is_synthetic then 2
            when indicator_pairs.comparison_basis = 'same' then 3
            else 4
        end as evidence_rank,
        official.linked_calendar_year,
        official.as_of_date
    from dated_claims
    inner join indicator_pairs
        on dated_claims.indicator_code = indicator_pairs.claim_indicator_code
    inner join official
        on
            dated_claims.kato_code = official.kato_code
            and indicator_pairs.official_indicator_code = official.indicator_code
            and (
                (official.as_of_date is not null and dated_claims.reference_date >= official.as_of_date)
                or (
                    official.as_of_date is null
                    and (
                        dated_claims.period = official.period
                        or (
                            dated_claims.period_kind = 'calendar_year'
                            and official.period_kind = 'academic_year'
                            and official.linked_calendar_year::text = dated_claims.period
                        )
                        or (
                            dated_claims.period_kind = 'range'
                            and official.period_kind <> 'academic_year'
                            and official.linked_calendar_year between dated_claims.range_start and dated_claims.range_end
                        )
                    )
                )
            )

),

best as (

    select
        candidates.*,
        row_number() over (
            partition by candidates.claim_id
            order by
                candidates.evidence_rank asc,
                candidates.match_rank asc,
                candidates.as_of_date desc nulls last,
                candidates.linked_calendar_year desc,
                candidates.official_value_id asc
        ) as best_first
    from candidates

),

final as (

    select
        dated_claims.claim_id,
        dated_claims.source_document,
        dated_claims.language,
        dated_claims.published_date,
        dated_claims.published_date_precision,
        dated_claims.publisher,
        dated_claims.kato_code,
        dated_claims.indicator_code,
        dated_claims.period,
        dated_claims.period_kind,
        dated_claims.reference_date,
        dated_claims.reference_date_basis,
        dated_claims.value,
        dated_claims.unit,
        dated_claims.qualifier,
        dated_claims.quote,
        dated_claims.phrase,
        dated_claims.sentence,
        dated_claims.matched,
        dated_claims.note,
        official.official_value_id,
        official.indicator_code as official_indicator_code,
        coalesce(best.comparison_basis, 'same') as comparison_basis,
        best.claimed_basis,
        best.official_basis,
        official.value as official_value,
        official.period as official_period,
        official.as_of_date as official_as_of_date,
        official.source_name as official_source,
        official.source_reference as official_source_reference,
        official.is_synthetic as official_is_synthetic
    from dated_claims
    left join best
        on
            dated_claims.claim_id = best.claim_id
            and best.best_first = 1
    left join official
        on best.official_value_id = official.official_value_id

)

select * from final
