"""TG0xx: input that could not be read. Raised by the ingest adapters, listed here so users can look them up."""

from trialguard.findings import Severity
from trialguard.validators.registry import Rule, register

_ERR = Severity.ERROR

UNREADABLE_FILE = register(Rule(
    "TG001", "unreadable-file", _ERR,
    "A file could not be read, or is not UTF-8 text.",
    "Every input byte must be accounted for; a file that cannot be decoded cannot be checked.",
    example="data/NCT01234567.json: not UTF-8 text (byte 1042: b'\\xe9')",
    scope="input"))
MALFORMED_DOCUMENT = register(Rule(
    "TG002", "malformed-document", _ERR,
    "A JSON, XML or YAML document is invalid or truncated.",
    "A document that does not parse holds records that cannot be checked; it is rejected whole.",
    example="data/NCT01234567.json: invalid JSON: Expecting ',' delimiter: line 40 column 5 (char 1203)",
    scope="input"))
EMPTY_FILE = register(Rule(
    "TG003", "empty-file", _ERR,
    "An input file is empty.",
    "An empty file where records were expected usually means a failed download or export.",
    example="data/export.json: file is empty",
    scope="input"))
UNKNOWN_FORMAT = register(Rule(
    "TG004", "unknown-format", _ERR,
    "A file is not in any format trialguard reads.",
    "Supported: CT.gov API v2 JSON (object, array, NDJSON), CT.gov legacy XML, curated records (YAML/JSON), "
    "article text (.txt), and zip archives of these.",
    example="data/notes.docx: not a format trialguard reads (.json, .ndjson, .jsonl, .xml, .yaml, .yml, .txt, .zip)",
    scope="input"))
MISSING_ID = register(Rule(
    "TG005", "missing-record-id", _ERR,
    "A record has no identifier (NCT id or source id).",
    "Findings, baselines and cross-source checks key on the id; a record without one cannot be tracked.",
    example="records/article.yaml: source record has no id",
    scope="input"))
INVALID_RECORD = register(Rule(
    "TG006", "invalid-record", _ERR,
    "A record does not have the structure or types its format requires.",
    "A field of the wrong type (a list where an object belongs, text where a count belongs) makes the record "
    "unreliable; it is rejected with the field named.",
    example="data/NCT01234567.json /protocolSection: expected an object, found a list",
    scope="input"))
DUPLICATE_ID = register(Rule(
    "TG007", "duplicate-record-id", _ERR,
    "The same trial or source id is read from more than one record.",
    "Two versions of one record would be checked twice and their findings mixed; the later one is rejected.",
    example="data/b.json: trial NCT01234567 was already read from data/a.json",
    scope="input"))
BAD_ARCHIVE_MEMBER = register(Rule(
    "TG008", "bad-archive-member", _ERR,
    "A member of a zip archive cannot be read or is unsafe.",
    "Members with absolute or '..' names, nested archives, absurd sizes or compression ratios, and corrupt "
    "data are refused without extracting anything to disk.",
    example="data/export.zip!../../etc/passwd: unsafe member name (absolute or '..' path)",
    scope="input"))
INPUT_LIMIT = register(Rule(
    "TG009", "input-limit-exceeded", _ERR,
    "A file is larger or more deeply nested than the configured limits.",
    "Limits protect the run from pathological or hostile input (file size, JSON nesting depth).",
    example="data/huge.json: file is 300000000 bytes, over the limit of 268435456 bytes (--max-file-mb)",
    scope="input"))
