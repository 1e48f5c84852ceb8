#!/usr/bin/env python3
"""Validates every scenario file under scenarios/ against scenarios/schema.json
(JSON Schema 2020-12) and every rule file under scenarios/rules/ against
scenarios/rules.schema.json; then checks that the schema rejects unknown keys.
Usage: scenario_schema_check.py REPO_ROOT. Exit status 0 when all checks hold."""
import copy
import json
import pathlib
import sys

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def errors_of(validator, document):
    return [("/" + "/".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(document)]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    scenarios = pathlib.Path(sys.argv[1]) / "scenarios"
    schema = load(scenarios / "schema.json")
    rules_schema = load(scenarios / "rules.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator.check_schema(rules_schema)
    validator = jsonschema.Draft202012Validator(schema)
    rules_validator = jsonschema.Draft202012Validator(rules_schema)

    failures = 0
    checked = 0
    for path in sorted(scenarios.rglob("*.json")):
        relative = path.relative_to(scenarios)
        if relative.name.endswith("schema.json"):
            continue
        is_rule_file = relative.parts[0] == "rules"
        problems = errors_of(rules_validator if is_rule_file else validator, load(path))
        checked += 1
        for pointer, message in problems:
            print(f"{path}: {pointer}: {message}")
        failures += bool(problems)
    print(f"{checked} files checked against the schemas, {failures} invalid")

    # The schema must reject what the loader rejects as an unknown key.
    seed = load(scenarios / "seed-msha-cutover.json")
    for where in ([], ["units", 0, "nodes", 0], ["timeline", 0], ["timeline", 0, "expect"], ["clients", 0]):
        document = copy.deepcopy(seed)
        target = document
        for step in where:
            target = target[step]
        target["unexpected_key"] = 1
        if not errors_of(validator, document):
            print(f"schema accepted an unknown key at /{'/'.join(map(str, where))}")
            failures += 1
    bad_duration = copy.deepcopy(seed)
    bad_duration["duration"] = "15 s"
    if not errors_of(validator, bad_duration):
        print("schema accepted the duration \"15 s\"")
        failures += 1
    # The URL schemes follow "tls": wss:// with it, ws:// without, as the loader says.
    tls_seed = load(scenarios / "regression" / "seed-cutover-tls.json")
    mixed = copy.deepcopy(tls_seed)
    mixed["clients"][0]["url"] = mixed["clients"][0]["url"].replace("wss://", "ws://")
    plain_with_wss = copy.deepcopy(tls_seed)
    del plain_with_wss["tls"]
    # "tls_to_backends" re-encrypts with the run's CA: only with "tls": true.
    backends_without_tls = load(scenarios / "seed-msha-cutover.json")
    backends_without_tls["tls_to_backends"] = True
    for title, document in (("a ws:// client URL with \"tls\": true", mixed),
                            ("wss:// URLs without \"tls\"", plain_with_wss),
                            ("\"tls_to_backends\" without \"tls\"", backends_without_tls)):
        if not errors_of(validator, document):
            print(f"schema accepted {title}")
            failures += 1
    if checked < 2:
        print("expected at least the two seed scenarios")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
