"""Conformance: Logs Insights SQL on the golden store, expected rows worked out by hand from golden.py.

Each case is (id, query, expected rows, ordered). Unordered cases compare as sorted multisets.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rows import rows

from aiaudit.core.timerange import TimeRange
from aiaudit.query.sql import run_sql

A1 = "arn:aws:sts::111:assumed-role/app/s1"
A2 = "arn:aws:sts::111:assumed-role/app/s2"
ROOT = "arn:aws:iam::111:root"
AC = "bedrock-agentcore.amazonaws.com"
BR = "bedrock.amazonaws.com"
MIL = "`bedrock-model-invocation-logging`"
RTG = "/aws/bedrock-agentcore/runtimes/"

CASES: list[tuple[str, str, list[tuple], bool]] = [
    # --- FROM forms --------------------------------------------------------------------------------
    ("from-backticked", "SELECT eventName FROM `cloudtrail` WHERE requestID = 'req-3'", [("InvokeGateway",)], True),
    ("from-pipeline-bare", "SELECT requestID FROM cloudtrail WHERE eventName = 'Converse'", [("req-2",)], True),
    ("from-invocations-group", f"SELECT COUNT(*) AS n FROM {MIL}", [(3,)], True),
    ("from-invocations-pipeline", "SELECT COUNT(*) AS n FROM invocations", [(3,)], True),
    ("from-spans-group", "SELECT COUNT(*) AS n FROM `aws/spans`", [(3,)], True),
    ("from-spans-pipeline", "SELECT COUNT(*) AS n FROM spans", [(3,)], True),
    ("from-runtime-prefix", f"SELECT COUNT(*) AS n FROM `{RTG}`", [(2,)], True),
    ("from-runtime-pipeline", "SELECT COUNT(*) AS n FROM runtime_logs", [(2,)], True),
    ("from-runtime-group", f"SELECT body FROM `{RTG}agentA`", [("started",)], True),
    ("from-arn", "SELECT COUNT(*) AS n FROM `arn:aws:logs:us-east-1:111:log-group:aws/spans`", [(3,)], True),
    ("from-arn-star", "SELECT COUNT(*) AS n FROM `arn:aws:logs:us-east-1:111:log-group:cloudtrail:*`", [(8,)], True),
    (
        "from-loggroups-two",
        "SELECT COUNT(*) AS n FROM `logGroups(logGroupIdentifier: ['cloudtrail', 'bedrock-model-invocation-logging'])`",
        [(11,)],
        True,
    ),
    (
        "from-loggroups-by-log",
        "SELECT `@log` AS g, COUNT(*) AS n FROM `logGroups(logGroupIdentifier: ['cloudtrail', 'aws/spans'])` "
        "GROUP BY 1 ORDER BY g",
        [("aws/spans", 3), ("cloudtrail", 8)],
        True,
    ),
    (
        "from-loggroups-arn",
        "SELECT COUNT(*) AS n FROM "
        "`logGroups(logGroupIdentifier: ['arn:aws:logs:us-east-1:111:log-group:cloudtrail:*'])`",
        [(8,)],
        True,
    ),
    (
        "from-loggroups-duplicate",
        "SELECT COUNT(*) AS n FROM `logGroups(logGroupIdentifier: ['cloudtrail', 'cloudtrail'])`",
        [(8,)],
        True,
    ),
    (
        "from-loggroups-runtime",
        f"SELECT severityText, COUNT(*) AS n FROM `logGroups(logGroupIdentifier: ['{RTG}agentA', '{RTG}agentB'])` "
        "GROUP BY severityText ORDER BY severityText",
        [("ERROR", 1), ("INFO", 1)],
        True,
    ),
    (
        "from-loggroups-field-in-both",
        "SELECT `attributes.session.id` AS s FROM `logGroups(logGroupIdentifier: ['cloudtrail', 'aws/spans'])` "
        "WHERE `attributes.session.id` IS NOT NULL ORDER BY s",
        [("sess-1",), ("sess-1",), ("sess-2",)],
        True,
    ),
    # --- projection, names, system fields ----------------------------------------------------------
    ("select-dotted", "SELECT `userIdentity.arn` FROM cloudtrail WHERE requestID = 'req-6'", [(ROOT,)], True),
    ("select-array-0", "SELECT `resources.0.ARN` FROM cloudtrail WHERE requestID = 'req-7'", [("arn:first",)], True),
    (
        "select-array-1",
        "SELECT `resources.1.ARN` FROM cloudtrail WHERE `resources.1.ARN` IS NOT NULL",
        [("arn:second",)],
        True,
    ),
    (
        "select-deep-nonhot",
        "SELECT `responseElements.body.error.message` AS m FROM cloudtrail WHERE requestID = 'req-3'",
        [("invalid token",)],
        True,
    ),
    (
        "select-dotted-key",
        "SELECT `requestParameters.key.with.dots` AS k FROM cloudtrail WHERE requestID = 'req-8'",
        [("k1",)],
        True,
    ),
    (
        "select-object-as-json",
        "SELECT `responseElements.body` AS b FROM cloudtrail WHERE requestID = 'req-3'",
        [('{"error":{"message":"invalid token"}}',)],
        True,
    ),
    ("select-log", "SELECT `@log` FROM spans WHERE spanId = 'a1'", [("aws/spans",)], True),
    (
        "select-timestamp",
        "SELECT `@timestamp` FROM cloudtrail WHERE requestID = 'req-7'",
        [("2026-01-01T00:06:00Z",)],
        True,
    ),
    (
        "select-spans-otel-keys",
        "SELECT `attributes.session.id`, `attributes.aws.request_id`, `resource.attributes.service.name` "
        "FROM `aws/spans` WHERE spanId = 'b1'",
        [("sess-2", "req-2", "Other")],
        True,
    ),
    ("select-bigint-hot", "SELECT durationNano FROM spans WHERE spanId = 'a2'", [(250000000,)], True),
    (
        "select-distinct",
        "SELECT DISTINCT awsRegion FROM cloudtrail ORDER BY awsRegion",
        [("eu-west-1",), ("us-east-1",), ("us-west-2",)],
        True,
    ),
    ("select-limit-0", "SELECT requestID FROM cloudtrail LIMIT 0", [], True),
    # --- absent fields and NULL --------------------------------------------------------------------
    (
        "absent-null",
        f"SELECT requestID, errorCode FROM cloudtrail WHERE eventSource = '{BR}' ORDER BY requestID",
        [("req-1", None), ("req-2", "AccessDenied"), ("req-7", "AccessDenied")],
        True,
    ),
    (
        "absent-is-null",
        "SELECT requestID FROM cloudtrail WHERE errorCode IS NULL",
        [("req-1",), ("req-3",), ("req-4",), ("req-5",), ("req-6",), ("req-8",)],
        False,
    ),
    ("absent-neq-never-matches", "SELECT requestID FROM cloudtrail WHERE errorCode != 'AccessDenied'", [], True),
    ("absent-null-safe", "SELECT COUNT(*) AS n FROM cloudtrail WHERE errorCode <=> NULL", [(6,)], True),
    ("absent-count-field", "SELECT COUNT(errorCode) AS n FROM cloudtrail", [(2,)], True),
    ("absent-count-distinct", "SELECT COUNT(DISTINCT `userIdentity.arn`) AS n FROM cloudtrail", [(3,)], True),
    (
        "absent-coalesce",
        "SELECT requestID, COALESCE(errorCode, 'none') AS e FROM cloudtrail WHERE eventName = 'InvokeModel' "
        "ORDER BY requestID",
        [("req-1", "none"), ("req-7", "AccessDenied")],
        True,
    ),
    (
        "absent-nvl",
        "SELECT nvl(errorMessage, '-') AS m FROM cloudtrail WHERE eventSource = 'bedrock.amazonaws.com' "
        "ORDER BY requestID",
        [("-",), ("denied",), ("-",)],
        True,
    ),
    (
        "absent-group-key-null-first",
        "SELECT `additionalEventData.jwt.claims.sub` AS sub, COUNT(*) AS n FROM cloudtrail "
        "WHERE eventName = 'InvokeGateway' GROUP BY 1 ORDER BY sub",
        [(None, 1), ("user-a", 1), ("user-b", 1)],
        True,
    ),
    (
        "absent-desc-null-last",
        "SELECT errorCode FROM cloudtrail WHERE awsRegion = 'us-east-1' ORDER BY errorCode DESC",
        [("AccessDenied",), ("AccessDenied",), (None,), (None,)],
        True,
    ),
    (
        "absent-array-pos",
        "SELECT requestID FROM cloudtrail WHERE `resources.0.ARN` IS NOT NULL",
        [("req-1",), ("req-7",)],
        False,
    ),
    # --- mixed types in one field ------------------------------------------------------------------
    (
        "mixed-gte-number",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` >= 400",
        [("req-3",), ("req-4",)],
        False,
    ),
    (
        "mixed-eq-number-matches-string",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` = 403",
        [("req-4",)],
        True,
    ),
    (
        "mixed-eq-string-matches-number",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` = '401'",
        [("req-3",)],
        True,
    ),
    (
        "mixed-in-numbers",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` IN (401, 200)",
        [("req-3",), ("req-5",)],
        False,
    ),
    (
        "mixed-in-mixed-list",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` IN (200, '403')",
        [("req-4",), ("req-5",)],
        False,
    ),
    (
        "mixed-between",
        "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` BETWEEN 200 AND 401",
        [("req-3",), ("req-5",)],
        False,
    ),
    ("mixed-lt", "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` < 300", [("req-5",)], True),
    (
        "mixed-group",
        "SELECT `responseElements.statusCode` AS s, COUNT(*) AS n FROM cloudtrail WHERE eventName = 'InvokeGateway' "
        "GROUP BY 1 ORDER BY s",
        [("200", 1), ("401", 1), ("403", 1)],
        True,
    ),
    (
        "mixed-case-when",
        "SELECT requestID, CASE WHEN `responseElements.statusCode` >= 400 THEN 'err' ELSE 'ok' END AS s "
        "FROM cloudtrail WHERE eventName = 'InvokeGateway' ORDER BY requestID",
        [("req-3", "err"), ("req-4", "err"), ("req-5", "ok")],
        True,
    ),
    (
        "mixed-cast-int",
        "SELECT CAST(`responseElements.statusCode` AS INT) + 1 AS s FROM cloudtrail WHERE requestID = 'req-4'",
        [(404,)],
        True,
    ),
    (
        "mixed-order-numeric",
        "SELECT requestID FROM cloudtrail WHERE eventName = 'InvokeGateway' "
        "ORDER BY CAST(`responseElements.statusCode` AS INT) DESC",
        [("req-4",), ("req-3",), ("req-5",)],
        True,
    ),
    (
        "nonhot-number-gt",
        "SELECT requestID FROM cloudtrail WHERE `additionalEventData.inputTokens` > 5",
        [("req-1",)],
        True,
    ),
    (
        "nonhot-arith",
        "SELECT `additionalEventData.inputTokens` + `additionalEventData.outputTokens` AS t FROM cloudtrail "
        "WHERE requestID = 'req-1'",
        [(30.0,)],
        True,
    ),
    (
        "nonhot-arith-where",
        "SELECT requestID FROM cloudtrail WHERE `additionalEventData.inputTokens` * 2 = 20",
        [("req-1",)],
        True,
    ),
    ("bool-true", "SELECT requestID FROM cloudtrail WHERE readOnly = true", [("req-8",)], True),
    ("bool-false", "SELECT requestID FROM cloudtrail WHERE readOnly = false", [("req-6",)], True),
    ("bool-as-text", "SELECT requestID FROM cloudtrail WHERE readOnly = 'true'", [("req-8",)], True),
    ("bool-selected", "SELECT readOnly FROM cloudtrail WHERE requestID = 'req-6'", [("false",)], True),
    (
        "float-text",
        f"SELECT `input.inputBodyJson.inferenceConfig.temperature` AS t FROM {MIL} WHERE requestId = 'req-1'",
        [("0.5",)],
        True,
    ),
    (
        "float-compare",
        f"SELECT requestId FROM {MIL} WHERE `input.inputBodyJson.inferenceConfig.temperature` < 0.6",
        [("req-1",)],
        True,
    ),
    # --- WHERE forms -------------------------------------------------------------------------------
    (
        "like-prefix",
        "SELECT requestID FROM cloudtrail WHERE eventName LIKE 'Invoke%'",
        [("req-1",), ("req-3",), ("req-4",), ("req-5",), ("req-7",)],
        False,
    ),
    (
        "not-like",
        "SELECT requestID FROM cloudtrail WHERE eventName NOT LIKE 'Invoke%'",
        [("req-2",), ("req-6",), ("req-8",)],
        False,
    ),
    (
        "like-underscore",
        "SELECT requestID FROM cloudtrail WHERE `userIdentity.arn` LIKE '%app/s_'",
        [("req-1",), ("req-2",), ("req-7",), ("req-8",)],
        False,
    ),
    ("like-case-sensitive", "SELECT requestID FROM cloudtrail WHERE eventName LIKE 'converse'", [], True),
    ("ilike", "SELECT requestID FROM cloudtrail WHERE eventName ILIKE 'converse'", [("req-2",)], True),
    (
        "rlike",
        "SELECT requestID FROM cloudtrail WHERE sourceIPAddress RLIKE '^10[.]0[.]0[.][12]$'",
        [("req-1",), ("req-2",), ("req-6",), ("req-7",)],
        False,
    ),
    (
        "message-like",
        "SELECT requestID FROM cloudtrail WHERE `@message` LIKE '%invalid token%'",
        [("req-3",)],
        True,
    ),
    (
        "in-strings",
        "SELECT requestID FROM cloudtrail WHERE eventName IN ('Converse', 'GetObject')",
        [("req-2",), ("req-8",)],
        False,
    ),
    (
        "not-in",
        f"SELECT requestID FROM cloudtrail WHERE eventSource = '{BR}' AND eventName NOT IN ('Converse')",
        [("req-1",), ("req-7",)],
        False,
    ),
    (
        "not-or",
        f"SELECT requestID FROM cloudtrail WHERE NOT (eventSource = '{BR}' OR eventSource = '{AC}')",
        [("req-6",), ("req-8",)],
        False,
    ),
    (
        "and-or-precedence",
        "SELECT requestID FROM cloudtrail WHERE awsRegion = 'eu-west-1' OR awsRegion = 'us-west-2' "
        "AND sourceIPAddress = '198.51.100.7'",
        [("req-5",), ("req-8",)],
        False,
    ),
    (
        "root-activity",
        "SELECT eventName, sourceIPAddress FROM `cloudtrail` WHERE `userIdentity.type` = 'Root' "
        "AND eventName != 'ConsoleLogin'",
        [("AttachRolePolicy", "10.0.0.1")],
        True,
    ),
    # --- times ---------------------------------------------------------------------------------------
    (
        "time-timestamp-iso",
        "SELECT requestID FROM cloudtrail WHERE `@timestamp` >= '2026-01-01T00:05:00Z'",
        [("req-6",), ("req-7",), ("req-8",)],
        False,
    ),
    (
        "time-eventtime-iso",
        "SELECT requestID FROM cloudtrail WHERE eventTime < '2026-01-01T00:01:30Z'",
        [("req-1",), ("req-2",)],
        False,
    ),
    (
        "time-eventtime-space",
        "SELECT requestID FROM cloudtrail WHERE eventTime > '2026-01-01 00:05:30'",
        [("req-7",), ("req-8",)],
        False,
    ),
    (
        "time-between",
        "SELECT requestID FROM cloudtrail WHERE `@timestamp` BETWEEN '2026-01-01T00:01:00Z' AND '2026-01-01T00:02:00Z'",
        [("req-2",), ("req-3",)],
        False,
    ),
    (
        "time-offset-literal",
        "SELECT requestID FROM cloudtrail WHERE eventTime >= '2026-01-01T02:06:00+02:00'",
        [("req-7",), ("req-8",)],
        False,
    ),
    (
        "time-inv-timestamp",
        f"SELECT requestId FROM {MIL} WHERE timestamp > '2026-01-01T00:01:00Z'",
        [("req-2",), ("req-9",)],
        False,
    ),
    (
        "date-format-group",
        "SELECT date_format(eventTime, 'yyyy-MM-dd') AS d, COUNT(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY d",
        [("2026-01-01", 7), ("2026-01-02", 1)],
        True,
    ),
    ("minute", "SELECT minute(eventTime) AS m FROM cloudtrail WHERE requestID = 'req-7'", [(6,)], True),
    ("year-timestamp", "SELECT year(`@timestamp`) AS y FROM cloudtrail WHERE requestID = 'req-1'", [(2026,)], True),
    ("hour", "SELECT hour(`@timestamp`) AS h FROM cloudtrail WHERE requestID = 'req-8'", [(0,)], True),
    (
        "unix-timestamp",
        "SELECT unix_timestamp(eventTime) AS u FROM cloudtrail WHERE requestID = 'req-1'",
        [(1767225600,)],
        True,
    ),
    (
        "from-unixtime",
        "SELECT from_unixtime(unix_timestamp(eventTime)) AS t FROM cloudtrail WHERE requestID = 'req-2'",
        [("2026-01-01 00:01:00",)],
        True,
    ),
    (
        "date-trunc",
        "SELECT date_trunc('HOUR', `@timestamp`) AS h FROM cloudtrail WHERE requestID = 'req-7'",
        [("2026-01-01T00:00:00Z",)],
        True,
    ),
    (
        "to-date",
        "SELECT to_date(eventTime) AS d FROM cloudtrail WHERE requestID = 'req-8'",
        [("2026-01-02T00:00:00",)],
        True,
    ),  # DATE arrives naive
    # --- functions -----------------------------------------------------------------------------------
    (
        "lower-distinct",
        f"SELECT DISTINCT lower(eventName) AS e FROM cloudtrail WHERE eventSource = '{BR}' ORDER BY e",
        [("converse",), ("invokemodel",)],
        True,
    ),
    ("upper", "SELECT upper(awsRegion) AS r FROM cloudtrail WHERE requestID = 'req-8'", [("EU-WEST-1",)], True),
    (
        "concat",
        "SELECT concat(eventName, '@', awsRegion) AS x FROM cloudtrail WHERE requestID = 'req-8'",
        [("GetObject@eu-west-1",)],
        True,
    ),
    (
        "concat-ws",
        "SELECT concat_ws('/', awsRegion, eventName) AS x FROM cloudtrail WHERE requestID = 'req-6'",
        [("us-east-1/AttachRolePolicy",)],
        True,
    ),
    ("substring", "SELECT substring(requestID, 5, 1) AS x FROM cloudtrail WHERE requestID = 'req-8'", [("8",)], True),
    ("length", "SELECT length(eventName) AS n FROM cloudtrail WHERE requestID = 'req-2'", [(8,)], True),
    ("instr", "SELECT instr(sourceIPAddress, '113') AS p FROM cloudtrail WHERE requestID = 'req-3'", [(7,)], True),
    (
        "regexp-extract",
        "SELECT regexp_extract(`userIdentity.arn`, 'assumed-role/([^/]+)/', 1) AS role FROM cloudtrail "
        "WHERE requestID = 'req-2'",
        [("app",)],
        True,
    ),
    (
        "split-part",
        "SELECT split_part(`userIdentity.arn`, '/', 3) AS s FROM cloudtrail WHERE requestID = 'req-2'",
        [("s2",)],
        True,
    ),
    (
        "replace",
        "SELECT replace(eventSource, '.amazonaws.com', '') AS svc FROM cloudtrail WHERE requestID = 'req-6'",
        [("iam",)],
        True,
    ),
    (
        "trim",
        "SELECT trim(concat('  ', eventName, ' ')) AS t FROM cloudtrail WHERE requestID = 'req-2'",
        [("Converse",)],
        True,
    ),
    (
        "get-json-object",
        "SELECT get_json_object(`@message`, '$.responseElements.statusCode') AS s FROM cloudtrail "
        "WHERE requestID = 'req-4'",
        [("403",)],
        True,
    ),
    (
        "get-json-object-array",
        "SELECT get_json_object(`@message`, '$.resources[1].ARN') AS s FROM cloudtrail WHERE requestID = 'req-7'",
        [("arn:second",)],
        True,
    ),
    (
        "size-split",
        "SELECT size(split(`userIdentity.arn`, '/')) AS n FROM cloudtrail WHERE requestID = 'req-1'",
        [(3,)],
        True,
    ),
    (
        "if",
        "SELECT requestID, IF(errorCode = 'AccessDenied', 1, 0) AS d FROM cloudtrail "
        "WHERE awsRegion = 'us-east-1' ORDER BY requestID",
        [("req-1", 0), ("req-2", 1), ("req-6", 0), ("req-7", 1)],
        True,
    ),
    ("sum-if", "SELECT SUM(IF(errorCode IS NOT NULL, 1, 0)) AS n FROM cloudtrail", [(2,)], True),
    ("count-if", "SELECT count_if(errorCode = 'AccessDenied') AS n FROM cloudtrail", [(2,)], True),
    (
        "case-searched",
        f"SELECT requestID, CASE WHEN errorCode IS NULL THEN 'ok' ELSE 'fail' END AS s FROM cloudtrail "
        f"WHERE eventSource = '{BR}' ORDER BY requestID",
        [("req-1", "ok"), ("req-2", "fail"), ("req-7", "fail")],
        True,
    ),
    (
        "case-simple",
        "SELECT CASE awsRegion WHEN 'eu-west-1' THEN 'EU' ELSE 'US' END AS r, COUNT(*) AS n FROM cloudtrail "
        "GROUP BY 1 ORDER BY r",
        [("EU", 1), ("US", 7)],
        True,
    ),
    (
        "greatest",
        f"SELECT greatest(`input.inputTokenCount`, `output.outputTokenCount`) AS g FROM {MIL} "
        "WHERE requestId = 'req-2'",
        [(7,)],
        True,
    ),
    ("round", "SELECT round(durationNano / 1e9, 1) AS s FROM spans WHERE spanId = 'a2'", [(0.3,)], True),
    ("mod", "SELECT spanId FROM spans WHERE durationNano % 1000000000 = 500000000", [("a1",)], True),
    ("isnull-shim", "SELECT COUNT(*) AS n FROM cloudtrail WHERE isnull(errorCode)", [(6,)], True),
    ("isnotnull-shim", "SELECT COUNT(*) AS n FROM cloudtrail WHERE isnotnull(errorCode)", [(2,)], True),
    # --- aggregates ----------------------------------------------------------------------------------
    ("count-star", "SELECT COUNT(*) AS n FROM cloudtrail", [(8,)], True),
    (
        "group-count-order",
        "SELECT eventSource, COUNT(*) AS n FROM cloudtrail GROUP BY eventSource ORDER BY n DESC, eventSource",
        [(AC, 3), (BR, 3), ("iam.amazonaws.com", 1), ("s3.amazonaws.com", 1)],
        True,
    ),
    (
        "having-count",
        "SELECT sourceIPAddress, COUNT(*) AS n FROM cloudtrail GROUP BY sourceIPAddress HAVING COUNT(*) > 1 "
        "ORDER BY n DESC",
        [("10.0.0.1", 3), ("203.0.113.9", 2)],
        True,
    ),
    (
        "having-alias",
        "SELECT sourceIPAddress, COUNT(*) AS n FROM cloudtrail GROUP BY sourceIPAddress HAVING n >= 2 ORDER BY n DESC",
        [("10.0.0.1", 3), ("203.0.113.9", 2)],
        True,
    ),
    (
        "sum-bigint",
        f"SELECT SUM(`input.inputTokenCount`) AS i, SUM(`output.outputTokenCount`) AS o FROM {MIL}",
        [(115, 227)],
        True,
    ),
    (
        "min-max-bigint",
        f"SELECT MIN(`input.inputTokenCount`) AS lo, MAX(`input.inputTokenCount`) AS hi FROM {MIL}",
        [(5, 100)],
        True,
    ),
    ("min-max-text", "SELECT MIN(requestID), MAX(requestID) FROM cloudtrail", [("req-1", "req-8")], True),
    ("avg", f"SELECT AVG(`output.outputTokenCount`) AS a FROM {MIL} WHERE requestId != 'req-9'", [(13.5,)], True),
    ("percentile-approx", "SELECT percentile_approx(durationNano, 0.5) AS p FROM spans", [(1500000000,)], True),
    (
        "group-sum-div",
        "SELECT `attributes.session.id` AS s, COUNT(*) AS n, SUM(durationNano) / 1e6 AS ms FROM `aws/spans` "
        "GROUP BY `attributes.session.id` ORDER BY n DESC",
        [("sess-1", 2, 1750.0), ("sess-2", 1, 3000.0)],
        True,
    ),
    (
        "resources-type-group",
        "SELECT `resources.0.type` AS t, COUNT(*) AS n FROM cloudtrail WHERE `resources.0.type` IS NOT NULL GROUP BY 1",
        [("AWS::Bedrock::Model", 2)],
        True,
    ),
    (
        "order-ordinal",
        "SELECT requestID, eventTime FROM cloudtrail WHERE awsRegion = 'us-west-2' ORDER BY 2 DESC",
        [("req-5", "2026-01-01T00:04:00Z"), ("req-4", "2026-01-01T00:03:00Z"), ("req-3", "2026-01-01T00:02:00Z")],
        True,
    ),
    (
        "order-limit",
        "SELECT requestID FROM cloudtrail ORDER BY eventTime DESC LIMIT 2",
        [("req-8",), ("req-7",)],
        True,
    ),
    # --- guide shapes --------------------------------------------------------------------------------
    (
        "guide-q1",
        "SELECT `userIdentity.arn`, eventName, errorCode, errorMessage, sourceIPAddress, COUNT(*) AS attempt_count "
        f"FROM `cloudtrail` WHERE eventSource = '{BR}' AND errorCode IN ('AccessDenied', 'UnauthorizedOperation') "
        "GROUP BY `userIdentity.arn`, eventName, errorCode, errorMessage, sourceIPAddress ORDER BY attempt_count DESC",
        [
            (A1, "InvokeModel", "AccessDenied", None, "10.0.0.1", 1),
            (A2, "Converse", "AccessDenied", "denied", "10.0.0.2", 1),
        ],
        False,
    ),
    (
        "guide-q11",
        "SELECT eventTime, sourceIPAddress, `responseElements.statusCode`, `responseElements.body.error.message`, "
        "`additionalEventData.jwt.claims.sub`, `resources.0.ARN` FROM `cloudtrail` "
        f"WHERE eventSource = '{AC}' AND eventName = 'InvokeGateway' AND `responseElements.statusCode` >= 400 "
        "ORDER BY eventTime DESC",
        [
            ("2026-01-01T00:03:00Z", "203.0.113.9", "403", None, "user-a", None),
            ("2026-01-01T00:02:00Z", "203.0.113.9", "401", "invalid token", None, None),
        ],
        True,
    ),
    (
        "guide-q12",
        "SELECT `additionalEventData.jwt.claims.sub` AS sub, `additionalEventData.jwt.claims.iss` AS iss, "
        f"sourceIPAddress, COUNT(*) AS request_count FROM `cloudtrail` WHERE eventSource = '{AC}' "
        "AND eventName = 'InvokeGateway' AND `additionalEventData.jwt.claims.sub` IS NOT NULL "
        "GROUP BY 1, 2, 3 ORDER BY request_count DESC, sub",
        [("user-a", "https://idp", "203.0.113.9", 1), ("user-b", "https://idp", "198.51.100.7", 1)],
        True,
    ),
    # --- window functions ----------------------------------------------------------------------------
    (
        "window-row-number",
        "SELECT requestID, ROW_NUMBER() OVER (PARTITION BY sourceIPAddress ORDER BY eventTime) AS rn FROM cloudtrail "
        "WHERE sourceIPAddress = '10.0.0.1' ORDER BY requestID",
        [("req-1", 1), ("req-6", 2), ("req-7", 3)],
        True,
    ),
    (
        "window-rank-subquery",
        "SELECT eventSource, n, RANK() OVER (ORDER BY n DESC) AS r FROM "
        "(SELECT eventSource, COUNT(*) AS n FROM cloudtrail GROUP BY eventSource) t ORDER BY r, eventSource",
        [(AC, 3, 1), (BR, 3, 1), ("iam.amazonaws.com", 1, 3), ("s3.amazonaws.com", 1, 3)],
        True,
    ),
    (
        "window-lag",
        "SELECT requestID, LAG(requestID) OVER (ORDER BY eventTime) AS prev FROM cloudtrail "
        "WHERE eventName = 'InvokeGateway' ORDER BY eventTime",
        [("req-3", None), ("req-4", "req-3"), ("req-5", "req-4")],
        True,
    ),
    (
        "window-count-partition",
        "SELECT requestID, COUNT(*) OVER (PARTITION BY awsRegion) AS n FROM cloudtrail WHERE awsRegion = 'us-west-2' "
        "ORDER BY requestID",
        [("req-3", 3), ("req-4", 3), ("req-5", 3)],
        True,
    ),
    # --- subqueries ----------------------------------------------------------------------------------
    (
        "subquery-from",
        "SELECT ip, n FROM (SELECT sourceIPAddress AS ip, COUNT(*) AS n FROM cloudtrail GROUP BY sourceIPAddress) s "
        "WHERE n = 1 ORDER BY ip",
        [("10.0.0.2", 1), ("10.0.0.3", 1), ("198.51.100.7", 1)],
        True,
    ),
    (
        "subquery-in",
        f"SELECT requestID FROM cloudtrail WHERE requestID IN (SELECT requestId FROM {MIL}) ORDER BY requestID",
        [("req-1",), ("req-2",)],
        True,
    ),
    (
        "subquery-not-in",
        f"SELECT requestID FROM cloudtrail WHERE eventSource = '{BR}' AND requestID NOT IN "
        f"(SELECT requestId FROM {MIL})",
        [("req-7",)],
        True,
    ),
    (
        "subquery-count",
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT sourceIPAddress FROM cloudtrail) t",
        [(5,)],
        True,
    ),
    (
        "union-all",
        "SELECT requestID AS id FROM cloudtrail WHERE requestID = 'req-1' "
        f"UNION ALL SELECT requestId AS id FROM {MIL} WHERE requestId = 'req-9'",
        [("req-1",), ("req-9",)],
        False,
    ),
    # --- joins ---------------------------------------------------------------------------------------
    (
        "join-inner",
        f"SELECT ct.requestID, inv.modelId FROM `cloudtrail` ct INNER JOIN {MIL} inv ON ct.requestID = inv.requestId "
        "ORDER BY ct.requestID",
        [("req-1", "anthropic.claude"), ("req-2", "amazon.nova")],
        True,
    ),
    (
        "join-left-unmatched",
        f"SELECT ct.requestID, inv.modelId FROM cloudtrail ct LEFT OUTER JOIN invocations inv "
        f"ON ct.requestID = inv.requestId WHERE ct.eventSource = '{BR}' ORDER BY ct.requestID",
        [("req-1", "anthropic.claude"), ("req-2", "amazon.nova"), ("req-7", None)],
        True,
    ),
    (
        "join-left-from-inv",
        "SELECT inv.requestId, ct.eventName FROM invocations inv LEFT JOIN cloudtrail ct "
        "ON inv.requestId = ct.requestID "
        "ORDER BY inv.requestId",
        [("req-1", "InvokeModel"), ("req-2", "Converse"), ("req-9", None)],
        True,
    ),
    (
        "join-guide-q18",
        "SELECT ct.eventTime AS timestamp, ct.`userIdentity.arn` AS caller, ct.sourceIPAddress, ct.eventName AS api, "
        "ct.requestID AS requestId, inv.`input.inputBodyJson.messages.0.content.0.text` AS prompt, "
        "inv.`input.inputBodyJson.inferenceConfig.temperature` AS temperature, "
        "inv.`output.outputBodyJson.stopReason` AS stopReason "
        f"FROM `cloudtrail` ct LEFT OUTER JOIN {MIL} inv ON ct.requestID = inv.requestId "
        f"WHERE ct.eventSource = '{BR}' AND ct.eventName IN ('InvokeModel', 'InvokeModelWithResponseStream', "
        "'Converse', 'ConverseStream') ORDER BY ct.eventTime DESC LIMIT 20",
        [
            ("2026-01-01T00:06:00Z", A1, "10.0.0.1", "InvokeModel", "req-7", None, None, None),
            ("2026-01-01T00:01:00Z", A2, "10.0.0.2", "Converse", "req-2", None, None, None),
            ("2026-01-01T00:00:00Z", A1, "10.0.0.1", "InvokeModel", "req-1", "hello", "0.5", "end_turn"),
        ],
        True,
    ),
    (
        "join-guide-q19",
        "SELECT spans.`attributes.session.id` AS sessionId, spans.traceId, spans.durationNano / 1e6 AS latencyMs, "
        "ct.`userIdentity.arn` AS caller FROM `aws/spans` spans LEFT OUTER JOIN `cloudtrail` ct "
        "ON spans.`attributes.aws.request_id` = ct.requestID WHERE spans.`resource.attributes.aws.service.type` = "
        "'gen_ai_agent' AND spans.`attributes.gen_ai.system` = 'aws.bedrock' ORDER BY sessionId",
        [("sess-1", "t1", 1500.0, A1), ("sess-2", "t2", 3000.0, A2)],
        True,
    ),
    (
        "join-time-inequality",
        "SELECT ct.requestID, inv.requestId FROM cloudtrail ct INNER JOIN invocations inv "
        "ON inv.timestamp >= ct.eventTime WHERE ct.requestID = 'req-6'",
        [("req-6", "req-9")],
        True,
    ),
    (
        "join-group",
        "SELECT inv.modelId, COUNT(ct.requestID) AS n FROM invocations inv LEFT OUTER JOIN cloudtrail ct "
        "ON inv.requestId = ct.requestID GROUP BY inv.modelId ORDER BY inv.modelId",
        [("amazon.nova", 1), ("anthropic.claude", 1)],
        True,
    ),
    (
        "join-self-q17",
        "SELECT gw.requestID AS gw_req, rt.requestID AS rt_req FROM cloudtrail gw LEFT OUTER JOIN cloudtrail rt "
        "ON rt.eventTime >= gw.eventTime AND rt.eventSource = 'iam.amazonaws.com' "
        "WHERE gw.eventName = 'InvokeGateway' ORDER BY gw_req",
        [("req-3", "req-6"), ("req-4", "req-6"), ("req-5", "req-6")],
        True,
    ),
    (
        "join-subquery",
        "SELECT ct.requestID, x.n FROM cloudtrail ct INNER JOIN "
        "(SELECT requestId, COUNT(*) AS n FROM invocations GROUP BY requestId) x ON ct.requestID = x.requestId "
        "ORDER BY ct.requestID",
        [("req-1", 1), ("req-2", 1)],
        True,
    ),
    (
        "join-spans-runtime",
        "SELECT s.spanId, r.body FROM spans s INNER JOIN runtime_logs r ON s.traceId = r.traceId "
        "WHERE s.parentSpanId IS NULL ORDER BY s.spanId",
        [("a1", "started"), ("b1", "boom")],
        True,
    ),
    (
        "join-three-via-subquery",
        "SELECT x.requestID, x.modelId, sp.traceId FROM (SELECT ct.requestID, inv.modelId FROM cloudtrail ct "
        f"LEFT OUTER JOIN invocations inv ON ct.requestID = inv.requestId WHERE ct.eventSource = '{BR}') x "
        "LEFT OUTER JOIN spans sp ON x.requestID = sp.`attributes.aws.request_id` ORDER BY x.requestID",
        [("req-1", "anthropic.claude", "t1"), ("req-2", "amazon.nova", "t2"), ("req-7", None, None)],
        True,
    ),
    (
        "join-no-match-inner",
        "SELECT ct.requestID FROM cloudtrail ct INNER JOIN spans s ON ct.requestID = s.traceId",
        [],
        True,
    ),
]


@pytest.mark.parametrize(("query", "expected", "ordered"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case(golden_store, query, expected, ordered):
    got = rows(run_sql(golden_store, query, None).frame)
    if ordered:
        assert got == expected
    else:
        assert sorted(got, key=repr) == sorted(expected, key=repr)


def test_case_ids_unique():
    assert len({c[0] for c in CASES}) == len(CASES)


# --- time range: every group is filtered by @timestamp, start <= t < end + 1 s -----------------------------
def _tr(start: str, end: str) -> TimeRange:
    return TimeRange(datetime.fromisoformat(start).replace(tzinfo=UTC), datetime.fromisoformat(end).replace(tzinfo=UTC))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (("2026-01-01T00:01:00", "2026-01-01T00:03:00"), ["req-2", "req-3", "req-4"]),
        (("2026-01-01T00:01:00", "2026-01-01T00:02:59"), ["req-2", "req-3"]),
        (("2026-01-02T00:00:00", "2026-01-02T00:00:00"), ["req-8"]),
        (("2025-01-01T00:00:00", "2025-12-31T23:59:59"), []),
    ],
)
def test_time_range_inclusive_seconds(golden_store, window, expected):
    result = run_sql(golden_store, "SELECT requestID FROM cloudtrail ORDER BY requestID", _tr(*window))
    assert [r[0] for r in rows(result.frame)] == expected


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (("2026-01-01T00:00:00", "2026-01-01T00:00:30"), [("req-1", "anthropic.claude")]),
        (("2026-01-01T00:00:00", "2026-01-01T00:00:00"), [("req-1", None)]),
    ],
)
def test_time_range_filters_both_sides_of_a_join(golden_store, window, expected):
    query = (
        "SELECT ct.requestID, inv.modelId FROM cloudtrail ct LEFT OUTER JOIN invocations inv "
        "ON ct.requestID = inv.requestId"
    )
    assert rows(run_sql(golden_store, query, _tr(*window)).frame) == expected


def test_time_range_filters_subqueries_and_counts_scanned(golden_store):
    window = _tr("2026-01-01T00:00:00", "2026-01-01T00:01:59")
    result = run_sql(
        golden_store, f"SELECT COUNT(*) AS n FROM cloudtrail WHERE requestID IN (SELECT requestId FROM {MIL})", window
    )
    assert rows(result.frame) == [(2,)]
    assert result.stats.records_scanned == 2 + 2  # c1, c2 and i1, i2 fall in the window


# --- result shape ---------------------------------------------------------------------------------------------
def test_ptr_is_unique_and_selectable(golden_store):
    frame = run_sql(golden_store, "SELECT `@ptr`, requestID FROM cloudtrail", None).frame
    assert frame["@ptr"].notna().all() and frame["@ptr"].nunique() == 8


def test_column_names_follow_the_query(golden_store):
    query = (
        "SELECT ct.`userIdentity.arn`, COUNT(*), MAX(ct.eventTime) AS attempt_Count FROM cloudtrail ct "
        "GROUP BY ct.`userIdentity.arn`"
    )
    frame = run_sql(golden_store, query, None).frame
    assert list(frame.columns) == ["userIdentity.arn", "COUNT(*)", "attempt_Count"]


def test_select_star_returns_system_fields(golden_store):
    frame = run_sql(golden_store, f"SELECT * FROM `{RTG}agentB`", None).frame
    assert list(frame.columns) == ["@timestamp", "@message", "@log", "@logStream", "@ingestionTime", "@ptr"]
    assert rows(frame)[0][2] == f"{RTG}agentB"
    assert '"body":"boom"' in rows(frame)[0][1]


def test_timestamp_column_is_utc_aware(golden_store):
    frame = run_sql(golden_store, "SELECT `@timestamp` FROM cloudtrail", None).frame
    assert str(frame["@timestamp"].dt.tz) == "UTC"


def test_row_cap_warns_and_marks_incomplete(golden_store):
    result = run_sql(golden_store, "SELECT requestID FROM cloudtrail", None, max_rows=5)
    assert len(result.frame) == 5
    assert not result.complete
    assert "capped" in result.warnings[0]


def test_configured_group_name_resolves(golden_store):
    from golden import CT
    from sqlkit import TinyStore

    store = TinyStore({"cloudtrail": CT}, log_groups={"cloudtrail": "aws-cloudtrail-logs/management-events"})
    result = run_sql(store, "SELECT COUNT(*) AS n FROM `aws-cloudtrail-logs/management-events`", None)
    assert rows(result.frame) == [(8,)]


def test_group_found_by_its_log_value():
    from golden import CT
    from sqlkit import TinyStore

    store = TinyStore({"cloudtrail": [(CT[0], {"@log": "org-trail"}), CT[1]]})
    assert rows(run_sql(store, "SELECT requestID FROM `org-trail`", None).frame) == [("req-1",)]
