#!/usr/bin/python3
"""Validate the SARIF writer's output against the OASIS SARIF 2.1.0 schema.

The script runs the Catch2 test "sarif sample file" in the unit-report binary
with SP_SARIF_SAMPLE set, so the writer renders its sample run to a temporary
file. It validates that file against tests/schemas/sarif-schema-2.1.0.json (a
copy of the OASIS schema, draft-04) with Debian's python3-jsonschema. Then it
checks the GitHub code scanning rules that the schema does not express: each
ruleIndex names the rule with the result's ruleId, locations are relative to
the repository, and the per-run limits hold.

Usage:
    /usr/bin/python3 tests/e2e/validate_sarif.py --unit-report PATH [--keep]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema is missing: install it with "
             "`apt-get install python3-jsonschema` or run scripts/install-deps")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "tests", "schemas", "sarif-schema-2.1.0.json")

# GitHub code scanning limits per run and per rule.
MAX_RESULTS_PER_RUN = 25000
MAX_RULES_PER_RUN = 25000
MAX_TAGS_PER_RULE = 20
MAX_RULE_NAME_LENGTH = 255


def render_sample(unit_report, path):
    """Run the unit test that writes the sample SARIF file to `path`."""
    environment = dict(os.environ, SP_SARIF_SAMPLE=path)
    completed = subprocess.run([unit_report, "sarif sample file"], env=environment,
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.exit(f"{unit_report} failed with exit status {completed.returncode}:\n"
                 f"{completed.stdout}{completed.stderr}")
    if not os.path.exists(path):
        sys.exit(f"{unit_report} wrote no file at {path}; "
                 "is the test case 'sarif sample file' missing?")


def github_problems(log):
    """Return the code scanning rules that `log` breaks, one message each."""
    problems = []
    for run_number, run in enumerate(log["runs"]):
        rules = run["tool"]["driver"].get("rules", [])
        results = run.get("results", [])
        if len(results) > MAX_RESULTS_PER_RUN:
            problems.append(f"run {run_number}: {len(results)} results, maximum {MAX_RESULTS_PER_RUN}")
        if len(rules) > MAX_RULES_PER_RUN:
            problems.append(f"run {run_number}: {len(rules)} rules, maximum {MAX_RULES_PER_RUN}")
        for rule in rules:
            if len(rule.get("properties", {}).get("tags", [])) > MAX_TAGS_PER_RULE:
                problems.append(f"rule {rule['id']}: more than {MAX_TAGS_PER_RULE} tags")
            if len(rule.get("name", "")) > MAX_RULE_NAME_LENGTH:
                problems.append(f"rule {rule['id']}: name longer than {MAX_RULE_NAME_LENGTH}")
            for field in ("shortDescription", "fullDescription"):
                if not rule.get(field, {}).get("text"):
                    problems.append(f"rule {rule['id']}: {field}.text is missing")
        for index, result in enumerate(results):
            where = f"run {run_number} result {index}"
            rule_index = result.get("ruleIndex")
            if rule_index is None or rule_index >= len(rules):
                problems.append(f"{where}: ruleIndex {rule_index} is not an index into rules[]")
            elif rules[rule_index]["id"] != result.get("ruleId"):
                problems.append(f"{where}: ruleIndex {rule_index} names {rules[rule_index]['id']}, "
                                f"not ruleId {result.get('ruleId')}")
            if not result.get("locations"):
                problems.append(f"{where}: locations[] is missing")
            for location in result.get("locations", []) + result.get("relatedLocations", []):
                uri = location["physicalLocation"]["artifactLocation"]["uri"]
                if uri.startswith("/") or ".." in uri.split("/"):
                    problems.append(f"{where}: uri {uri!r} is not relative to the repository")
    return problems


def sarif_problems(log, schema=None):
    """Return every schema error and code scanning rule that `log` breaks, one message each."""
    if schema is None:
        with open(SCHEMA, encoding="utf-8") as schema_file:
            schema = json.load(schema_file)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.draft4_format_checker)
    problems = [f"schema: {'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
                for error in validator.iter_errors(log)]
    return problems + github_problems(log)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit-report", required=True, help="path of the unit-report test binary")
    parser.add_argument("--keep", action="store_true", help="keep the sample file and print its path")
    arguments = parser.parse_args()

    with open(SCHEMA, encoding="utf-8") as schema_file:
        schema = json.load(schema_file)
    directory = tempfile.mkdtemp(prefix="sp-sarif-")
    path = os.path.join(directory, "sample.sarif")
    render_sample(arguments.unit_report, path)
    with open(path, encoding="utf-8") as sample_file:
        log = json.load(sample_file)
    if arguments.keep:
        print(f"sample: {path}")
    else:
        os.remove(path)
        os.rmdir(directory)

    problems = sarif_problems(log, schema)
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        return 1
    results = sum(len(run.get("results", [])) for run in log["runs"])
    print(f"PASS sample SARIF ({results} results) is valid SARIF 2.1.0 for code scanning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
