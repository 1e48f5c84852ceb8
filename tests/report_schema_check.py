#!/usr/bin/env python3
"""Validates report.json files against docs/report.schema.json (JSON Schema
2020-12), then checks that the schema rejects broken copies of the first one
(a missing key, an unknown key, a wrong status, a malformed range), so that a
schema accepting anything would fail this check.
Usage: report_schema_check.py SCHEMA REPORT_JSON... Exit status 0 when all checks hold."""
import copy
import json
import sys

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def errors_of(validator, document):
    return [("/" + "/".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(document)]


def broken_copies(report):
    """(what was broken, document) pairs the schema must reject."""
    def mutated(name, change):
        document = copy.deepcopy(report)
        change(document)
        return name, document

    cases = [
        mutated("events removed", lambda d: d.pop("events")),
        mutated("unknown top-level key", lambda d: d.update(unexpected=1)),
        mutated("passed as a string", lambda d: d.update(passed="yes")),
        mutated("schema version changed", lambda d: d.update(schema="wsfo-report/0")),
    ]
    if report.get("expectations"):
        cases.append(mutated("expectation status 'ok'", lambda d: d["expectations"][0].update(status="ok")))
    if report.get("split_brains"):
        cases.append(mutated("split brain of one node",
                             lambda d: d["split_brains"][0].update(nodes=d["split_brains"][0]["nodes"][:1])))
        cases.append(mutated("split brain without its duration", lambda d: d["split_brains"][0].pop("duration_ns")))
    if report.get("events"):
        cases.append(mutated("range with three numbers",
                             lambda d: d["events"][0]["disconnected"].update(ranges=[[1, 2, 3]])))
        cases.append(mutated("negative reconnect p99",
                             lambda d: d["events"][0]["reconnect_ns"].update(p99=-1)))
    return cases


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = load(sys.argv[1])
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    for path in sys.argv[2:]:
        problems = errors_of(validator, load(path))
        for pointer, message in problems:
            print(f"{path}: {pointer}: {message}")
        failures += bool(problems)
    for name, document in broken_copies(load(sys.argv[2])):
        if not errors_of(validator, document):
            print(f"schema accepted a broken report: {name}")
            failures += 1
    print(f"{len(sys.argv) - 2} reports checked against {sys.argv[1]}, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
