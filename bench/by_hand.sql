-- Baselines of bench/frames_scale.py: the 17 CloudTrail fields an analyst reads most, done by hand in
-- plain DuckDB (no aiaudit code). bench/frames_scale.py sets the variable `files` to the list of
-- gzip files (S3 delivery layout) and runs each named statement in its own process, fetching the
-- result with .df(). Statements are separated by "-- name:" lines.

-- name: settings
SET threads = 2;

-- name: R
-- read_json over the gzip files -> unnest Records -> the 17 fields
SELECT
    r.eventTime AS "eventTime",
    r.eventSource AS "eventSource",
    r.eventName AS "eventName",
    r.awsRegion AS "awsRegion",
    r.sourceIPAddress AS "sourceIPAddress",
    r.userAgent AS "userAgent",
    r.errorCode AS "errorCode",
    r.errorMessage AS "errorMessage",
    r.requestID AS "requestID",
    r.eventID AS "eventID",
    r.readOnly AS "readOnly",
    r.recipientAccountId AS "recipientAccountId",
    r.userIdentity.type AS "userIdentity.type",
    r.userIdentity.arn AS "userIdentity.arn",
    r.userIdentity.accountId AS "userIdentity.accountId",
    r.userIdentity.accessKeyId AS "userIdentity.accessKeyId",
    r.userIdentity.sessionContext.sessionIssuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn"
FROM (
    SELECT unnest(Records) AS r
    FROM read_json(getvariable('files'), format = 'auto', maximum_object_size = 67108864)
);

-- name: T-setup
-- (not timed) the same 17 fields loaded once into a DuckDB table
CREATE OR REPLACE TABLE events17 AS
SELECT
    r.eventTime AS "eventTime",
    r.eventSource AS "eventSource",
    r.eventName AS "eventName",
    r.awsRegion AS "awsRegion",
    r.sourceIPAddress AS "sourceIPAddress",
    r.userAgent AS "userAgent",
    r.errorCode AS "errorCode",
    r.errorMessage AS "errorMessage",
    r.requestID AS "requestID",
    r.eventID AS "eventID",
    r.readOnly AS "readOnly",
    r.recipientAccountId AS "recipientAccountId",
    r.userIdentity.type AS "userIdentity.type",
    r.userIdentity.arn AS "userIdentity.arn",
    r.userIdentity.accountId AS "userIdentity.accountId",
    r.userIdentity.accessKeyId AS "userIdentity.accessKeyId",
    r.userIdentity.sessionContext.sessionIssuer.arn AS "userIdentity.sessionContext.sessionIssuer.arn"
FROM (
    SELECT unnest(Records) AS r
    FROM read_json(getvariable('files'), format = 'auto', maximum_object_size = 67108864)
);

-- name: T
-- the 17 fields from a DuckDB table already loaded with them
SELECT * FROM events17;
