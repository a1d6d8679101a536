#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (the draft 2020-12 subset
docs/status.schema.json uses), with the standard library only.

usage: validate_json.py SCHEMA [FILE...]     (no FILE: standard input)
       validate_json.py --self-test SCHEMA

Keywords: type (a name or a list; "integer" is a number without a
fraction, never a boolean), required, properties, additionalProperties
(false or a schema), items (one schema for every item), enum, format
("date-time": RFC 3339 with a time zone). $schema, $id, title and
description are annotations. Any other keyword is an error of the schema,
so the schema cannot use more than this checks.

Prints "ok FILE" for a valid document, and "FILE: /json/pointer: what is
wrong" for each error of an invalid one. Exit 0 when every document is
valid, 1 when one is not (or is not JSON), 2 for usage or schema errors.
--self-test checks the checker: documents built to break each keyword
the schema uses must be rejected.
"""
import datetime
import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description"}
KEYWORDS = {"type", "required", "properties", "additionalProperties", "items", "enum", "format"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class SchemaError(Exception):
    pass


def type_ok(value, name):
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise SchemaError("unknown type %r" % name)


def date_time_ok(s):
    if not RFC3339.match(s):
        return False
    try:
        datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate(value, schema, path, errors):
    """Appends (path, message) for every violation of schema by value."""
    if not isinstance(schema, dict):
        raise SchemaError("%s: a schema must be an object" % (path or "/"))
    unknown = set(schema) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise SchemaError("%s: keywords this validator does not know: %s"
                          % (path or "/", ", ".join(sorted(unknown))))
    where = path or "/"
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(type_ok(value, n) for n in names):
            errors.append((where, "%s is not of type %s" % (json.dumps(value)[:60], " or ".join(names))))
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append((where, "%s is not one of %s" % (json.dumps(value), json.dumps(schema["enum"]))))
    if schema.get("format") == "date-time" and isinstance(value, str) and not date_time_ok(value):
        errors.append((where, "%r is not an RFC 3339 date-time" % value))
    elif "format" in schema and schema["format"] != "date-time":
        raise SchemaError("%s: unknown format %r" % (where, schema["format"]))
    if isinstance(value, dict):
        validate_object(value, schema, path, errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], "%s/%d" % (path, i), errors)


def validate_object(value, schema, path, errors):
    props = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            errors.append((path or "/", "required field %r is missing" % key))
    extra = schema.get("additionalProperties", True)
    for key, v in value.items():
        sub = "%s/%s" % (path, key.replace("~", "~0").replace("/", "~1"))
        if key in props:
            validate(v, props[key], sub, errors)
        elif extra is False:
            errors.append((path or "/", "field %r is not in the schema" % key))
        elif isinstance(extra, dict):
            validate(v, extra, sub, errors)


def errors_of(doc, schema):
    errors = []
    validate(doc, schema, "", errors)
    return errors


def self_test(schema):
    """Each broken document must be rejected: a missing required field,
    an extra field, a wrong type, a value outside an enum, a bad date."""
    good = {"generated_at": "2027-01-15T08:00:00Z", "healthy": True, "interval_s": 300,
            "quiet_after_s": 86400, "errors_since": "2027-01-14T08:00:00Z", "accounts": []}
    cases = [
        ("valid", dict(good), True),
        ("missing required field", {k: v for k, v in good.items() if k != "healthy"}, False),
        ("extra field", dict(good, surprise=1), False),
        ("boolean for an integer", dict(good, interval_s=True), False),
        ("string for a boolean", dict(good, healthy="yes"), False),
        ("bad date-time", dict(good, generated_at="2027-01-15 08:00:00"), False),
        ("item of the wrong type", dict(good, accounts=[1]), False),
        ("item missing fields", dict(good, accounts=[{"name": "a"}]), False),
    ]
    failed = 0
    for what, doc, want in cases:
        got = not errors_of(doc, schema)
        if got != want:
            failed += 1
            print("FAIL self-test %s: %s" % (what, "accepted" if got else "rejected"))
        else:
            print("ok self-test %s" % what)
    return 1 if failed else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    test = argv[1] == "--self-test"
    args = argv[2:] if test else argv[1:]
    try:
        with open(args[0]) as f:
            schema = json.load(f)
        if test:
            return self_test(schema)
        rc = 0
        for name in args[1:] or ["-"]:
            text = sys.stdin.read() if name == "-" else open(name).read()
            try:
                doc = json.loads(text)
            except ValueError as e:
                print("%s: not JSON: %s" % (name, e))
                rc = 1
                continue
            errors = errors_of(doc, schema)
            for where, what in errors:
                print("%s: %s: %s" % (name, where, what))
            if errors:
                rc = 1
            else:
                print("ok %s" % name)
        return rc
    except (OSError, ValueError, SchemaError, IndexError) as e:
        print("validate_json.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
