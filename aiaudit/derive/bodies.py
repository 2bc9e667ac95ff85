"""Provider body coalescing: one prompt, response, stop reason and token count per invocation record.

Why shape-based, not provider-based: ``modelId`` is often an inference profile or an opaque ARN, and
the same provider has several body shapes (Anthropic messages vs. text completions, Cohere Command vs.
Command R, Mistral text vs. chat). Each body is recognised by its keys:

* messages (Converse/ConverseStream, Anthropic messages, Nova, OpenAI-style chat: AI21 Jamba, Mistral
  chat, gpt-oss): ``messages[].content`` as a string or a list of blocks (``text``, ``{"type":"text"}``,
  ``guardContent``, tool results); system prompt from ``system`` (string or blocks) or ``system`` role;
* ``inputText`` (Titan), ``prompt`` (Llama, Mistral text, Cohere Command, AI21 Jurassic, Claude text
  completions), ``message``/``chat_history``/``preamble`` (Cohere Command R);
* outputs: Converse ``output.message``, Anthropic ``content``/``completion``, Titan ``results``, Llama
  ``generation``, Cohere ``text``/``generations``, Mistral ``outputs``, OpenAI ``choices``, AI21
  ``completions``; and **lists of stream events** (Anthropic SSE, ConverseStream events, per-provider
  chunks), whose text deltas are concatenated and whose literal ``"[DONE]"`` marker is ignored.

``prompt`` is the text of the last user turn (what this call asked); ``user_text`` is every user turn
joined, for searches over the whole conversation (history carries injected text too). Text from
documents, images and tool-use blocks is not text; their S3 URIs are listed in ``media_uris``.

Where it runs: once per record, at ingest. The store's row expression evaluates :func:`ctes` and
:func:`column_nodes` over the rows it is about to store (:mod:`aiaudit.derive.stored`) into
``_ingest_<column>`` columns (:data:`COLUMNS`), which is why these rules live in this stage, below the
store; the projections import them from here. A projection runs them again only for records whose body
Bedrock offloaded to S3 (:func:`offloaded`), from the offloaded text, when it is given the export's
``data/`` folder; every other record's values are read from the stored columns.

How it runs: per record where a record's parts are many and alike, as rows where they nest. Every object
is read with ``json_transform`` (leaves kept as JSON text, so a string is told from a number exactly);
where one object sets a value several times (a stream's stop reason; token counts from several usage
spellings) the value is the last one set.

* A stream stays one row per record (``_stream``): its list is parsed as a whole into the few fields that
  tell a text delta, a delta's text is read only for the deltas and kept as a list, and only the other
  events (starts, stops, metadata, deltas carrying a guardrail action or another key: about five per
  stream) become rows read whole (``_ev``). The response is joined from slices of the delta list around
  those events' texts. A list holding events given as text is first written back into an array with each
  event parsed in its place (``[DONE]`` and non-JSON left out).
* Content without tool results (nearly all) is read by list functions per content value (``_items``,
  ``_texts``); content holding tool results is unnested into block rows, recursively, and aggregated back
  in the order Python walked it (``_blocks``).
* Messages, the objects read whole and guardrail assessments are rows with their positions, aggregated per
  record; a dict body is its record's one object and is read without aggregating.

Measured on bench/frames_scale.py's 100k invocation logs (25k streams holding 1.85M events; one thread,
CPU seconds), when every projection ran these CTEs: the whole projection 5.8 (7.8 when every stream event
was a row: the rows went through a union, a materialised CTE and an ordered ``string_agg``; peak 2.3 GB
against 2.9); 4.6–4.8 s wall for re-open + full frame. Computed at ingest instead, re-open + full frame
takes 1.56 s wall at 781 MB peak (one run on 2 cores shared with other work), and building that store
took 45 s (the row expression now runs these CTEs per ingest chunk). Of the 5.8: splitting the
streams 1.3 (element texts 0.35, the list parsed for the delta fields 0.5, delta texts 0.25), reading the
bodies out of ``@message`` 0.9, content blocks 0.7, the objects read whole 0.6, the final sort and result
0.35. Why rows and not nested list lambdas where things nest: DuckDB's binder cost grows exponentially
with lambda nesting (measured: content blocks three tool-results deep took seconds to bind); one level of
lambdas over a row's list binds in milliseconds.
"""

from __future__ import annotations

import json

from aiaudit.derive import expr as E

_MEDIA = {"source": {"s3Uri": "JSON", "s3Location": {"uri": "JSON"}}}
_BLOCK = {
    "type": "JSON",
    "text": "JSON",
    "guardContent": {"text": {"text": "JSON"}},
    "toolResult": "JSON",
    "content": "JSON",
    "json": "JSON",
    "document": _MEDIA,
    "image": _MEDIA,
    "video": _MEDIA,
}
_INPUT = {
    "messages": "JSON",
    "inputText": "JSON",
    "message": "JSON",
    "chat_history": "JSON",
    "prompt": "JSON",
    "texts": "JSON",
    "system": "JSON",
    "preamble": "JSON",
    "inferenceConfig": {k: "JSON" for k in ("temperature", "topP", "top_p", "maxTokens", "max_new_tokens")},
    "textGenerationConfig": {k: "JSON" for k in ("temperature", "topP", "maxTokenCount")},
    "guardrailConfig": {"guardrailIdentifier": "JSON", "guardrailVersion": "JSON"},
    **{
        k: "JSON"
        for k in (
            "temperature",
            "top_p",
            "topP",
            "p",
            "max_tokens",
            "max_tokens_to_sample",
            "max_gen_len",
            "maxTokens",
            "max_completion_tokens",
        )
    },
}
_USAGE_KEYS = {
    "in": ("inputTokens", "input_tokens", "prompt_tokens"),
    "out": ("outputTokens", "output_tokens", "completion_tokens"),
    "cache_r": ("cacheReadInputTokens", "cacheReadInputTokenCount", "cache_read_input_tokens"),
    "cache_w": (
        "cacheWriteInputTokens",
        "cacheCreationInputTokens",
        "cacheWriteInputTokenCount",
        "cache_creation_input_tokens",
    ),
}
_USAGE = {k: "JSON" for keys in _USAGE_KEYS.values() for k in keys}
_METRICS = (
    "inputTokenCount",
    "outputTokenCount",
    "invocationLatency",
    "cacheReadInputTokenCount",
    "cacheWriteInputTokenCount",
)
_OBJECT = {
    "type": "JSON",
    "contentBlockDelta": {"delta": {"text": "JSON"}},
    "messageStop": {"stopReason": "JSON"},
    "metadata": {"usage": _USAGE, "metrics": {"latencyMs": "JSON"}, "trace": {"guardrail": "JSON"}},
    "output": "JSON",
    "content": "JSON",
    "message": {"usage": _USAGE},
    "content_block": {"text": "JSON"},
    "delta": {"text": "JSON", "stop_reason": "JSON"},
    "amazon-bedrock-invocationMetrics": {k: "JSON" for k in _METRICS},
    "amazon-bedrock-guardrailAction": "JSON",
    "amazon-bedrock-trace": {"guardrail": "JSON"},
    "trace": {"guardrail": "JSON"},
    "completion": "JSON",
    "results": [{"outputText": "JSON", "completionReason": "JSON", "tokenCount": "JSON"}],
    "outputText": "JSON",
    "completionReason": "JSON",
    "inputTextTokenCount": "JSON",
    "totalOutputTextTokenCount": "JSON",
    "generation": "JSON",
    "prompt_token_count": "JSON",
    "generation_token_count": "JSON",
    "text": "JSON",
    "event_type": "JSON",
    "generations": [{"text": "JSON", "finish_reason": "JSON"}],
    "meta": {"billed_units": _USAGE},
    "outputs": [{"text": "JSON", "stop_reason": "JSON"}],
    "choices": "JSON",
    "completions": [{"data": {"text": "JSON"}, "finishReason": {"reason": "JSON"}}],
    "stopReason": "JSON",
    "stop_reason": "JSON",
    "finish_reason": "JSON",
    "usage": _USAGE,
    "metrics": {"latencyMs": "JSON"},
}
#: What tells a stream's text delta from any other event (a guardrail action's key present but null reads
#: as absent here).
_FAST = {
    "type": "JSON",
    "delta": {"text": "JSON"},
    "contentBlockDelta": {"delta": {"text": "JSON"}},
    "amazon-bedrock-guardrailAction": "JSON",
}
_CHOICE = {
    "message": {"content": "JSON"},
    "delta": {"content": "JSON"},
    "text": "JSON",
    "finish_reason": "JSON",
    "stop_reason": "JSON",
}
#: (policy key, list key, short policy name, item field naming the finding)
POLICIES = (
    ("topicPolicy", "topics", "topic", "name"),
    ("contentPolicy", "filters", "content", "type"),
    ("wordPolicy", "customWords", "word", "match"),
    ("wordPolicy", "managedWordLists", "managed_word", "type"),
    ("sensitiveInformationPolicy", "piiEntities", "pii", "type"),
    ("sensitiveInformationPolicy", "regexes", "regex", "name"),
    ("contextualGroundingPolicy", "filters", "grounding", "type"),
    ("automatedReasoningPolicy", "findings", "automated_reasoning", "type"),
)
#: Values an object read whole sets (per record: the last one set).
_SET = ("stop", "in_tokens", "out_tokens", "cache_r", "cache_w", "latency", "action")
#: Tool results inside tool results are read this deep (real bodies nest one level); blocks are ordered by
#: a 64-bit key of their positions, ``_BITS`` bits per level (at most 32,767 blocks per list).
TOOL_RESULT_DEPTH = 3
_BITS = 15
_TEXTS = "CAST([] AS VARCHAR[])"
_INTS = "CAST([] AS BIGINT[])"


#: The columns :func:`ctes` adds (``_bodies``), with their types (NULLs stand in when no body column is asked for).
OUTPUTS = {
    "_b_prompt": "VARCHAR",
    "_b_user_text": "VARCHAR",
    "_b_system": "VARCHAR",
    "_b_temperature": "DOUBLE",
    "_b_top_p": "DOUBLE",
    "_b_max_tokens": "BIGINT",
    "_b_guard_id": "VARCHAR",
    "_b_guard_version": "VARCHAR",
    "_b_media_in": "VARCHAR[]",
    "_b_response": "VARCHAR",
    "_b_stop": "VARCHAR",
    "_b_in_tokens": "BIGINT",
    "_b_out_tokens": "BIGINT",
    "_b_cache_r": "BIGINT",
    "_b_cache_w": "BIGINT",
    "_b_latency": "BIGINT",
    "_b_action": "VARCHAR",
    "_b_media_out": "VARCHAR[]",
    "_b_trace_id": "VARCHAR",
    "_b_assessment": "VARCHAR",
}


#: Fields read as JSON text (strings quoted): the bodies, and the log's own counts (present even when not
#: numbers).
JSON_FIELDS = ("input.inputBodyJson", "output.outputBodyJson", "input.inputTokenCount", "output.outputTokenCount")
#: Other fields the body columns read (typed columns where the store has them, else from ``@message``).
FIELDS = (
    "input.inputTokenCount",
    "output.outputTokenCount",
    "input.cacheReadInputTokenCount",
    "input.cacheWriteInputTokenCount",
    "input.inputBodyS3Path",
    "output.outputBodyS3Path",
)
#: The invocation frame columns read from the bodies (and their sizes and source), with their DuckDB types:
#: the store computes them once per record, at ingest (:mod:`aiaudit.derive.stored`).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("prompt", "VARCHAR"),
    ("user_text", "VARCHAR"),
    ("system_prompt", "VARCHAR"),
    ("response", "VARCHAR"),
    ("stop_reason", "VARCHAR"),
    ("temperature", "DOUBLE"),
    ("top_p", "DOUBLE"),
    ("max_tokens", "BIGINT"),
    ("input_tokens", "BIGINT"),
    ("output_tokens", "BIGINT"),
    ("cache_read_tokens", "BIGINT"),
    ("cache_write_tokens", "BIGINT"),
    ("latency_ms", "BIGINT"),
    ("guardrail_id", "VARCHAR"),
    ("guardrail_version", "VARCHAR"),
    ("guardrail_action", "VARCHAR"),
    ("guardrail_assessment", "VARCHAR"),
    ("media_uris", "VARCHAR[]"),
    ("input_body_bytes", "BIGINT"),
    ("output_body_bytes", "BIGINT"),
    ("body_source", "VARCHAR"),
)


def column_nodes(g: E.Graph) -> None:
    """Nodes giving :data:`COLUMNS` from the ``_b_*`` columns of :func:`ctes`, the sizes and sources of
    :func:`inputs` and the fields (columns named as the fields)."""
    in_tokens, out_tokens = E.quote("input.inputTokenCount"), E.quote("output.outputTokenCount")
    cache_r, cache_w = E.quote("input.cacheReadInputTokenCount"), E.quote("input.cacheWriteInputTokenCount")
    g.update(
        {
            "prompt": "_b_prompt",
            "user_text": "_b_user_text",
            "system_prompt": "_b_system",
            "response": "_b_response",
            "stop_reason": "_b_stop",
            "temperature": "_b_temperature",
            "top_p": "_b_top_p",
            "max_tokens": "_b_max_tokens",
            # the log's own counts are authoritative (a count present but not a number hides the body's)
            "input_tokens": f"(CASE WHEN _in_count_text IS NOT NULL THEN {in_tokens} ELSE _b_in_tokens END)",
            "output_tokens": f"(CASE WHEN _out_count_text IS NOT NULL THEN {out_tokens} ELSE _b_out_tokens END)",
            "cache_read_tokens": f"(CASE WHEN {cache_r} IS NOT NULL THEN {E.as_integer(cache_r)} ELSE _b_cache_r END)",
            "cache_write_tokens": f"(CASE WHEN {cache_w} IS NOT NULL THEN {E.as_integer(cache_w)} ELSE _b_cache_w END)",
            "latency_ms": "_b_latency",
            "guardrail_id": "coalesce(nullif(_b_guard_id, ''), _b_trace_id)",
            "guardrail_version": "_b_guard_version",
            "guardrail_action": (
                "(CASE WHEN _b_stop = 'guardrail_intervened' THEN 'INTERVENED'"
                " WHEN _b_action IS NOT NULL THEN _b_action"
                " WHEN _b_trace_id IS NOT NULL OR nullif(_b_guard_id, '') IS NOT NULL THEN 'NONE' END)"
            ),
            "guardrail_assessment": "_b_assessment",
            "media_uris": (
                "nullif(list_concat(coalesce(_b_media_in, []), coalesce(_b_media_out, [])), CAST([] AS VARCHAR[]))"
            ),
            "input_body_bytes": "_in_size",
            "output_body_bytes": "_out_size",
            "body_source": (
                "(CASE WHEN len(list_filter(_sources, lambda _s: _s <> 's3-local')) > 0"
                " THEN list_filter(_sources, lambda _s: _s <> 's3-local')[1]"
                " WHEN len(_sources) > 0 THEN 's3-local'"
                " WHEN coalesce(_in_size, 0) > 0 OR coalesce(_out_size, 0) > 0 THEN 'inline' END)"
            ),
        }
    )


_IN_S3 = "nullif(\"input.inputBodyS3Path\", '')"
_OUT_S3 = "nullif(\"output.outputBodyS3Path\", '')"


def offloaded(in_bytes: str, out_bytes: str) -> str:
    """A record with a body Bedrock offloaded to S3: a body's S3 path and no inline body (``in_bytes`` /
    ``out_bytes``: the stored inline sizes, NULL exactly when there is no inline body). Its stored body
    values were computed without that body; a projection that has the offloaded text computes them again."""
    return f"(({_IN_S3} IS NOT NULL AND {in_bytes} IS NULL) OR ({_OUT_S3} IS NOT NULL AND {out_bytes} IS NULL))"


def inputs(base: str, offload: bool) -> str:
    """``base`` (a SELECT of an invocation row with the fields and :data:`JSON_FIELDS` read) with the request
    and response bodies to read (``_ib``, ``_ob``: inline, else offloaded), their sizes and sources and the
    log's own counts. ``offload``: ``base`` is joined with the ``_offload`` relation of offloaded bodies
    (:mod:`aiaudit.frames.offload`); else an offloaded body reads as absent (as at ingest)."""
    in_raw = E.quote("input.inputBodyJson" + E.JSON_SUFFIX)
    out_raw = E.quote("output.outputBodyJson" + E.JSON_SUFFIX)
    if offload:
        joined = (
            "SELECT _b.*, _oi.body AS _off_in_body, _oi.size AS _off_in_size, _oi.source AS _off_in_source,"
            " _oo.body AS _off_out_body, _oo.size AS _off_out_size, _oo.source AS _off_out_source"
            f" FROM ({base}) AS _b"
            " LEFT JOIN _offload AS _oi ON _oi.which = 'input' AND _oi.path = _b.\"input.inputBodyS3Path\""
            " LEFT JOIN _offload AS _oo ON _oo.which = 'output' AND _oo.path = _b.\"output.outputBodyS3Path\""
        )
    else:
        joined = (
            "SELECT *, NULL::VARCHAR AS _off_in_body, NULL::BIGINT AS _off_in_size, NULL::VARCHAR AS _off_in_source,"
            " NULL::VARCHAR AS _off_out_body, NULL::BIGINT AS _off_out_size, NULL::VARCHAR AS _off_out_source"
            f" FROM ({base}) AS _b"
        )
    in_body, out_body = f"nullif({in_raw}, 'null')", f"nullif({out_raw}, 'null')"
    in_load = f"({in_body} IS NULL AND {_IN_S3} IS NOT NULL)"
    out_load = f"({out_body} IS NULL AND {_OUT_S3} IS NOT NULL)"

    def size(raw: str, load: str, loaded: str) -> str:
        return (
            f"(CASE WHEN {load} THEN {loaded} WHEN {raw} IS NULL THEN NULL"
            f" WHEN {E.is_str(raw)} THEN strlen({E.jstr(raw)}) ELSE strlen({raw}) END)"
        )

    return (
        f"SELECT *, CASE WHEN {in_load} THEN _off_in_body ELSE {in_body} END AS _ib,"
        f" CASE WHEN {out_load} THEN _off_out_body ELSE {out_body} END AS _ob,"
        f" {size(in_body, in_load, '_off_in_size')} AS _in_size,"
        f" {size(out_body, out_load, '_off_out_size')} AS _out_size,"
        f" list_filter([CASE WHEN {in_load} THEN _off_in_source END, CASE WHEN {out_load} THEN _off_out_source END],"
        " lambda _s: _s IS NOT NULL) AS _sources,"
        f" nullif({E.quote('input.inputTokenCount' + E.JSON_SUFFIX)}, 'null') AS _in_count_text,"
        f" nullif({E.quote('output.outputTokenCount' + E.JSON_SUFFIX)}, 'null') AS _out_count_text"
        f" FROM ({joined}) AS _o"
    )


def transform(j: str, spec: object) -> str:
    return f"json_transform({j}, {E.lit(json.dumps(spec, separators=(',', ':')))})"


def _items(content: str) -> str:
    """The blocks of a ``content`` value: a list's elements, a lone block or string, nothing else."""
    return (
        f"(CASE WHEN {E.is_arr(content)} THEN {E.elements(content)}"
        f" WHEN {E.is_obj(content)} OR {E.is_str(content)} THEN [CAST({content} AS VARCHAR)] ELSE {_TEXTS} END)"
    )


def _stop(v: str) -> str:
    """A stop reason candidate: a non-empty string, or a list whose first item is a string."""
    first = f"json_extract({v}, '$[0]')"
    return (
        f"(CASE WHEN {E.is_str(v)} THEN nullif({E.jstr(v)}, '')"
        f" WHEN {E.is_arr(v)} AND {E.is_str(first)} THEN {E.jstr(first)} END)"
    )


def _usage(u: str, which: str) -> str:
    """A token count from a usage object ``u`` (the first spelling that is set)."""
    return E.jint(f"coalesce({', '.join(f'{u}.{k}' for k in _USAGE_KEYS[which])})")


def _each(items: str, fn: str, empty: str = _TEXTS) -> str:
    return f"coalesce(list_transform({items}, lambda _x: {fn}), {empty})"


def _last(parts: list[str | list[str]]) -> str:
    """The last value set (not NULL) of ``parts`` in order: each a list of scalar SQL values or the SQL of a
    list. Scalars are read by ``coalesce`` from the last back (building a list per object and filtering it
    cost more than the rest of reading an object)."""
    values: list[str] = []
    for part in reversed(parts):
        values += list(reversed(part)) if isinstance(part, list) else [E.last(part)]
    return f"coalesce({', '.join(values)})"


def _traces(guard: str) -> str:
    """Guardrail assessment items of a ``trace.guardrail`` value: ``{stage, item}`` (item as JSON text)."""
    parts = []
    for key, stage in (
        ("inputAssessment", "input"),
        ("input", "input"),
        ("outputAssessments", "output"),
        ("outputs", "output"),
    ):
        value = f"json_extract({guard}, '$.{key}')"
        items = f"(CASE WHEN {E.is_arr(value)} THEN {E.elements(value)} ELSE [CAST({value} AS VARCHAR)] END)"
        parts.append(
            f"list_transform(list_filter({items}, lambda _g: {E.is_obj('_g')}),"
            f" lambda _g: struct_pack(stage := '{stage}', item := _g))"
        )
    return f"(CASE WHEN {E.is_obj(guard)} THEN list_concat({', '.join(parts)}) END)"


def _findings(entry: str, stage: str) -> str:
    """Findings of one assessment object (JSON text): ``stage.policy:name=ACTION`` per policy item."""
    parts = []
    for policy, list_key, short, name_key in POLICIES:
        items = f"json_extract({entry}, {E.lit('$.' + policy + '.' + list_key)})"
        spec = E.lit(json.dumps([{name_key: "JSON", "action": "JSON"}]))
        finding = (
            f"{stage} || {E.lit('.' + short + ':')} || {E.pystr('_it.' + name_key)} || '=' || {E.pystr('_it.action')}"
        )
        objects = f"list_filter({E.elements(items)}, lambda _i: {E.is_obj('_i')})"
        as_array = f"'[' || array_to_string({objects}, ',') || ']'"
        item_list = f"list_transform(json_transform({as_array}, {spec}), lambda _it: {finding})"
        policy_obj = f"json_extract({entry}, {E.lit('$.' + policy)})"
        parts.append(f"(CASE WHEN {E.is_obj(policy_obj)} AND {E.is_arr(items)} THEN {item_list} ELSE {_TEXTS} END)")
    return f"list_concat({', '.join(parts)})"


def _media_uri(block: str) -> str:
    """``source.s3Uri``, else ``source.s3Location.uri`` (the first that is set), when it is a string."""
    uri, loc = f"{block}.source.s3Uri", f"{block}.source.s3Location.uri"
    truthy = f"({uri} IS NOT NULL AND {uri} NOT IN ('\"\"', 'false', '0', '0.0', '[]', '{{}}'))"
    return f"(CASE WHEN {truthy} THEN {E.jstr(uri)} ELSE {E.jstr(loc)} END)"


def ctes(source: str) -> list[tuple[str, str]]:
    """The CTEs reading the bodies of ``source`` (a relation with ``_rid``, ``_ib`` and ``_ob``: request
    and response body as JSON text, NULL when absent) into ``_bodies``: one row per ``_rid`` with the
    ``_b_*`` columns the invocations projection uses. Must run in a ``WITH RECURSIVE``."""
    i = "_r.i"
    sys_value = f"{i}.system"
    b = "_k.b"
    is_tool = _block_kinds(b)[3]
    nested = (
        f"(CASE WHEN {E.is_obj(f'{b}.toolResult')} THEN json_extract({b}.toolResult, '$.content') ELSE {b}.content END)"
    )
    block_of = f"(CASE WHEN {E.is_obj('_e')} THEN {transform('_e', _BLOCK)} END)"
    o = "_v.o"
    t = f"{o}.type"
    metrics = f'{o}."amazon-bedrock-invocationMetrics"'
    start = f"(CASE WHEN {t} = '\"message_start\"' THEN {o}.message.usage END)"
    heads, tails = [f"{o}.metadata.usage", start], [f"{o}.meta.billed_units", f"{o}.usage"]

    def tokens(which: str, middle: list[str]) -> list[str | list[str]]:
        return [[_usage(u, which) for u in heads] + middle + [_usage(u, which) for u in tails]]

    cohere = (
        f"(CASE WHEN {E.is_str(f'{o}.text')} AND {t} IS NULL AND NOT {E.is_obj(f'{o}.output')}"
        f" AND ({o}.event_type IS NULL OR {o}.event_type = '\"text-generation\"') THEN {E.jstr(f'{o}.text')} END)"
    )
    choices = f"json_transform({o}.choices, {E.lit(json.dumps([_CHOICE]))})"
    out_tokens: list[str | list[str]] = [
        [_usage(u, "out") for u in heads] + [E.jint(f"{metrics}.outputTokenCount")],
        _each(f"{o}.results", E.jint("_x.tokenCount"), _INTS),
        [E.jint(f"{o}.totalOutputTextTokenCount")]
        + [f"(CASE WHEN NOT _v.streamed THEN {E.jint(f'{o}.generation_token_count')} END)"]
        + [_usage(u, "out") for u in tails],
    ]
    message = f"json_extract({o}.output, '$.message')"
    pieces = E.concat(
        f"[{E.jstr(f'{o}.contentBlockDelta.delta.text')}]",
        f"coalesce(_c_out.t, {_TEXTS})",
        f"coalesce(_c_anth.t, {_TEXTS})",
        f"[CASE WHEN {t} = '\"content_block_start\"' THEN {E.jstr(f'{o}.content_block.text')} END]",
        f"[CASE WHEN {t} = '\"content_block_delta\"' THEN {E.jstr(f'{o}.delta.text')} END]",
        f"[{E.jstr(f'{o}.completion')}]",
        _each(f"{o}.results", E.jstr("_x.outputText")),
        f"[{E.jstr(f'{o}.outputText')}]",
        f"[{E.jstr(f'{o}.generation')}]",
        f"[{cohere}]",
        _each(f"{o}.generations", E.jstr("_x.text")),
        _each(f"{o}.outputs", E.jstr("_x.text")),
        f"coalesce(_c_choice.t, {_TEXTS})",
        _each(f"{o}.completions", E.jstr("_x.data.text")),
    )
    stops: list[str | list[str]] = [
        [
            _stop(f"{o}.messageStop.stopReason"),
            f"(CASE WHEN {t} = '\"message_delta\"' THEN {_stop(f'{o}.delta.stop_reason')} END)",
        ],
        _each(f"{o}.results", _stop("_x.completionReason")),
        [_stop(f"{o}.completionReason")],
        _each(f"{o}.generations", _stop("_x.finish_reason")),
        _each(f"{o}.outputs", _stop("_x.stop_reason")),
        _each(choices, _stop("coalesce(_x.finish_reason, _x.stop_reason)")),
        _each(f"{o}.completions", _stop("_x.finishReason.reason")),
        [_stop(f"coalesce({o}.stopReason, {o}.stop_reason, {o}.finish_reason)")],
    ]
    latency: list[str | list[str]] = [
        [
            E.jint(f"{o}.metadata.metrics.latencyMs"),
            E.jint(f"{metrics}.invocationLatency"),
            f"(CASE WHEN NOT _v.streamed THEN {E.jint(f'{o}.metrics.latencyMs')} END)",
        ]
    ]
    bedrock_trace = o + '."amazon-bedrock-trace".guardrail'
    action = o + '."amazon-bedrock-guardrailAction"'
    traces = E.concat(
        f"coalesce({_traces(f'{o}.metadata.trace.guardrail')}, [])",
        f"coalesce({_traces(bedrock_trace)}, [])",
        f"coalesce({_traces(f'{o}.trace.guardrail')}, [])",
    )

    chat = (
        f'list_transform(list_filter(json_transform({i}.chat_history, \'[{{"role":"JSON","message":"JSON"}}]\'),'
        f" lambda _t: upper({E.pystr('_t.role')}) = 'USER'),"
        f" lambda _t: (CASE WHEN _t.message IS NULL OR _t.message IN ('\"\"', 'false', '0') THEN ''"
        f" ELSE {E.jscalar('_t.message')} END))"
    )
    texts = f"list_transform({E.elements(f'{i}.texts')}, lambda _s: {E.jstr('_s')})"
    in_tokens = tokens(
        "in",
        [E.jint(f"{metrics}.inputTokenCount"), E.jint(f"{o}.inputTextTokenCount"), E.jint(f"{o}.prompt_token_count")],
    )
    event_media = E.concat(
        f"coalesce(_c_out.m, {_TEXTS})", f"coalesce(_c_anth.m, {_TEXTS})", f"coalesce(_c_choice.m, {_TEXTS})"
    )
    cfg, titan = f"{i}.inferenceConfig", f"{i}.textGenerationConfig"
    # a stream's elements: objects as they are, events given as text parsed (NULL: "[DONE]", not JSON, no object)
    events = (
        f"list_transform(_es, lambda _v: CASE WHEN {E.is_obj('_v')} THEN _v"
        f" WHEN {E.is_str('_v')} THEN {E.let(E.strip(E.jstr('_v')), '_sv', _event_text('_sv'))} END)"
    )
    texty = f"list_bool_or(list_transform(_es, lambda _v: {E.is_str('_v')}))"
    # the list parsed as a whole: the stream itself, or (when an event was given as text) the events written
    # back into an array, each in its place
    whole = (
        "(CASE WHEN _texty THEN '[' || array_to_string(list_transform(es, lambda _v: coalesce(_v, 'null')), ',')"
        " || ']' ELSE _ob END)"
    )
    # a text delta: an Anthropic delta without a guardrail action, or an object holding only a Converse delta
    # (its keys read only for the objects that hold one)
    fast = (
        '(_f.type = \'"content_block_delta"\' AND _f."amazon-bedrock-guardrailAction" IS NULL)'
        " OR (CASE WHEN _f.contentBlockDelta IS NOT NULL THEN json_keys(es[_x]) = ['contentBlockDelta'] END)"
    )
    guard_cfg = f"{i}.guardrailConfig"
    return [
        ("_req", f"SELECT _rid, {transform('_ib', _INPUT)} AS i FROM {source} WHERE {E.is_obj('_ib')}"),
        (
            "_msg",
            f"SELECT _rid, mi, {transform('m', {'role': 'JSON', 'content': 'JSON'})} AS m FROM ("
            f" SELECT _rid, unnest(ms) AS m, generate_subscripts(ms, 1) AS mi FROM ("
            f" SELECT _rid, {E.elements(f'{i}.messages')} AS ms FROM _req AS _r WHERE {E.is_arr(f'{i}.messages')}))"
            f" WHERE {E.is_obj('m')}",
        ),
        (
            "_stream",  # per stream record, its events as lists (one row per record, not one per event): ``parts``
            # the text of each text delta (NULL elsewhere), ``nf`` the other events (read whole) and their places
            "SELECT _rid, list_transform(fast, lambda _t, _x: CASE WHEN _t THEN"
            f" {E.jstr('coalesce(_fs[_x].delta.text, _fs[_x].contentBlockDelta.delta.text)')} END) AS parts,"
            " list_transform(list_filter(range(1, len(es) + 1), lambda _x: NOT fast[_x]),"
            " lambda _x: struct_pack(oi := _x, e := es[_x])) AS nf FROM ("
            "SELECT _rid, es, _fs, list_transform(_fs, lambda _f, _x:"
            f" CASE WHEN {E.is_obj('es[_x]')} THEN coalesce({fast}, false) END) AS fast FROM ("
            f" SELECT _rid, es, {transform(whole, [_FAST])} AS _fs FROM ("
            f" SELECT _rid, _ob, _texty, CASE WHEN _texty THEN {events} ELSE _es END AS es FROM ("
            f" SELECT _rid, _ob, _es, {texty} AS _texty FROM ("
            f" SELECT _rid, _ob, {E.elements('_ob')} AS _es FROM {source} WHERE {E.is_arr('_ob')})))))",
        ),
        (
            "_ev_all",  # objects read whole: a dict body (oi 0), or a stream's events that are not text deltas
            f"SELECT _rid, 0 AS oi, false AS streamed, _ob AS e FROM {source} WHERE {E.is_obj('_ob')}"
            " UNION ALL SELECT _rid, _z.oi, true, _z.e FROM ("
            " SELECT _rid, unnest(nf) AS _z FROM _stream)",
        ),
        (
            "_ev",
            f"SELECT _rid, oi, streamed, {transform('e', _OBJECT)} AS o FROM _ev_all",
        ),
        (
            "_content",  # every value holding content blocks: (record, where, position, content)
            "SELECT _rid, 'msg' AS grp, mi AS g1, 0 AS g2, m.content AS c FROM _msg"
            f" UNION ALL SELECT _rid, 'sys', 0, 0, {sys_value} FROM _req AS _r"
            f" WHERE {E.is_obj(sys_value)} OR {E.is_arr(sys_value)}"
            f" UNION ALL SELECT _rid, 'out', oi, 0, json_extract({message}, '$.content') FROM _ev AS _v"
            f" WHERE {E.is_obj(message)}"
            f" UNION ALL SELECT _rid, 'anth', oi, 0, {o}.content FROM _ev AS _v"
            f" WHERE {t} = '\"message\"' AND {E.is_arr(f'{o}.content')}"
            " UNION ALL SELECT _rid, 'choice', oi, ci, coalesce(ch.message.content, ch.delta.content, ch.text) FROM ("
            f" SELECT _rid, oi, unnest(chs) AS ch, generate_subscripts(chs, 1) AS ci FROM ("
            f" SELECT _rid, oi, {choices} AS chs FROM _ev AS _v))",
        ),
        (
            "_items",  # per content value: its items (JSON texts) and blocks, and whether one is a tool result
            f"SELECT *, coalesce(list_bool_or(list_transform(bs, lambda _b: {_block_kinds('_b')[3]})), false) AS tool"
            f" FROM (SELECT *, list_transform(es, lambda _e: {block_of}) AS bs FROM ("
            f" SELECT _rid, grp, g1, g2, {_items('c')} AS es FROM _content))",
        ),
        (
            "_blocks",  # blocks of content holding tool results, recursively: path orders them as Python walked them
            f"SELECT _rid, grp, g1, g2, bi::BIGINT << {_BITS * TOOL_RESULT_DEPTH} AS path, 0 AS depth, _e AS item, b"
            " FROM (SELECT _rid, grp, g1, g2, unnest(es) AS _e, unnest(bs) AS b, generate_subscripts(es, 1) AS bi"
            " FROM _items WHERE tool)"
            " UNION ALL"
            " SELECT _rid, grp, g1, g2,"
            f" path + (bi::BIGINT << ({_BITS} * ({TOOL_RESULT_DEPTH} - depth - 1))), depth + 1,"
            f" _e, {block_of} FROM ("
            " SELECT _rid, grp, g1, g2, path, depth, unnest(es) AS _e, generate_subscripts(es, 1) AS bi FROM ("
            f" SELECT _rid, grp, g1, g2, path, depth, {_items(nested)} AS es FROM _blocks AS _k"
            f" WHERE {is_tool} AND depth < {TOOL_RESULT_DEPTH}))",
        ),
        (
            "_block_text",
            "SELECT _rid, grp, g1, g2, path,"
            f" path + (1::BIGINT << ({_BITS} * ({TOOL_RESULT_DEPTH} - depth))) - 1 AS media_key,"
            f" {_block_text('item', b)} AS text, {_block_media(b)} AS media"
            " FROM _blocks AS _k",
        ),
        (
            "_texts",  # per content value: its texts and media URIs in order (nested media before the block's own);
            # content without tool results (nearly all) read by list functions, the rest from its block rows
            "SELECT _rid, grp, g1, g2,"
            f" list_filter(list_transform(bs, lambda _b, _x: {_block_text('es[_x]', '_b')}), lambda _v: _v IS NOT NULL)"
            f" AS t, flatten(list_transform(bs, lambda _b: {_block_media('_b')})) AS m"
            " FROM _items WHERE NOT tool AND len(es) > 0"
            " UNION ALL"
            " SELECT _rid, grp, g1, g2, coalesce(list(text ORDER BY path) FILTER (WHERE text IS NOT NULL), []) AS t,"
            " coalesce(flatten(list(media ORDER BY media_key)), []) AS m"
            " FROM _block_text GROUP BY _rid, grp, g1, g2",
        ),
        (
            "_req_msgs",
            "SELECT _m._rid,"
            f" list(coalesce({E.join('_c.t')}, '') ORDER BY _m.mi)"
            " FILTER (WHERE role IN ('user', 'tool', '')) AS turns,"
            " flatten(list(coalesce(_c.t, []) ORDER BY _m.mi) FILTER (WHERE role IN ('system', 'developer'))) AS sys,"
            " flatten(list(coalesce(_c.m, []) ORDER BY _m.mi)) AS media"
            " FROM (SELECT _rid, mi, CASE WHEN m.role IS NULL OR m.role IN ('\"\"', 'false', '0') THEN ''"
            f" WHEN {E.is_str('m.role')} THEN lower({E.jstr('m.role')}) ELSE lower(CAST(m.role AS VARCHAR)) END AS role"
            " FROM _msg) AS _m"
            " LEFT JOIN _texts AS _c ON _c._rid = _m._rid AND _c.grp = 'msg' AND _c.g1 = _m.mi"
            " GROUP BY _m._rid",
        ),
        (
            "_request",
            "SELECT _r._rid,"
            f" CASE WHEN {E.is_arr(f'{i}.messages')} THEN coalesce(_q.turns, {_TEXTS})"
            f" WHEN {E.is_str(f'{i}.inputText')} THEN [{E.jstr(f'{i}.inputText')}]"
            f" WHEN {E.is_str(f'{i}.message')} THEN list_concat(coalesce({chat}, {_TEXTS}), [{E.jstr(f'{i}.message')}])"
            f" WHEN {E.is_str(f'{i}.prompt')} THEN [{E.jstr(f'{i}.prompt')}]"
            f" WHEN {E.is_arr(f'{i}.texts')} THEN [coalesce({E.join(texts)}, '')]"
            f" ELSE {_TEXTS} END AS turns,"
            + E.join(
                E.concat(
                    f"[{E.jstr(f'{i}.preamble')}]",
                    f"(CASE WHEN {E.is_str(sys_value)} THEN [{E.jstr(sys_value)}] ELSE coalesce(_s.t, {_TEXTS}) END)",
                    f"coalesce(_q.sys, {_TEXTS})",
                )
            )
            + " AS system,"
            + f" list_concat(coalesce(_q.media, {_TEXTS}), coalesce(_s.m, {_TEXTS})) AS media,"
            f" {E.jfloat(f'coalesce({cfg}.temperature, {i}.temperature, {titan}.temperature)')} AS temperature,"
            f" {E.jfloat(f'coalesce({cfg}.topP, {cfg}.top_p, {i}.top_p, {i}.topP, {i}.p, {titan}.topP)')} AS top_p,"
            + E.jint(
                f"coalesce({cfg}.maxTokens, {cfg}.max_new_tokens, {i}.max_tokens, {i}.max_tokens_to_sample,"
                f" {i}.max_gen_len, {i}.maxTokens, {i}.max_completion_tokens, {titan}.maxTokenCount)"
            )
            + " AS max_tokens,"
            f" CASE WHEN {guard_cfg}.guardrailIdentifier IS NOT NULL"
            f" THEN {E.pystr(f'{guard_cfg}.guardrailIdentifier')} END"
            " AS guard_id,"
            f" CASE WHEN {guard_cfg}.guardrailVersion IS NOT NULL THEN {E.pystr(f'{guard_cfg}.guardrailVersion')} END"
            " AS guard_version"
            " FROM _req AS _r LEFT JOIN _req_msgs AS _q ON _q._rid = _r._rid"
            " LEFT JOIN _texts AS _s ON _s._rid = _r._rid AND _s.grp = 'sys'",
        ),
        (
            "_choice_texts",
            "SELECT _rid, g1 AS oi, flatten(list(t ORDER BY g2)) AS t, flatten(list(m ORDER BY g2)) AS m"
            " FROM _texts WHERE grp = 'choice' GROUP BY _rid, g1",
        ),
        (
            "_events",  # per object read whole: its values in the order it sets them (last set wins)
            "SELECT _rid, oi, streamed, array_to_string(_p, '') AS text, _p AS pieces, stop, in_tokens, out_tokens,"
            " cache_r, cache_w, latency, action, traces, media FROM ("
            f"SELECT _v._rid, _v.oi, _v.streamed, {pieces} AS _p,"
            f" {_last(stops)} AS stop,"
            f" {_last(in_tokens)} AS in_tokens,"
            f" {_last(out_tokens)} AS out_tokens,"
            f" {_last(tokens('cache_r', [E.jint(f'{metrics}.cacheReadInputTokenCount')]))} AS cache_r,"
            f" {_last(tokens('cache_w', [E.jint(f'{metrics}.cacheWriteInputTokenCount')]))} AS cache_w,"
            f" {_last(latency)} AS latency,"
            f" {E.jstr(action)} AS action,"
            f" {traces} AS traces,"
            f" {event_media} AS media"
            " FROM _ev AS _v"
            " LEFT JOIN _texts AS _c_out ON _c_out._rid = _v._rid AND _c_out.grp = 'out' AND _c_out.g1 = _v.oi"
            " LEFT JOIN _texts AS _c_anth ON _c_anth._rid = _v._rid AND _c_anth.grp = 'anth' AND _c_anth.g1 = _v.oi"
            " LEFT JOIN _choice_texts AS _c_choice ON _c_choice._rid = _v._rid AND _c_choice.oi = _v.oi)",
        ),
        (
            "_trace_items",
            "SELECT _rid, oi, ti, tr.stage AS stage, tr.item AS item FROM ("
            " SELECT _rid, oi, unnest(traces) AS tr, generate_subscripts(traces, 1) AS ti FROM _events)",
        ),
        (
            "_assessments",
            "SELECT _rid, oi, ti, ki, k, stage,"
            " json_extract(item, '/' || replace(replace(k, '~', '~0'), '/', '~1')) AS a FROM ("
            " SELECT _rid, oi, ti, stage, item, unnest(json_keys(item)) AS k,"
            " generate_subscripts(json_keys(item), 1) AS ki"
            " FROM _trace_items)",
        ),
        (
            "_guard",
            "SELECT _rid, arg_min(k, [oi, ti, ki]) AS trace_id,"
            " nullif(array_to_string(flatten(list(f ORDER BY oi, ti, ki, ei)), '; '), '') AS assessment FROM ("
            " SELECT _rid, oi, ti, ki, k, ei,"
            f" CASE WHEN {E.is_obj('en')} THEN {_findings('en', 'stage')} ELSE {_TEXTS} END AS f"
            " FROM (SELECT _rid, oi, ti, ki, k, stage, unnest(es) AS en, generate_subscripts(es, 1) AS ei FROM ("
            f" SELECT *, CASE WHEN {E.is_arr('a')} THEN {E.elements('a')} ELSE [CAST(a AS VARCHAR)] END AS es"
            " FROM _assessments)))"
            " GROUP BY _rid",
        ),
        (
            "_stream_text",  # a stream's response: every event's text in order (a delta's own, else its object's):
            # the deltas before each event read whole, then its text
            "SELECT _s._rid, nullif(array_to_string(list_transform(range(1, len(_s.nf) + 2), lambda _k:"
            " array_to_string(_s.parts[CASE WHEN _k > 1 THEN _s.nf[_k - 1].oi ELSE 0 END + 1"
            " : coalesce(_s.nf[_k].oi, len(_s.parts) + 1) - 1], '') || coalesce(_n.t[_k], '')), ''), '') AS text"
            " FROM _stream AS _s LEFT JOIN (SELECT _rid, list(text ORDER BY oi) AS t FROM _events WHERE streamed"
            " GROUP BY _rid) AS _n ON _n._rid = _s._rid",
        ),
        (
            "_response",  # over the objects read whole: the last value each kind was set to (a dict body is
            # its record's one object, read as it is; a stream's objects are aggregated)
            f"SELECT _rid, {E.join('pieces')} AS joined, {', '.join(_SET)},"
            " action = 'INTERVENED' AS intervened, media FROM _events WHERE NOT streamed"
            " UNION ALL SELECT _e._rid, NULL::VARCHAR,"
            + ", ".join(f"arg_max(_e.{col}, _e.oi) FILTER (WHERE _e.{col} IS NOT NULL)" for col in _SET)
            + ", bool_or(_e.action = 'INTERVENED'), flatten(list(_e.media ORDER BY _e.oi))"
            " FROM _events AS _e WHERE _e.streamed GROUP BY _e._rid",
        ),
        (
            "_bodies",
            f"SELECT _s._rid,"
            f" CASE WHEN {E.is_str('_s._ib')} THEN nullif({E.jstr('_s._ib')}, '')"
            " WHEN len(_rq.turns) > 0 THEN nullif(_rq.turns[-1], '') END AS _b_prompt,"
            f" CASE WHEN {E.is_str('_s._ib')} THEN nullif({E.jstr('_s._ib')}, '') ELSE {E.join('_rq.turns')} END"
            " AS _b_user_text,"
            " _rq.system AS _b_system, _rq.temperature AS _b_temperature, _rq.top_p AS _b_top_p,"
            " _rq.max_tokens AS _b_max_tokens, _rq.guard_id AS _b_guard_id, _rq.guard_version AS _b_guard_version,"
            " _rq.media AS _b_media_in,"
            f" CASE WHEN {E.is_str('_s._ob')} THEN nullif({E.jstr('_s._ob')}, '')"
            " ELSE coalesce(_rs.joined, _st.text) END"
            " AS _b_response,"
            " _rs.stop AS _b_stop, _rs.in_tokens AS _b_in_tokens, _rs.out_tokens AS _b_out_tokens,"
            " _rs.cache_r AS _b_cache_r, _rs.cache_w AS _b_cache_w, _rs.latency AS _b_latency,"
            " CASE WHEN _rs.intervened THEN 'INTERVENED' ELSE _rs.action END AS _b_action,"
            " _rs.media AS _b_media_out, _g.trace_id AS _b_trace_id, _g.assessment AS _b_assessment"
            f" FROM {source} AS _s LEFT JOIN _request AS _rq ON _rq._rid = _s._rid"
            " LEFT JOIN _response AS _rs ON _rs._rid = _s._rid LEFT JOIN _guard AS _g ON _g._rid = _s._rid"
            " LEFT JOIN _stream_text AS _st ON _st._rid = _s._rid",
        ),
    ]


def _block_kinds(b: str) -> tuple[str, str, str, str]:
    """What a content block ``b`` (a ``_BLOCK`` struct) is: its ``type``, whether its ``text`` is its text,
    its guarded text, whether it is a tool result (read through to its own content)."""
    kind = f"{b}.type"
    text_ok = f"({E.is_str(f'{b}.text')} AND ({kind} IS NULL OR {kind} IN ('\"text\"', '\"input_text\"')))"
    guard = f"{b}.guardContent.text.text"
    is_tool = (
        f"(NOT {text_ok} AND NOT {E.is_str(guard)} AND ({E.is_obj(f'{b}.toolResult')} OR {kind} = '\"tool_result\"'))"
    )
    return kind, text_ok, guard, is_tool


def _block_text(item: str, b: str) -> str:
    """The text of a content item (``item`` its JSON text, ``b`` its ``_BLOCK`` struct): a string item, a
    text block's text, guarded text, a ``json`` block's JSON; NULL for a tool result (its content is read)."""
    kind, text_ok, guard, is_tool = _block_kinds(b)
    return (
        f"CASE WHEN {E.is_str(item)} THEN {E.jstr(item)}"
        f" WHEN {text_ok} THEN {E.jstr(f'{b}.text')} WHEN {E.is_str(guard)} THEN {E.jstr(guard)}"
        f" WHEN {is_tool} THEN NULL"
        f" WHEN {kind} IS NULL AND ({E.is_obj(f'{b}.json')} OR {E.is_arr(f'{b}.json')})"
        f" THEN CAST({b}.json AS VARCHAR)"
        " END"
    )


def _block_media(b: str) -> str:
    """The S3 URIs of a content block's document, image and video sources (those that are set)."""
    return E.nonnull("[" + ", ".join(_media_uri(f"{b}.{k}") for k in ("document", "image", "video")) + "]")


def _event_text(v: str) -> str:
    """A stream event given as text (``v`` stripped): its JSON object text, or NULL (``[DONE]``, not JSON)."""
    return f"(CASE WHEN {v} <> '[DONE]' AND {E.is_obj(v)} AND json_valid({v}) THEN {v} END)"
