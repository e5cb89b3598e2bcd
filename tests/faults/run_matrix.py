#!/usr/bin/python3
"""Run secret-preflight against provider faults and check that it stays truthful.

Each scenario copies one world from tests/cases (its repo/ and cloud/),
writes a cloud/faults.json, starts the emulator, and runs `secret-preflight
check --log-level debug` with a small retry cap. Every scenario checks that:

- each edge's verdict is one the fault allows, and `ok` only where the fault
  clears before the attempts run out;
- retryable faults log one line per retry with attempt, limit and reason,
  and the emulator's request log shows the bounded number of attempts;
- non-retryable faults make exactly one attempt;
- `--deadline` bounds the run's wall time under heavy latency;
- no secret value, GitHub token or emulator-issued token appears in stdout,
  stderr, the report, the SARIF file, the step summary, GITHUB_OUTPUT or a
  request to the emulated GitHub API (the scanning of tests/e2e/run_cases.py).

Usage:
    /usr/bin/python3 tests/faults/run_matrix.py --binary PATH [--jobs N] [--keep] [SCENARIO ...]

Prints one PASS or FAIL line per scenario and exits 1 when any fails.
Standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "e2e"))

import run_cases  # noqa: E402
from run_cases import CaseFailure  # noqa: E402

CASES_DIR = os.path.join(REPO_ROOT, "tests", "cases")
MAX_ATTEMPTS = 3
# A request slower than this times out; latency faults exceed it.
REQUEST_TIMEOUT_SECONDS = 1
RUN_TIMEOUT_SECONDS = 60
# The deadline scenarios' bound; elapsed time may exceed it by DEADLINE_MARGIN_SECONDS
# (process start, report writing, one request cut at the deadline).
DEADLINE_SECONDS = 2
DEADLINE_MARGIN_SECONDS = 2.5
RETRY_LINE = re.compile(r"retrying (?P<operation>.+?) for (?P<target>.+?) "
                        r"\(attempt (?P<attempt>\d+) of (?P<limit>\d+)\): (?P<reason>\S.*)")
# The transport's debug line for a request that got no HTTP response.
TRANSPORT_FAILURE_LINE = re.compile(r"debug: http: [A-Z]+ \S+ -> (?!\d+$)[^\n]+$", re.MULTILINE)
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# Worlds: a tests/cases folder whose edges are all ok without faults, and the
# (service, operation) pairs of faults.json its run calls.
WORLDS = {
    "aws": {
        "case": "csi-irsa-several-objects",
        "targets": {
            "github-idtoken": ("github", "idtoken"),
            "sts": ("sts", "AssumeRoleWithWebIdentity"),
            "iam": ("iam", "GetRole"),
            "secretsmanager": ("secretsmanager", "GetSecretValue"),
            "ssm": ("ssm", "GetParameters"),
        },
    },
    "gcp": {
        "case": "gcp-cloud-run-service-ok",
        "targets": {
            "github-idtoken": ("github", "idtoken"),
            "sts": ("gcp-sts", "token"),
            "iamcredentials": ("gcp-iamcredentials", "generateAccessToken"),
            "secretmanager": ("gcp-secretmanager", "access"),
        },
    },
    "azure": {
        "case": "azure-csi-rbac-secrets-user-ok",
        "targets": {
            "github-idtoken": ("github", "idtoken"),
            "login": ("azure-login", "token"),
            "keyvault": ("azure-keyvault", "getSecret"),
        },
    },
}

# Faults: the rule fields, the verdicts every edge may get, and how many
# attempts the faulted operation must see.
#   "retry-limit": every call retried up to MAX_ATTEMPTS times;
#   "one-retry":   the first request fails and the retry succeeds;
#   "single":      no retries at all;
#   "retry-limit-resent" and "at-most-one-retry": as above, where libcurl may
#   resend a request on its own (resets).
FAULTS = {
    "throttle-clears": ({"throttle_first": 1}, {"ok"}, "one-retry"),
    "throttle-persists": ({"throttle_always": True}, {"inconclusive"}, "retry-limit"),
    "429-retry-after": ({"status": 429, "retry_after": 1}, {"inconclusive"}, "retry-limit"),
    "429-clears": ({"status": 429, "count": 1}, {"ok"}, "one-retry"),
    "5xx-persists": ({"status": 503}, {"inconclusive"}, "retry-limit"),
    "5xx-clears": ({"status": 500, "count": 1}, {"ok"}, "one-retry"),
    "reset-persists": ({"reset_connection": True}, {"inconclusive"}, "retry-limit-resent"),
    # libcurl resends a request on another connection when a reused
    # connection closes before any response, so a reset can cost several
    # requests per attempt, and a single reset may never reach the product.
    "reset-clears": ({"reset_connection": True, "count": 1}, {"ok"}, "at-most-one-retry"),
    "timeout-persists": ({"latency_ms": 1500}, {"inconclusive"}, "retry-limit"),
    "timeout-clears": ({"latency_ms": 1500, "count": 1}, {"ok"}, "one-retry"),
    "slow-body-times-out": ({"slow_body_ms": 2000}, {"inconclusive"}, "retry-limit"),
    "slow-body-in-time": ({"slow_body_ms": 300}, {"ok"}, "single"),
    "truncated-body": ({"truncate_body": True}, {"inconclusive"}, "retry-limit"),
    "malformed-body": ({"malformed_body": True}, {"inconclusive"}, "single"),
}
CLOCK_SKEW_FAULTS = {
    "clock-skew-signature": ({"clock_skew": "signature-expired"}, {"inconclusive"}, "single"),
    "clock-skew-too-skewed": ({"clock_skew": "too-skewed"}, {"inconclusive"}, "single"),
}
CLOCK_SKEW_SERVICES = {"sts", "iam", "secretsmanager", "ssm", "gcp-sts", "azure-login"}
# A fault on these services reaches only the edges whose secret lives there;
# other edges must stay ok. Faults on token services reach every edge.
SECRET_SERVICES = {"secretsmanager": "secretsmanager", "ssm": "ssm"}
# iam:GetRole reads the workload's trust policy after the secret was read, so
# the edge stays ok and its message must state that the trust edge went unchecked.
TRUST_CHECK_SERVICES = {"iam"}
UNCHECKED_TRUST_PHRASE = "trust edge was not checked"


class Scenario:
    def __init__(self, name, world, rules=(), allowed=("ok",), attempts=None, target=None,
                 extra_args=(), env=None, emulator_args=(), deadline=None, expected_from_case=False,
                 case=None):
        self.name = name
        self.world = world
        self.case = case or WORLDS[world]["case"]
        self.rules = list(rules)
        self.allowed = set(allowed)
        self.attempts = attempts
        self.target = target
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.emulator_args = list(emulator_args)
        self.deadline = deadline
        self.expected_from_case = expected_from_case


def build_scenarios():
    scenarios = []
    for world, spec in WORLDS.items():
        scenarios.append(Scenario(f"{world}/baseline", world, allowed={"ok"}, attempts="none"))
        for target_name, (service, operation) in spec["targets"].items():
            faults = dict(FAULTS)
            if service in CLOCK_SKEW_SERVICES:
                faults.update(CLOCK_SKEW_FAULTS)
            for fault_name, (fields, allowed, attempts) in faults.items():
                rule = {"service": service, "operation": operation, **fields}
                scenarios.append(Scenario(f"{world}/{target_name}/{fault_name}", world, [rule], allowed,
                                          attempts, (service, operation)))
        scenarios.append(Scenario(f"{world}/expired-ci-token", world,
                                  [{"service": "github", "operation": "idtoken", "expired_token": True}],
                                  {"inconclusive"}, "none", ("github", "idtoken")))
        scenarios.append(Scenario(f"{world}/tls-unknown-ca", world, allowed={"inconclusive"}, attempts="none",
                                  env={"SECRET_PREFLIGHT_CA_BUNDLE": SYSTEM_CA_BUNDLE,
                                       "AWS_CA_BUNDLE": SYSTEM_CA_BUNDLE}))
        scenarios.append(Scenario(f"{world}/tls-wrong-host-name", world, allowed={"inconclusive"}, attempts="none",
                                  emulator_args=["--certificate-host", "emulator.invalid"]))
        read_service, read_operation = list(spec["targets"].values())[-1]
        scenarios.append(Scenario(f"{world}/deadline-under-latency", world,
                                  [{"service": read_service, "operation": read_operation, "latency_ms": 8000}],
                                  {"inconclusive"}, None, (read_service, read_operation),
                                  extra_args=["--request-timeout", "30"], deadline=DEADLINE_SECONDS))
        scenarios.append(Scenario(f"{world}/deadline-under-retries", world,
                                  [{"service": read_service, "operation": read_operation, "status": 503}],
                                  {"inconclusive"}, None, (read_service, read_operation),
                                  extra_args=["--max-attempts", "10"], deadline=DEADLINE_SECONDS))
    # Non-retryable provider errors: the case's own verdicts, with no retry.
    for case in ("irsa-trust-policy-wrong-serviceaccount", "ecs-not-found", "gcp-not-found",
                 "gcp-permission-denied-iam-binding", "azure-eso-secret-not-found",
                 "azure-eso-rbac-owner-contributor-denied"):
        scenarios.append(Scenario(f"non-retryable/{case}", None, attempts="none", expected_from_case=True,
                                  case=case))
    return scenarios


# ---------------------------------------------------------------------------
# Running one scenario


def copy_world(case, work_dir, rules):
    """Copy the case's repo/ and cloud/ into work_dir, with `rules` as cloud/faults.json."""
    source = os.path.join(CASES_DIR, case)
    for part in ("repo", "cloud"):
        shutil.copytree(os.path.join(source, part), os.path.join(work_dir, part))
    faults_path = os.path.join(work_dir, "cloud", "faults.json")
    if rules:
        with open(faults_path, "w", encoding="utf-8") as f:
            json.dump(rules, f)
    elif os.path.exists(faults_path):
        os.remove(faults_path)
    return os.path.join(work_dir, "repo"), os.path.join(work_dir, "cloud")


def classify_request(entry):
    """Return the faults.json (service, operation) of one request-log entry."""
    path = entry.get("path", "").split("?")[0]
    headers = {name.lower(): value for name, value in entry.get("headers", [])}
    if path.startswith("/_github/idtoken"):
        return "github", "idtoken"
    if path.startswith("/_github/api"):
        return "github-api", path
    if path.startswith("/_gcp/"):
        api, _, rest = path[len("/_gcp/"):].partition("/")
        if api == "sts":
            return "gcp-sts", "token"
        operation = rest.rsplit(":", 1)[1] if ":" in rest else rest
        return f"gcp-{api}", operation
    if path.startswith("/_azure/"):
        service = path[len("/_azure/"):].partition("/")[0]
        operation = {"login": "token", "keyvault": "getSecret", "management": "listFederatedIdentityCredentials"}
        return f"azure-{service}", operation.get(service, service)
    target = headers.get("x-amz-target", "")
    if target:
        prefix, _, operation = target.partition(".")
        return {"secretsmanager": "secretsmanager", "AmazonSSM": "ssm"}.get(prefix, prefix.lower()), operation
    body = entry.get("body", "")
    action = re.search(r"(?:^|&)Action=([A-Za-z]+)", body)
    action = action.group(1) if action else ""
    service = "iam" if action == "GetRole" else "sts"
    credential = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([a-z]+)/", headers.get("authorization", ""))
    if credential:
        service = credential.group(1)
    return service, action


def request_counts(request_log):
    counts = {}
    if not os.path.exists(request_log):
        return counts
    with open(request_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                key = classify_request(json.loads(line))
            except ValueError:
                continue
            counts[key] = counts.get(key, 0) + 1
    return counts


def run_scenario(scenario, binary, tmp_root, baselines):
    work_dir = os.path.join(tmp_root, scenario.name.replace("/", "--"))
    os.makedirs(work_dir)
    repo_dir, cloud_dir = copy_world(scenario.case, work_dir, scenario.rules)
    scanned_values, all_values = run_cases.collect_secret_values(cloud_dir)
    run_cases.check_values_are_canaries(all_values)
    github_tokens = run_cases.collect_github_tokens(cloud_dir)

    emulator = run_cases.Emulator(cloud_dir, work_dir, scenario.emulator_args)
    outputs_dir = os.path.join(work_dir, "outputs")
    os.makedirs(outputs_dir)
    report_path = os.path.join(outputs_dir, "report.json")
    sarif_path = os.path.join(outputs_dir, "report.sarif")
    summary_path = os.path.join(outputs_dir, "step-summary.md")
    github_output_path = os.path.join(outputs_dir, "github-output.txt")
    stdout_path = os.path.join(work_dir, "check.stdout")
    stderr_path = os.path.join(work_dir, "check.stderr")
    try:
        emulator.wait_ready(run_cases.EMULATOR_READY_SECONDS)
        env = run_cases.base_environment(work_dir)
        env.update(run_cases.read_env_file(emulator.env_file))
        for path in (summary_path, github_output_path):
            open(path, "w").close()
        env.update({"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_RUN_ID": "4242",
                    "GITHUB_STEP_SUMMARY": summary_path, "GITHUB_OUTPUT": github_output_path,
                    "GITHUB_WORKSPACE": repo_dir, "GITHUB_REPOSITORY": "acme/shop",
                    "GITHUB_EVENT_NAME": "pull_request"})
        env.update(scenario.env)
        options = {"--max-attempts": str(MAX_ATTEMPTS), "--request-timeout": str(REQUEST_TIMEOUT_SECONDS)}
        if scenario.deadline is not None:
            options["--deadline"] = str(scenario.deadline)
        options.update(zip(scenario.extra_args[::2], scenario.extra_args[1::2]))
        args = ["check", "--report", report_path, "--sarif", sarif_path, "--log-level", "debug"]
        for name, value in options.items():
            args += [name, value]
        started = time.monotonic()
        status = run_cases.run_product(binary, args, repo_dir, env, RUN_TIMEOUT_SECONDS, stdout_path, stderr_path)
        elapsed = time.monotonic() - started
    finally:
        emulator.stop()

    stdout_text = run_cases.read_text(stdout_path)
    stderr_text = run_cases.read_text(stderr_path)
    report_text = run_cases.read_text(report_path)
    problems = []

    # Canaries and tokens first, because a leak is the worst failure.
    outputs = [("stdout", stdout_text), ("stderr", stderr_text), ("the report", report_text),
               ("the SARIF file", run_cases.read_text(sarif_path)),
               ("the step summary", run_cases.read_text(summary_path)),
               ("GITHUB_OUTPUT", run_cases.read_text(github_output_path)),
               ("GitHub API requests", run_cases.github_api_requests(emulator.request_log))]
    try:
        run_cases.scan_for_secret_values(scanned_values, outputs, github_tokens)
    except CaseFailure as failure:
        problems.append(str(failure))

    # Verdicts.
    try:
        edges = json.loads(report_text).get("edges", [])
    except ValueError:
        return problems + [f"no valid report (exit status {status}, stderr: {run_cases._last_line(stderr_text)})"]
    if not edges:
        problems.append("the report lists no edges")
    if scenario.expected_from_case:
        expected = run_cases._load_json(os.path.join(CASES_DIR, scenario.case, "expected.json"))
        problems.extend(run_cases.compare_edges(expected["edges"], edges))
    else:
        for edge in edges:
            affected = scenario.target is None or scenario.target[0] not in SECRET_SERVICES or \
                (edge.get("secret") or {}).get("service") == SECRET_SERVICES[scenario.target[0]]
            if scenario.target and scenario.target[0] in TRUST_CHECK_SERVICES and "ok" not in scenario.allowed:
                if edge.get("verdict") != "ok" or UNCHECKED_TRUST_PHRASE not in edge.get("message", ""):
                    problems.append(f"edge {run_cases._edge_label(edge)} is {edge.get('verdict')!r} without "
                                    f"{UNCHECKED_TRUST_PHRASE!r}: {edge.get('message', '')[:300]}")
                continue
            if not affected:
                if edge.get("verdict") != "ok":
                    problems.append(f"edge {run_cases._edge_label(edge)} does not use {scenario.target[0]} but is "
                                    f"{edge.get('verdict')!r}: {edge.get('message', '')[:300]}")
                continue
            if edge.get("verdict") not in scenario.allowed:
                problems.append(f"edge {run_cases._edge_label(edge)} is {edge.get('verdict')!r}, expected one of "
                                f"{sorted(scenario.allowed)}: {edge.get('message', '')[:300]}")
    trust_only = scenario.target is not None and scenario.target[0] in TRUST_CHECK_SERVICES
    if "ok" not in scenario.allowed and not trust_only and not scenario.expected_from_case and \
            all(edge.get("verdict") == "ok" for edge in edges):
        problems.append("a fault that never clears left every edge ok")

    # Retries and attempt counts.
    retry_lines = [match for match in map(RETRY_LINE.search, stderr_text.splitlines()) if match]
    for match in retry_lines:
        if int(match["limit"]) != MAX_ATTEMPTS and not scenario.extra_args:
            problems.append(f"retry line names limit {match['limit']}, expected {MAX_ATTEMPTS}: {match.group(0)}")
        if int(match["attempt"]) > int(match["limit"]) or int(match["attempt"]) < 2:
            problems.append(f"retry line attempt out of range: {match.group(0)}")
    counts = request_counts(emulator.request_log)
    faulted = counts.get(scenario.target, 0) if scenario.target else 0
    baseline = baselines.get(scenario.world, {}).get(scenario.target, 0) if scenario.target else 0
    if scenario.attempts == "none" and retry_lines:
        problems.append(f"{len(retry_lines)} retries logged where none were expected: {retry_lines[0].group(0)}")
    elif scenario.attempts == "single":
        if retry_lines:
            problems.append(f"a non-retryable fault was retried: {retry_lines[0].group(0)}")
        if faulted == 0:
            problems.append(f"the emulator saw no {scenario.target[1]} request")
    elif scenario.attempts == "one-retry":
        if len(retry_lines) != 1:
            problems.append(f"{len(retry_lines)} retry lines, expected exactly 1")
        if baseline and faulted != baseline + 1:
            problems.append(f"the emulator saw {faulted} {scenario.target[1]} requests, expected {baseline + 1} "
                            f"(the fault-free run's {baseline} and one retry)")
    elif scenario.attempts == "at-most-one-retry":
        if len(retry_lines) > 1:
            problems.append(f"{len(retry_lines)} retry lines, expected at most 1")
    elif scenario.attempts == "retry-limit-resent":
        # libcurl may resend one attempt over several pooled connections, so
        # the product's attempts are counted from its own debug lines.
        if not retry_lines:
            problems.append("no retry was logged")
        calls = len(retry_lines) // (MAX_ATTEMPTS - 1)
        failed_requests = len(TRANSPORT_FAILURE_LINE.findall(stderr_text))
        if len(retry_lines) % (MAX_ATTEMPTS - 1) != 0 or failed_requests != calls * MAX_ATTEMPTS:
            problems.append(f"{failed_requests} failed requests for {len(retry_lines)} retry lines; expected "
                            f"{MAX_ATTEMPTS} attempts per call")
        if faulted < failed_requests:
            problems.append(f"the emulator saw {faulted} {scenario.target[1]} requests, fewer than the "
                            f"{failed_requests} the product logged")
    elif scenario.attempts == "retry-limit":
        if not retry_lines:
            problems.append("no retry was logged")
        if len(retry_lines) % (MAX_ATTEMPTS - 1) != 0 or faulted * (MAX_ATTEMPTS - 1) != len(retry_lines) * MAX_ATTEMPTS:
            problems.append(f"the emulator saw {faulted} {scenario.target[1]} requests for {len(retry_lines)} retry "
                            f"lines; expected {MAX_ATTEMPTS} attempts per call")
        if not any(int(m["attempt"]) == MAX_ATTEMPTS for m in retry_lines):
            problems.append(f"no retry reached attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS}")

    # The deadline bounds wall time.
    if scenario.deadline is not None and elapsed > scenario.deadline + DEADLINE_MARGIN_SECONDS:
        problems.append(f"the run took {elapsed:.1f} s with --deadline {scenario.deadline}")
    return problems


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Run secret-preflight's provider fault matrix.")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help="scenario names or name prefixes, such as aws/sts (default: all)")
    parser.add_argument("--binary", default=os.path.join(REPO_ROOT, "build", "secret-preflight"),
                        help="secret-preflight binary to test (default: build/secret-preflight)")
    # Most of a scenario is spent waiting on backoff and timeouts, so more
    # jobs than cores still shortens the run.
    parser.add_argument("--jobs", type=int, default=8, help="scenarios run at once (default: 8)")
    parser.add_argument("--keep", action="store_true", help="keep each scenario's outputs and print the folder")
    parser.add_argument("--list", action="store_true", help="print the scenario names and exit")
    return parser.parse_args(argv)


def main(argv):
    args = parse_arguments(argv)
    scenarios = build_scenarios()
    if args.list:
        for scenario in scenarios:
            print(scenario.name)
        return 0
    if args.scenarios:
        scenarios = [s for s in scenarios if any(s.name == p or s.name.startswith(p.rstrip("/") + "/")
                                                 for p in args.scenarios)]
        if not scenarios:
            print("ERROR no scenario matches " + " ".join(args.scenarios))
            return 1
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"ERROR binary not found or not executable: {binary}")
        return 1

    tmp_root = tempfile.mkdtemp(prefix="secret-preflight-faults-")
    if args.keep:
        print(f"outputs kept in {tmp_root}")
    started = time.monotonic()
    # Fault-free runs first: their request counts are what one retry adds to.
    baselines = {}
    for world in WORLDS:
        work_dir = os.path.join(tmp_root, f"request-count-{world}")
        os.makedirs(work_dir)
        baselines[world] = measure_request_counts(world, binary, work_dir)

    failures = 0

    def run(scenario):
        begun = time.monotonic()
        try:
            problems = run_scenario(scenario, binary, tmp_root, baselines)
        except CaseFailure as failure:
            problems = [str(failure)]
        return scenario, problems, time.monotonic() - begun

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for scenario, problems, elapsed in pool.map(run, scenarios):
            if problems:
                failures += 1
                print(f"FAIL {scenario.name} [{elapsed:.1f} s]: {problems[0]}", flush=True)
                for problem in problems[1:]:
                    print(f"     {problem}", flush=True)
            else:
                print(f"PASS {scenario.name} [{elapsed:.1f} s]", flush=True)
    if not args.keep:
        shutil.rmtree(tmp_root, ignore_errors=True)
    print(f"{len(scenarios) - failures} of {len(scenarios)} scenarios passed in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def measure_request_counts(world, binary, work_dir):
    """Run the world without faults and return its request counts per (service, operation)."""
    repo_dir, cloud_dir = copy_world(WORLDS[world]["case"], work_dir, [])
    emulator = run_cases.Emulator(cloud_dir, work_dir)
    try:
        emulator.wait_ready(run_cases.EMULATOR_READY_SECONDS)
        env = run_cases.base_environment(work_dir)
        env.update(run_cases.read_env_file(emulator.env_file))
        run_cases.run_product(binary, ["check", "--report", os.path.join(work_dir, "report.json")], repo_dir,
                              env, RUN_TIMEOUT_SECONDS, os.path.join(work_dir, "stdout"),
                              os.path.join(work_dir, "stderr"))
    finally:
        emulator.stop()
    return request_counts(emulator.request_log)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
