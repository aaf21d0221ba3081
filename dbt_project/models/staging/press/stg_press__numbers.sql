with source as (

    {{ loaded_rows(source('press', 'press_numbers')) }}

),

newest_batches as (

    select
        document_file,
        max(_batch_id) as batch_id
    from source
    group by document_file

),

final as (

    select
        source.document_file || ':' || source.char_start as mention_id,
        source._batch_id as batch_id,
        source.document_file,
        source.document_sha256,
        source.language,
        source.block_kind,
        source.block_kind = 'body' as is_body,
        source.sentence_index::int as sentence_index,
        source.sentence,
        source.sentence_start::int as sentence_start,
        source.phrase,
        source.value_text,
        case
            when source.value_text ~ '^-?\d+(\.\d+)?$' then source.value_text::numeric
        end as value,
        source.unit,
        source.unit_word,
        source.qualifier,
        source.number_kind,
        source.char_start::int as char_start,
        source.char_end::int as char_end,
        source._row_number as line_number
    from source
    inner join newest_batches
        on
            source.document_file = newest_batches.document_file
            and source._batch_id = newest_batches.batch_id

)

select * from final
