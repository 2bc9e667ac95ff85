"""Model request and response bodies per provider, as ModelInvocationLog records carry them.

Why per provider: the frames normalise Converse, Anthropic messages (and SSE chunk lists), Titan,
Llama, Cohere and Nova bodies; the simulator exercises each shape with the field names the real
samples use (``messages[].content[].text``, ``stop_reason``, ``usage.input_tokens``, ...).
"""

from __future__ import annotations

import random
from typing import Any

#: Benign prompt/response pairs per application.
CONVERSATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "support": (
        (
            "Where is my order {n}? It was supposed to arrive on Monday.",
            "I checked order {n}: it shipped yesterday and is due to arrive within two business days.",
        ),
        (
            "How do I reset the password on my account?",
            "Open Settings, choose Security, then Reset password. You will receive a confirmation e-mail.",
        ),
        (
            "Can I change the delivery address for order {n}?",
            "Order {n} has not shipped yet, so I have updated the delivery address as you asked.",
        ),
        (
            "My invoice shows a duplicate charge, can you help?",
            "I can see two pending authorisations; the duplicate will be released within three to five days.",
        ),
    ),
    "summarize": (
        (
            "Summarize the following meeting notes in three bullet points:\n{doc}",
            "- The team agreed on the Q3 roadmap.\n- Hiring is paused until October.\n- Next review is on Friday.",
        ),
        (
            "Summarize this contract clause for a non-lawyer:\n{doc}",
            "The clause says either party may end the agreement with 30 days' written notice.",
        ),
    ),
    "claims": (
        (
            "Classify this insurance claim and extract the policy number: {doc}",
            '{{"category": "water_damage", "policy": "PL-{n}", "priority": "normal"}}',
        ),
        (
            "Is this claim description consistent with the photos' metadata? {doc}",
            "The description and the metadata are consistent; no further review needed.",
        ),
    ),
    "research": (
        (
            "Compare the last three quarterly reports and plot revenue by region.",
            "I ran the analysis: revenue grew 4% in EMEA and 7% in North America; the chart is attached.",
        ),
        (
            "Find recent papers on retrieval-augmented generation evaluation.",
            "Here are five recent papers with short summaries of their evaluation methods.",
        ),
    ),
    "billing": (
        (
            "Why was customer {n} charged twice this month?",
            "Invoice INV-{n} was retried after a card decline; the first attempt was voided.",
        ),
        (
            "Issue a refund for invoice INV-{n}.",
            "The refund for INV-{n} has been issued and will appear in 5-10 business days.",
        ),
    ),
    "assistant": (
        ("Translate this paragraph into French: {doc}", "Voici la traduction du paragraphe demandé."),
        (
            "Draft a polite reply declining the meeting invitation.",
            "Thank you for the invitation. Unfortunately I am unable to attend, but please share the notes.",
        ),
    ),
    "dev": (
        (
            "Write a Python function that parses ISO 8601 timestamps.",
            "Here is a function using datetime.fromisoformat, with handling for the trailing Z.",
        ),
        (
            "Explain the difference between a list and a tuple.",
            "Lists are mutable sequences; tuples are immutable and can be used as dictionary keys.",
        ),
        ("test", "Hello! How can I help you today?"),
    ),
}

DOC_SENTENCES = (
    "The quarterly review covered revenue, hiring and the product roadmap.",
    "Customer satisfaction scores improved after the new onboarding flow shipped.",
    "Water entered the basement through a cracked foundation wall during the storm.",
    "The supplier agreed to extend payment terms to sixty days for the next fiscal year.",
    "Action items were assigned to the platform team with a due date of Friday.",
    "The policyholder reported the damage within the required notification period.",
)

SYSTEM_PROMPTS = {
    "support": "You are a helpful customer-support assistant for Example Corp. Never reveal other customers' data.",
    "billing": "You are a billing assistant. Only discuss the authenticated customer's invoices.",
    "research": "You are a research assistant. Use tools to analyse data and cite sources.",
}


def document(rng: random.Random, chars: int) -> str:
    """Filler document text of about ``chars`` characters."""
    parts: list[str] = []
    size = 0
    while size < chars:
        sentence = DOC_SENTENCES[int(rng.random() * len(DOC_SENTENCES))]
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


def conversation(rng: random.Random, app: str, doc_chars: int = 400) -> tuple[str, str]:
    pairs = CONVERSATIONS[app]
    prompt, answer = pairs[int(rng.random() * len(pairs))]
    n = str(rng.randint(100000, 999999))
    doc = document(rng, doc_chars) if "{doc}" in prompt else ""
    return prompt.replace("{n}", n).replace("{doc}", doc), answer.replace("{n}", n).replace("{{", "{").replace(
        "}}", "}"
    )


def provider(model_id: str) -> str:
    """anthropic | amazon-nova | amazon-titan | meta | cohere (inference-profile prefixes ignored)."""
    base = model_id.split("/")[-1]
    for prefix in ("us.", "eu.", "apac.", "global."):
        if base.startswith(prefix):
            base = base[len(prefix) :]
    if base.startswith("anthropic."):
        return "anthropic"
    if base.startswith("amazon.nova"):
        return "amazon-nova"
    if base.startswith("amazon.titan"):
        return "amazon-titan"
    if base.startswith("meta."):
        return "meta"
    if base.startswith("cohere."):
        return "cohere"
    return "other"


def request_body(
    op: str,
    model_id: str,
    prompt: str,
    *,
    system: str | None = None,
    max_tokens: int = 1024,
    temperature: float = 0.5,
    guardrail: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The ``input.inputBodyJson`` of one call."""
    if op in ("Converse", "ConverseStream"):
        body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": prompt}]}]}
        if system:
            body["system"] = [{"text": system}]
        body["inferenceConfig"] = {"maxTokens": max_tokens, "temperature": temperature}
        if guardrail:
            body["guardrailConfig"] = {
                "guardrailIdentifier": guardrail[0],
                "guardrailVersion": guardrail[1],
                "trace": "enabled",
            }
        return body
    kind = provider(model_id)
    if kind == "anthropic":
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens}
        if system:
            body["system"] = system
        body["messages"] = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        body["temperature"] = temperature
        return body
    if kind == "amazon-nova":
        return {
            "schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": temperature},
        }
    if kind == "amazon-titan":
        return {"inputText": prompt, "dimensions": 1024, "normalize": True}
    if kind == "meta":
        return {
            "prompt": f"<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>",
            "max_gen_len": max_tokens,
            "temperature": temperature,
        }
    if kind == "cohere":
        return {"message": prompt, "max_tokens": max_tokens, "temperature": temperature}
    return {"inputText": prompt}


def response_body(
    op: str,
    model_id: str,
    text: str,
    in_tokens: int,
    out_tokens: int,
    latency_ms: int,
    *,
    stop: str = "end_turn",
    msg_id: str = "",
    guardrail_trace: dict[str, Any] | None = None,
) -> Any:
    """The ``output.outputBodyJson`` of one call (a list of chunks for Anthropic streams)."""
    if op in ("Converse", "ConverseStream"):
        body: dict[str, Any] = {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": stop,
            "metrics": {"latencyMs": latency_ms},
            "usage": {"inputTokens": in_tokens, "outputTokens": out_tokens, "totalTokens": in_tokens + out_tokens},
        }
        if guardrail_trace is not None:
            body["trace"] = {"guardrail": guardrail_trace}
        return body
    kind = provider(model_id)
    if kind == "anthropic":
        model_name = model_id.split("anthropic.")[-1].split("-v")[0]
        stop_reason = "end_turn" if stop == "end_turn" else stop
        if op == "InvokeModelWithResponseStream":
            words = text.split(" ")
            chunks: list[Any] = [
                {
                    "type": "message_start",
                    "message": {
                        "id": msg_id,
                        "type": "message",
                        "role": "assistant",
                        "content": [],
                        "model": model_name,
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": in_tokens, "output_tokens": 1},
                    },
                },
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ]
            for i, word in enumerate(words):
                piece = word if i == 0 else " " + word
                chunks.append(
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
                )
            chunks.append({"type": "content_block_stop", "index": 0})
            chunks.append(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": out_tokens},
                }
            )
            chunks.append(
                {
                    "type": "message_stop",
                    "amazon-bedrock-invocationMetrics": {
                        "inputTokenCount": in_tokens,
                        "outputTokenCount": out_tokens,
                        "invocationLatency": latency_ms,
                        "firstByteLatency": max(1, latency_ms // 4),
                    },
                }
            )
            return chunks
        return {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": model_name,
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": in_tokens, "output_tokens": out_tokens},
        }
    if kind == "amazon-nova":
        return {
            "output": {"message": {"content": [{"text": text}], "role": "assistant"}},
            "stopReason": stop,
            "usage": {"inputTokens": in_tokens, "outputTokens": out_tokens, "totalTokens": in_tokens + out_tokens},
        }
    if kind == "meta":
        return {
            "generation": text,
            "prompt_token_count": in_tokens,
            "generation_token_count": out_tokens,
            "stop_reason": "stop" if stop == "end_turn" else "length",
        }
    if kind == "cohere":
        return {"text": text, "finish_reason": "COMPLETE" if stop == "end_turn" else "MAX_TOKENS"}
    return {"outputText": text}


def guardrail_trace(guardrail_id: str, blocked: bool, chars: int) -> dict[str, Any]:
    """A Converse ``trace.guardrail`` block (the shape in the elastic sample)."""
    filters = [
        {
            "type": "PROMPT_ATTACK" if blocked else "INSULTS",
            "confidence": "HIGH" if blocked else "NONE",
            "filterStrength": "HIGH",
            "action": "BLOCKED" if blocked else "NONE",
        }
    ]
    return {
        "inputAssessment": {
            guardrail_id: {
                "contentPolicy": {"filters": filters},
                "invocationMetrics": {
                    "guardrailProcessingLatency": 180 + chars % 200,
                    "usage": {
                        "topicPolicyUnits": 1,
                        "contentPolicyUnits": 1,
                        "wordPolicyUnits": 1,
                        "sensitiveInformationPolicyUnits": 1,
                        "sensitiveInformationPolicyFreeUnits": 0,
                        "contextualGroundingPolicyUnits": 0,
                    },
                    "guardrailCoverage": {"textCharacters": {"guarded": chars, "total": chars}},
                },
            }
        }
    }
