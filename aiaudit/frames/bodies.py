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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiaudit.frames.paths import as_float, as_int

TURN_SEP = "\n"


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _get(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _join(parts: list[str], sep: str = TURN_SEP) -> str | None:
    parts = [p for p in parts if p]
    return sep.join(parts) if parts else None


# -- input ----------------------------------------------------------------------------------------


def _block_texts(content: Any, media: list[str]) -> list[str]:
    """Texts in one message's ``content`` (string, block, or list of blocks)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    out: list[str] = []
    for block in content:
        if isinstance(block, str):
            out.append(block)
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if isinstance(block.get("text"), str) and kind in (None, "text", "input_text"):
            out.append(block["text"])
        elif isinstance(_get(block, "guardContent", "text", "text"), str):
            out.append(block["guardContent"]["text"]["text"])
        elif isinstance(block.get("toolResult"), dict):
            out.extend(_block_texts(block["toolResult"].get("content"), media))
        elif kind == "tool_result":
            out.extend(_block_texts(block.get("content"), media))
        elif isinstance(block.get("json"), (dict, list)) and kind is None:
            out.append(json.dumps(block["json"], ensure_ascii=False, separators=(",", ":")))
        for key in ("document", "image", "video"):
            uri = _get(block, key, "source", "s3Uri") or _get(block, key, "source", "s3Location", "uri")
            if isinstance(uri, str):
                media.append(uri)
    return out


@dataclass
class InputView:
    prompt: str | None = None
    user_text: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    guardrail_id: str | None = None
    guardrail_version: str | None = None
    media_uris: list[str] = field(default_factory=list)


def read_input(body: Any) -> InputView:
    """Prompt, system prompt and sampling parameters of a request body (any provider)."""
    view = InputView()
    if isinstance(body, str):
        view.prompt = view.user_text = body or None
        return view
    if not isinstance(body, dict):
        return view
    media: list[str] = []
    user_turns: list[str] = []
    system: list[str] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        for msg in messages:
            if not isinstance(msg, dict):
                continue
            role = str(msg.get("role") or "").lower()
            texts = _block_texts(msg.get("content"), media)
            if role in ("system", "developer"):
                system.extend(texts)
            elif role in ("user", "tool", ""):
                user_turns.append(_join(texts) or "")
    elif isinstance(body.get("inputText"), str):  # Titan
        user_turns.append(body["inputText"])
    elif isinstance(body.get("message"), str):  # Cohere Command R
        for turn in body.get("chat_history") or []:
            if isinstance(turn, dict) and str(turn.get("role", "")).upper() == "USER":
                user_turns.append(str(turn.get("message") or ""))
        user_turns.append(body["message"])
    elif isinstance(body.get("prompt"), str):  # Llama, Mistral text, Cohere Command, AI21, Claude text
        user_turns.append(body["prompt"])
    elif isinstance(body.get("texts"), list):  # Cohere embed
        user_turns.append(_join([t for t in body["texts"] if isinstance(t, str)]) or "")
    sys_value = body.get("system")
    if isinstance(sys_value, str):
        system.insert(0, sys_value)
    elif isinstance(sys_value, (list, dict)):
        system[:0] = _block_texts(sys_value, media)
    if isinstance(body.get("preamble"), str):
        system.insert(0, body["preamble"])
    view.prompt = user_turns[-1] or None if user_turns else None
    view.user_text = _join(user_turns)
    view.system_prompt = _join(system)
    cfg = _obj(body.get("inferenceConfig"))
    titan = _obj(body.get("textGenerationConfig"))
    view.temperature = as_float(_first(cfg.get("temperature"), body.get("temperature"), titan.get("temperature")))
    view.top_p = as_float(
        _first(cfg.get("topP"), cfg.get("top_p"), body.get("top_p"), body.get("topP"), body.get("p"), titan.get("topP"))
    )
    view.max_tokens = as_int(
        _first(
            cfg.get("maxTokens"),
            cfg.get("max_new_tokens"),
            body.get("max_tokens"),
            body.get("max_tokens_to_sample"),
            body.get("max_gen_len"),
            body.get("maxTokens"),
            body.get("max_completion_tokens"),
            titan.get("maxTokenCount"),
        )
    )
    guard = body.get("guardrailConfig")
    if isinstance(guard, dict):
        gid = guard.get("guardrailIdentifier")
        view.guardrail_id = str(gid) if gid is not None else None
        ver = guard.get("guardrailVersion")
        view.guardrail_version = str(ver) if ver is not None else None
    view.media_uris = media
    return view


# -- output ---------------------------------------------------------------------------------------


@dataclass
class OutputView:
    response: str | None = None
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    latency_ms: int | None = None
    guardrail_action: str | None = None
    guardrail_traces: list[dict[str, Any]] = field(default_factory=list)  # {"input"|"output": {id: assessment}}
    media_uris: list[str] = field(default_factory=list)


def _usage(view: OutputView, usage: Any) -> None:
    if not isinstance(usage, dict):
        return
    view.input_tokens = _first(
        as_int(_first(usage.get("inputTokens"), usage.get("input_tokens"), usage.get("prompt_tokens"))),
        view.input_tokens,
    )
    view.output_tokens = _first(
        as_int(_first(usage.get("outputTokens"), usage.get("output_tokens"), usage.get("completion_tokens"))),
        view.output_tokens,
    )
    view.cache_read_tokens = _first(
        as_int(
            _first(
                usage.get("cacheReadInputTokens"),
                usage.get("cacheReadInputTokenCount"),
                usage.get("cache_read_input_tokens"),
            )
        ),
        view.cache_read_tokens,
    )
    view.cache_write_tokens = _first(
        as_int(
            _first(
                usage.get("cacheWriteInputTokens"),
                usage.get("cacheCreationInputTokens"),
                usage.get("cacheWriteInputTokenCount"),
                usage.get("cache_creation_input_tokens"),
            )
        ),
        view.cache_write_tokens,
    )


def _stop(view: OutputView, value: Any) -> None:
    if isinstance(value, str) and value:
        view.stop_reason = value
    elif isinstance(value, list) and value and isinstance(value[0], str):
        view.stop_reason = value[0]


def _guard_trace(view: OutputView, trace: Any) -> None:
    """Collect guardrail assessments from Converse ``trace.guardrail`` or ``amazon-bedrock-trace``."""
    guard = trace.get("guardrail") if isinstance(trace, dict) else None
    if not isinstance(guard, dict):
        return
    for key, stage in (
        ("inputAssessment", "input"),
        ("input", "input"),
        ("outputAssessments", "output"),
        ("outputs", "output"),
    ):
        value = guard.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                view.guardrail_traces.append({stage: item})


def _one_object(view: OutputView, obj: dict[str, Any], pieces: list[str], streamed: bool) -> None:
    """Read one output body, or one stream event, into ``view``; text goes to ``pieces``."""
    if streamed:  # fast path for the bulk of a stream: plain text deltas
        if obj.get("type") == "content_block_delta" and "amazon-bedrock-guardrailAction" not in obj:
            delta = obj.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("text"), str):
                pieces.append(delta["text"])
            return
        if len(obj) == 1 and "contentBlockDelta" in obj:
            delta = _get(obj, "contentBlockDelta", "delta")
            if isinstance(delta, dict) and isinstance(delta.get("text"), str):
                pieces.append(delta["text"])
            return
    media = view.media_uris
    # ConverseStream events arrive wrapped: {"contentBlockDelta": {...}}, {"messageStop": {...}}, {"metadata": {...}}
    if "contentBlockDelta" in obj:
        delta = _get(obj, "contentBlockDelta", "delta")
        if isinstance(delta, dict) and isinstance(delta.get("text"), str):
            pieces.append(delta["text"])
    if "messageStop" in obj:
        _stop(view, _get(obj, "messageStop", "stopReason"))
    if isinstance(obj.get("metadata"), dict):
        meta = obj["metadata"]
        _usage(view, meta.get("usage"))
        view.latency_ms = _first(as_int(_get(meta, "metrics", "latencyMs")), view.latency_ms)
        _guard_trace(view, meta.get("trace"))
    kind = obj.get("type")
    # Converse / Nova
    message = _get(obj, "output", "message")
    if isinstance(message, dict):
        pieces.extend(_block_texts(message.get("content"), media))
    # Anthropic messages (whole) and SSE events
    if kind == "message" and isinstance(obj.get("content"), list):
        pieces.extend(_block_texts(obj["content"], media))
    if kind == "message_start":
        _usage(view, _get(obj, "message", "usage"))
    if kind == "content_block_start" and isinstance(_get(obj, "content_block", "text"), str):
        pieces.append(obj["content_block"]["text"])
    if kind == "content_block_delta" and isinstance(_get(obj, "delta", "text"), str):
        pieces.append(obj["delta"]["text"])
    if kind == "message_delta":
        _stop(view, _get(obj, "delta", "stop_reason"))
    metrics = obj.get("amazon-bedrock-invocationMetrics")
    if isinstance(metrics, dict):
        view.input_tokens = _first(as_int(metrics.get("inputTokenCount")), view.input_tokens)
        view.output_tokens = _first(as_int(metrics.get("outputTokenCount")), view.output_tokens)
        view.latency_ms = _first(as_int(metrics.get("invocationLatency")), view.latency_ms)
        view.cache_read_tokens = _first(as_int(metrics.get("cacheReadInputTokenCount")), view.cache_read_tokens)
        view.cache_write_tokens = _first(as_int(metrics.get("cacheWriteInputTokenCount")), view.cache_write_tokens)
    action = obj.get("amazon-bedrock-guardrailAction")
    if isinstance(action, str):
        view.guardrail_action = (
            "INTERVENED" if action == "INTERVENED" or view.guardrail_action == "INTERVENED" else action
        )
    _guard_trace(view, obj.get("amazon-bedrock-trace"))
    _guard_trace(view, obj.get("trace"))
    # Anthropic text completions
    if isinstance(obj.get("completion"), str):
        pieces.append(obj["completion"])
    # Titan (whole: results[]; streamed: outputText per chunk)
    for res in obj.get("results") or [] if isinstance(obj.get("results"), list) else []:
        if isinstance(res, dict):
            if isinstance(res.get("outputText"), str):
                pieces.append(res["outputText"])
            _stop(view, res.get("completionReason"))
            view.output_tokens = _first(as_int(res.get("tokenCount")), view.output_tokens)
    if isinstance(obj.get("outputText"), str):
        pieces.append(obj["outputText"])
    _stop(view, obj.get("completionReason"))
    view.input_tokens = _first(as_int(obj.get("inputTextTokenCount")), view.input_tokens)
    view.output_tokens = _first(as_int(obj.get("totalOutputTextTokenCount")), view.output_tokens)
    # Llama
    if isinstance(obj.get("generation"), str):
        pieces.append(obj["generation"])
    view.input_tokens = _first(as_int(obj.get("prompt_token_count")), view.input_tokens)
    if not streamed:
        view.output_tokens = _first(as_int(obj.get("generation_token_count")), view.output_tokens)
    # Cohere Command R (text) and Command (generations); Cohere stream chunks also use "text"
    cohere_text = isinstance(obj.get("text"), str) and kind is None and not isinstance(obj.get("output"), dict)
    if cohere_text and obj.get("event_type") in (None, "text-generation"):
        pieces.append(obj["text"])
    for gen in obj.get("generations") or [] if isinstance(obj.get("generations"), list) else []:
        if isinstance(gen, dict):
            if isinstance(gen.get("text"), str):
                pieces.append(gen["text"])
            _stop(view, gen.get("finish_reason"))
    billed = _get(obj, "meta", "billed_units")
    if isinstance(billed, dict):
        _usage(view, billed)
    # Mistral text (outputs[]), OpenAI-style chat (choices[]), AI21 Jurassic (completions[])
    for out in obj.get("outputs") or [] if isinstance(obj.get("outputs"), list) else []:
        if isinstance(out, dict):
            if isinstance(out.get("text"), str):
                pieces.append(out["text"])
            _stop(view, out.get("stop_reason"))
    for choice in obj.get("choices") or [] if isinstance(obj.get("choices"), list) else []:
        if isinstance(choice, dict):
            content = _first(_get(choice, "message", "content"), _get(choice, "delta", "content"), choice.get("text"))
            pieces.extend(_block_texts(content, media))
            _stop(view, _first(choice.get("finish_reason"), choice.get("stop_reason")))
    for comp in obj.get("completions") or [] if isinstance(obj.get("completions"), list) else []:
        if isinstance(comp, dict):
            if isinstance(_get(comp, "data", "text"), str):
                pieces.append(comp["data"]["text"])
            _stop(view, _get(comp, "finishReason", "reason"))
    # generic stop-reason and usage spellings
    _stop(view, _first(obj.get("stopReason"), obj.get("stop_reason"), obj.get("finish_reason")))
    _usage(view, obj.get("usage"))
    if not streamed:
        view.latency_ms = _first(as_int(_get(obj, "metrics", "latencyMs")), view.latency_ms)


def read_output(body: Any) -> OutputView:
    """Response text, stop reason, tokens, latency and guardrail traces of a response body or stream."""
    view = OutputView()
    if isinstance(body, str):
        view.response = body or None
        return view
    pieces: list[str] = []
    if isinstance(body, dict):
        _one_object(view, body, pieces, streamed=False)
        view.response = _join(pieces)
    elif isinstance(body, list):
        append = pieces.append
        for event in body:
            if type(event) is dict:  # the bulk of a stream: plain text deltas (as _one_object's fast path)
                if event.get("type") == "content_block_delta" and "amazon-bedrock-guardrailAction" not in event:
                    delta = event.get("delta")
                    if isinstance(delta, dict) and isinstance(delta.get("text"), str):
                        append(delta["text"])
                    continue
            elif isinstance(event, str):
                if event.strip() == "[DONE]":
                    continue
                try:
                    event = json.loads(event)
                except ValueError:
                    continue
            if isinstance(event, dict):
                _one_object(view, event, pieces, streamed=True)
        view.response = "".join(pieces) or None
    return view
