#!/usr/bin/python3
"""Check request counts and connection reuse of `check` on a generated ECS world.

The world comes from scale_world.py: task definitions over a few execution
roles, with the same secrets referenced from several workloads and with
different JSON keys. The emulator's request log must show one
AssumeRoleWithWebIdentity per role and one GetSecretValue per secret, however
many workloads and keys reference it. The requests must use no more TLS
connections than `--concurrency`. The report must give every reference its
own verdict, and no output may contain a secret value.

Usage:
    /usr/bin/python3 tests/e2e/run_scale.py --binary PATH [--keep]

Prints PASS or FAIL lines and exits 1 when a check fails.
"""

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile

import run_cases
import scale_world

ROLES = 6
WORKLOADS_PER_ROLE = 3
SECRETS_PER_WORKLOAD = 8
CONCURRENCY = 4
TIMEOUT_SECONDS = 120


def read_request_log(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def operation_of(entry):
    headers = {name.lower(): value for name, value in entry["headers"]}
    if "x-amz-target" in headers:
        return headers["x-amz-target"]
    if entry["path"] == "/" and entry["body"].startswith("Action="):
        return entry["body"].split("&", 1)[0][len("Action="):]
    return entry["path"].split("?", 1)[0]


def form_value(body, name):
    for item in body.split("&"):
        key, _, value = item.partition("=")
        if key == name:
            return value
    return ""


def check_requests(entries, problems):
    operations = collections.Counter(operation_of(entry) for entry in entries)
    exchanges = collections.Counter(form_value(entry["body"], "RoleArn") for entry in entries
                                    if operation_of(entry) == "AssumeRoleWithWebIdentity")
    if len(exchanges) != ROLES:
        problems.append(f"AssumeRoleWithWebIdentity reached {len(exchanges)} roles, expected {ROLES}")
    for role, count in sorted(exchanges.items()):
        if count != 1:
            problems.append(f"AssumeRoleWithWebIdentity for {role} was sent {count} times, expected once")

    reads = collections.Counter(json.loads(entry["body"])["SecretId"] for entry in entries
                                if operation_of(entry) == "secretsmanager.GetSecretValue")
    expected_reads = ROLES * SECRETS_PER_WORKLOAD
    if len(reads) != expected_reads:
        problems.append(f"GetSecretValue named {len(reads)} secrets, expected {expected_reads}")
    for secret_id, count in sorted(reads.items()):
        if count != 1:
            problems.append(f"GetSecretValue for {secret_id} was sent {count} times, expected once")

    ports = {entry.get("peer_port") for entry in entries}
    if None in ports or 0 in ports:
        problems.append("the request log has entries without peer_port, so connections cannot be counted")
    elif len(ports) > CONCURRENCY:
        problems.append(f"{len(entries)} requests used {len(ports)} connections, more than --concurrency "
                        f"{CONCURRENCY}")
    return operations, len(ports)


def check_verdicts(report_path, expected, problems):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    actual = {}
    for edge in report["edges"]:
        reference = edge["reference"]
        actual[f"{reference['file']}:{reference['line']}"] = edge["verdict"]
    for place, verdict in sorted(expected.items()):
        if place not in actual:
            problems.append(f"{place}: missing from the report")
        elif actual[place] != verdict:
            problems.append(f"{place}: verdict {actual[place]}, expected {verdict}")
    for place in sorted(set(actual) - set(expected)):
        problems.append(f"{place}: reported, but no such reference was generated")


def run(binary, work_dir):
    """Return the problems found, an empty list when every check passes."""
    world = os.path.join(work_dir, "world")
    expected = scale_world.write_world(world, ROLES, WORKLOADS_PER_ROLE, SECRETS_PER_WORKLOAD, 0)
    cloud_dir = os.path.join(world, "cloud")
    secret_values, _ = run_cases.collect_secret_values(cloud_dir)

    emulator = run_cases.Emulator(cloud_dir, work_dir)
    try:
        emulator.wait_ready(run_cases.EMULATOR_READY_SECONDS)
        env = run_cases.base_environment(work_dir)
        env.update(run_cases.read_env_file(emulator.env_file))
        env["CI"] = "true"
        report_path = os.path.join(work_dir, "report.json")
        stdout_path = os.path.join(work_dir, "check.stdout")
        stderr_path = os.path.join(work_dir, "check.stderr")
        status = run_cases.run_product(binary, ["check", "--report", report_path, "--concurrency", str(CONCURRENCY)],
                                       os.path.join(world, "repo"), env, TIMEOUT_SECONDS, stdout_path, stderr_path)
    finally:
        emulator.stop()

    problems = []
    if status != 1:
        problems.append(f"`check` exited with {status}, expected 1 (the world has failing edges): "
                        f"{run_cases._last_line(run_cases.read_text(stderr_path))}")
        return problems
    entries = read_request_log(emulator.request_log)
    operations, connections = check_requests(entries, problems)
    check_verdicts(report_path, expected, problems)
    outputs = [("stdout", run_cases.read_text(stdout_path)), ("stderr", run_cases.read_text(stderr_path)),
               ("the JSON report", run_cases.read_text(report_path))]
    try:
        run_cases.scan_for_secret_values(secret_values, outputs)
    except run_cases.CaseFailure as failure:
        problems.append(str(failure))
    print(f"{len(expected)} references, {len(entries)} requests on {connections} connections: "
          f"{dict(sorted(operations.items()))}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check request counts and connection reuse on a generated world.")
    parser.add_argument("--binary", required=True, help="the secret-preflight binary")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print its path")
    args = parser.parse_args(argv)
    work_dir = tempfile.mkdtemp(prefix="secret-preflight-scale-")
    try:
        problems = run(os.path.abspath(args.binary), work_dir)
    except run_cases.CaseFailure as failure:
        problems = [str(failure)]
    finally:
        if args.keep:
            print(f"kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    for problem in problems:
        print(f"FAIL scale: {problem}")
    if not problems:
        print("PASS scale")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
