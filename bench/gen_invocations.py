"""Generate N Bedrock model invocation logs with mixed provider bodies, in S3 delivery layout, cached.

Why these shapes: the projection reads bodies by shape, so the benchmark mixes every family it knows,
in the proportions a mixed fleet produces: Converse (with and without guardrail traces), ConverseStream
event lists, Anthropic messages and their SSE chunk lists, Titan, Llama, Cohere Command R and Mistral.
Records are 1.5-5 KB, as the real samples; text is drawn from a fixed vocabulary so sizes vary. Files
are gzip NDJSON under ``AWSLogs/<acct>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/``, 1,000
records each.

    .venv/bin/python bench/gen_invocations.py 100000
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from phases import generate_once

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
ROLES = [f"agent-role-{i}" for i in range(40)]
WORDS = [
    "the",
    "agent",
    "should",
    "summarise",
    "quarterly",
    "revenue",
    "for",
    "the",
    "board",
    "and",
    "list",
    "open",
    "incidents",
    "across",
    "every",
    "region",
    "include",
    "latency",
    "figures",
    "model",
    "usage",
    "token",
    "budgets",
    "guardrail",
    "interventions",
    "and",
    "the",
    "owners",
    "of",
    "each",
    "service",
    "please",
    "answer",
    "briefly",
    "cite",
    "the",
    "runbook",
    "and",
    "never",
    "reveal",
    "credentials",
    "or",
    "internal",
    "hostnames",
    "to",
    "the",
    "user",
]
START = datetime(2026, 11, 1, tzinfo=UTC)
PER_FILE = 1000


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _converse(rng: random.Random, guarded: bool) -> tuple[dict, dict, str]:
    body_in: dict = {
        "messages": [
            {"role": "user", "content": [{"text": _text(rng, 20, 80)}]},
            {"role": "assistant", "content": [{"text": _text(rng, 10, 40)}]},
            {"role": "user", "content": [{"text": _text(rng, 10, 60)}]},
        ],
        "system": [{"text": _text(rng, 10, 30)}],
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.5, "topP": 0.9},
    }
    body_out: dict = {
        "output": {"message": {"role": "assistant", "content": [{"text": _text(rng, 30, 120)}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": rng.randint(50, 900), "outputTokens": rng.randint(20, 400)},
        "metrics": {"latencyMs": rng.randint(200, 4000)},
    }
    if guarded:
        gid = "gr" + str(rng.randint(1, 5))
        body_in["guardrailConfig"] = {"guardrailIdentifier": gid, "guardrailVersion": "1"}
        blocked = rng.random() < 0.3
        body_out["trace"] = {
            "guardrail": {
                "inputAssessment": {
                    gid: {
                        "contentPolicy": {
                            "filters": [
                                {"type": "VIOLENCE", "confidence": "HIGH", "action": "BLOCKED" if blocked else "NONE"}
                            ]
                        }
                    }
                }
            }
        }
        if blocked:
            body_out["stopReason"] = "guardrail_intervened"
            body_out["output"]["message"]["content"] = [{"text": "Sorry, the model cannot answer this question."}]
    return body_in, body_out, "Converse"


def _converse_stream(rng: random.Random) -> tuple[dict, list, str]:
    body_in, _out, _ = _converse(rng, False)
    words = _text(rng, 30, 90).split()
    events: list = [{"messageStart": {"role": "assistant"}}]
    events += [{"contentBlockDelta": {"delta": {"text": w + " "}, "contentBlockIndex": 0}} for w in words]
    events += [
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {
            "metadata": {
                "usage": {"inputTokens": rng.randint(50, 900), "outputTokens": len(words)},
                "metrics": {"latencyMs": rng.randint(200, 4000)},
            }
        },
    ]
    return body_in, events, "ConverseStream"


def _anthropic(rng: random.Random, stream: bool) -> tuple[dict, object, str]:
    body_in = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 2000,
        "temperature": 1,
        "top_p": 0.999,
        "system": _text(rng, 10, 40),
        "messages": [{"role": "user", "content": [{"type": "text", "text": _text(rng, 30, 120)}]}],
    }
    words = _text(rng, 30, 120).split()
    usage_in = rng.randint(50, 900)
    if not stream:
        return (
            body_in,
            {
                "id": "msg_" + uuid.UUID(int=rng.getrandbits(128)).hex[:20],
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": " ".join(words)}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": usage_in, "output_tokens": len(words)},
            },
            "InvokeModel",
        )
    events: list = [
        {
            "type": "message_start",
            "message": {"role": "assistant", "usage": {"input_tokens": usage_in, "output_tokens": 1}},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w + " "}} for w in words
    ]
    events += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": len(words)}},
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": usage_in,
                "outputTokenCount": len(words),
                "invocationLatency": rng.randint(200, 4000),
                "firstByteLatency": 300,
            },
        },
    ]
    return body_in, events, "InvokeModelWithResponseStream"


def _titan(rng: random.Random) -> tuple[dict, dict, str]:
    return (
        {
            "inputText": _text(rng, 30, 100),
            "textGenerationConfig": {"maxTokenCount": 512, "temperature": 0.7, "topP": 0.9},
        },
        {
            "inputTextTokenCount": rng.randint(30, 300),
            "results": [
                {"tokenCount": rng.randint(20, 300), "outputText": _text(rng, 20, 100), "completionReason": "FINISH"}
            ],
        },
        "InvokeModel",
    )


def _llama(rng: random.Random) -> tuple[dict, dict, str]:
    return (
        {"prompt": _text(rng, 30, 100), "max_gen_len": 512, "temperature": 0.6, "top_p": 0.9},
        {
            "generation": _text(rng, 20, 100),
            "prompt_token_count": rng.randint(30, 300),
            "generation_token_count": rng.randint(20, 300),
            "stop_reason": "stop",
        },
        "InvokeModel",
    )


def _cohere(rng: random.Random) -> tuple[dict, dict, str]:
    return (
        {
            "message": _text(rng, 10, 40),
            "chat_history": [
                {"role": "USER", "message": _text(rng, 10, 30)},
                {"role": "CHATBOT", "message": _text(rng, 10, 30)},
            ],
            "preamble": _text(rng, 5, 20),
        },
        {
            "text": _text(rng, 20, 80),
            "finish_reason": "COMPLETE",
            "generation_id": str(uuid.UUID(int=rng.getrandbits(128))),
        },
        "InvokeModel",
    )


def _mistral(rng: random.Random) -> tuple[dict, dict, str]:
    return (
        {"prompt": "<s>[INST] " + _text(rng, 20, 80) + " [/INST]", "max_tokens": 400, "temperature": 0.5},
        {"outputs": [{"text": _text(rng, 20, 100), "stop_reason": "stop"}]},
        "InvokeModel",
    )


SHAPES = [
    (lambda rng: _converse(rng, False), "amazon.nova-pro-v1:0", 20),
    (lambda rng: _converse(rng, True), "us.anthropic.claude-3-7-sonnet-20250219-v1:0", 10),
    (_converse_stream, "anthropic.claude-3-5-sonnet-20240620-v1:0", 10),
    (lambda rng: _anthropic(rng, False), "anthropic.claude-3-haiku-20240307-v1:0", 15),
    (lambda rng: _anthropic(rng, True), "us.anthropic.claude-3-5-haiku-20241022-v1:0", 15),
    (_titan, "amazon.titan-text-express-v1", 8),
    (_llama, "meta.llama3-70b-instruct-v1:0", 8),
    (_cohere, "cohere.command-r-plus-v1:0", 7),
    (_mistral, "mistral.mistral-large-2402-v1:0", 7),
]
_WEIGHTS = [w for _, _, w in SHAPES]


def _record(rng: random.Random, when: datetime, region: str) -> dict:
    make, model, _ = rng.choices(SHAPES, weights=_WEIGHTS)[0]
    body_in, body_out, operation = make(rng)
    role = rng.choice(ROLES)
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session-{rng.randrange(1000)}"},
        "region": region,
        "requestId": str(uuid.UUID(int=rng.getrandbits(128))),
        "operation": operation,
        "modelId": model,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": body_in,
            "inputTokenCount": rng.randint(20, 900),
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": body_out,
            "outputTokenCount": rng.randint(10, 400),
        },
    }


def _write_file(args: tuple[Path, int, int]) -> None:
    root, index, count = args
    rng = random.Random(1000 + index)
    region = REGIONS[index % len(REGIONS)]
    when = START + timedelta(minutes=10 * index)
    records = [_record(rng, when + timedelta(seconds=rng.randrange(600)), region) for _ in range(count)]
    folder = root / "AWSLogs" / ACCOUNT / "BedrockModelInvocationLogs" / region / when.strftime("%Y/%m/%d/%H")
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n".join(json.dumps(r, separators=(",", ":")) for r in records) + "\n"
    name = f"{when.strftime('%Y%m%dT%H%M%SZ')}_{index:08x}.json.gz"
    (folder / name).write_bytes(gzip.compress(body.encode(), compresslevel=5, mtime=0))


def generate(records: int, base: Path) -> Path:
    """Return the folder holding ``records`` invocation logs (generated once, reused afterwards)."""
    return generate_once(base / f"invocations-{records}", records, PER_FILE, _write_file, chunksize=4)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(generate(n, Path(__file__).parent / "data"))
