#!/usr/bin/python3
"""Run the end-to-end cases in tests/cases against the product binary.

For each case the harness starts the cloud emulator on the case's cloud/
folder and runs `secret-preflight check` in the case's repo/ folder as a
GitHub Actions job would, once per log level (info and debug by default). It
compares the JSON report and the exit status with expected.json, scans every
output, the emulated GitHub's state and every request for the case's secret
values, and parses stdout and stderr as the GitHub runner does for workflow
commands. It also checks that the offline `plan --format json` lists the
same references.

Usage:
    /usr/bin/python3 tests/e2e/run_cases.py [--binary PATH] [--keep] [--log-levels info,debug] [CASE ...]

Prints one PASS or FAIL line per case and exits 1 when any case fails.
Standard library only, so that Debian's /usr/bin/python3 runs it as is.
"""

import argparse
import base64
import binascii
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import github_run

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES_DIR = os.path.join(REPO_ROOT, "tests", "cases")
EMULATOR = os.path.join(REPO_ROOT, "tests", "emulator", "serve.py")
PYTHON = "/usr/bin/python3"
CANARY_PATTERN = re.compile(r"CANARY-[A-Za-z0-9_.-]+")
# Tokens the emulator issues at run time, which no case file can list: Google
# access tokens (`ya29.` + 64 URL-safe characters from gcp_api.py) and JWTs,
# which are the GitHub OIDC token and Azure's access tokens. A JWT's header
# and payload are base64url JSON objects, so both parts start with `eyJ`.
ISSUED_TOKEN_PATTERN = re.compile(r"ya29\.[A-Za-z0-9_.-]{20,}"
                                  r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
# Values shorter than this are not scanned for, because they would match by
# chance; every case value must contain a CANARY- marker anyway.
MIN_SCANNED_LENGTH = 8
EMULATOR_READY_SECONDS = 20


class CaseFailure(Exception):
    """Raised when a case cannot run to the end; the message is the reason."""


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def remaining(self, what):
        left = self.end - time.monotonic()
        if left <= 0:
            raise CaseFailure(f"timed out before {what}")
        return left


# ---------------------------------------------------------------------------
# Secret values planted in cloud/


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _unwrap_list(data, wrapper_key):
    if isinstance(data, dict) and wrapper_key in data:
        return data[wrapper_key]
    return data if isinstance(data, list) else []


def _string_leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _string_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _string_leaves(item)


def _value_and_json_leaves(text):
    """Yield a secret string and, when it is JSON, every string inside it."""
    yield text
    try:
        parsed = json.loads(text)
    except ValueError:
        return
    yield from _string_leaves(parsed)


def _binary_values(encoded):
    yield encoded
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return
    yield from _value_and_json_leaves(decoded)


def collect_secret_values(cloud_dir):
    """Return every secret value the case's cloud/ folder holds.

    Reads Secrets Manager values (SecretString, SecretBinary and other
    versions' values), SSM parameter values and their history, Google Secret
    Manager version payloads and Azure Key Vault secret values. Each CANARY-
    token found inside them is added too, so that a partial leak is caught.
    """
    values = set()
    aws_dir = os.path.join(cloud_dir, "aws")

    secrets_path = os.path.join(aws_dir, "secrets.json")
    if os.path.exists(secrets_path):
        for secret in _unwrap_list(_load_json(secrets_path), "SecretList"):
            versions = [secret] + list((secret.get("Versions") or {}).values())
            for version in versions:
                if isinstance(version.get("SecretString"), str):
                    values.update(_value_and_json_leaves(version["SecretString"]))
                if isinstance(version.get("SecretBinary"), str):
                    values.update(_binary_values(version["SecretBinary"]))

    parameters_path = os.path.join(aws_dir, "parameters.json")
    if os.path.exists(parameters_path):
        for parameter in _unwrap_list(_load_json(parameters_path), "Parameters"):
            versions = [parameter] + list(parameter.get("History") or [])
            for version in versions:
                if isinstance(version.get("Value"), str):
                    values.update(_value_and_json_leaves(version["Value"]))

    # Google Secret Manager versions: a payload string, or {"data": base64}.
    gcp_secrets_path = os.path.join(cloud_dir, "gcp", "secrets.json")
    if os.path.exists(gcp_secrets_path):
        for secret in _unwrap_list(_load_json(gcp_secrets_path), "secrets"):
            for version in secret.get("versions") or []:
                payload = version.get("payload")
                if isinstance(payload, str):
                    values.update(_value_and_json_leaves(payload))
                elif isinstance(payload, dict) and isinstance(payload.get("data"), str):
                    values.update(_binary_values(payload["data"]))

    # Azure Key Vault secrets: a list of versions, or one version given on
    # the secret itself, each with a string value.
    key_vaults_path = os.path.join(cloud_dir, "azure", "key-vaults.json")
    if os.path.exists(key_vaults_path):
        for vault in _unwrap_list(_load_json(key_vaults_path), "value"):
            for secret in vault.get("secrets") or []:
                for version in [secret] + list(secret.get("versions") or []):
                    if isinstance(version.get("value"), str):
                        values.update(_value_and_json_leaves(version["value"]))

    tokens = set()
    for value in values:
        tokens.update(CANARY_PATTERN.findall(value))
    return {v for v in values | tokens if len(v) >= MIN_SCANNED_LENGTH}, values


def collect_github_tokens(cloud_dir):
    """Return the GitHub token values in cloud/github.json: the job's token and the others."""
    path = os.path.join(cloud_dir, "github.json")
    if not os.path.exists(path):
        return set()
    config = _load_json(path)
    tokens = set()
    for entry in [config.get("token")] + list(config.get("other_tokens") or []):
        value = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(value, str) and value:
            tokens.add(value)
    return tokens


def check_values_are_canaries(all_values):
    for value in sorted(all_values):
        if "CANARY-" not in value:
            raise CaseFailure(f"case error: secret value {value!r} in cloud/ has no CANARY- marker")


def scan_for_secret_values(secret_values, outputs, github_tokens=(), issued_tokens=True):
    """Raise CaseFailure naming the first output that contains a secret value or a token.

    With `issued_tokens` false, tokens the emulator issued are not looked
    for, as in requests that must carry them.
    """
    for label, text in outputs:
        for value in sorted(secret_values, key=len, reverse=True):
            if value in text:
                shown = CANARY_PATTERN.search(value)
                marker = shown.group(0) if shown else value[:12] + "..."
                raise CaseFailure(f"secret value {marker} leaked into {label}")
        # Registering the token with ::add-mask:: is how a step keeps it out
        # of the rest of the log, so that line is the one place it may appear.
        unmasked = "".join(line for line in text.splitlines(keepends=True)
                           if not line.startswith("::add-mask::"))
        for token in sorted(github_tokens):
            if token in unmasked:
                raise CaseFailure(f"GitHub token {token[:4]}... from cloud/github.json leaked into {label}")
        issued = ISSUED_TOKEN_PATTERN.search(unmasked) if issued_tokens else None
        if issued:
            raise CaseFailure(f"emulator-issued token {issued.group(0)[:8]}... leaked into {label}")


def github_api_requests(request_log_path):
    """Return the request-log lines for paths under /_github/api."""
    if not os.path.exists(request_log_path):
        return ""
    lines = []
    with open(request_log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                if "/_github/api" in line:
                    lines.append(line)
                continue
            path = entry.get("path", "") if isinstance(entry, dict) else ""
            if str(path).startswith("/_github/api") or (not path and "/_github/api" in line):
                lines.append(line)
    return "".join(lines)


def request_log_text(request_log_path):
    """Return the whole request log: every request the product sent to any emulated service."""
    return read_text(request_log_path)


# Workflow commands the product itself prints; any other command on stdout or
# stderr came from untrusted text.
PRODUCT_COMMANDS = {"error", "warning", "notice", "add-mask", "stop-commands"}
ANNOTATION_COMMANDS = {"error", "warning", "notice"}
ANNOTATION_PROPERTIES = {"file", "line", "endLine", "col", "endColumn", "title"}
# GitHub's toolkit escapes `%`, CR and LF in data, and `:` and `,` in property
# values as well, so these are the only `%` sequences and no raw `:` or `,`
# remains in a property value.
ESCAPED_DATA = re.compile(r"(?:[^%\r\n]|%(?:25|0D|0A))*")
ESCAPED_PROPERTY = re.compile(r"(?:[^%\r\n:,]|%(?:25|0D|0A|3A|2C))*")
STOP_COMMANDS_TOKEN = re.compile(r"[0-9a-f]{32}")
# Lines end at CR, LF or CRLF, the stricter reading, because .NET's
# StreamReader.ReadLine also ends a line at a bare CR.
RUNNER_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def workflow_command_problems(text, label):
    """Return how `text` would make the GitHub runner run a command it should not.

    Follows the runner's parsing: a line, with surrounding whitespace
    trimmed, that starts with `::` and has a second `::` is a command, and
    `##[` anywhere in a line is the legacy form. Between `::stop-commands::TOKEN` and `::TOKEN::` nothing runs. Only
    the product's own commands may appear, their data and property values
    must be escaped as the toolkit escapes them, and each stop-commands token
    must be 32 random hex digits.
    """
    problems = []
    stop_token = None
    for number, raw_line in enumerate(RUNNER_LINE_BREAK.split(text), 1):
        line = raw_line.strip()
        where = f"{label} line {number}"
        if stop_token is not None:
            if line == f"::{stop_token}::":
                stop_token = None
            continue
        end = line.find("::", 2) if line.startswith("::") else -1
        if end < 0:
            if "##[" in line:
                problems.append(f"{where} runs a legacy ##[ command: {line[:120]!r}")
            continue
        name, _, properties = line[2:end].partition(" ")
        name = name.lower()
        data = line[end + 2:]
        if name not in PRODUCT_COMMANDS:
            problems.append(f"{where} runs workflow command {name!r}: {line[:120]!r}")
            continue
        if name == "stop-commands":
            if not STOP_COMMANDS_TOKEN.fullmatch(data):
                problems.append(f"{where} stops commands with a guessable token {data[:40]!r}")
            stop_token = data
            continue
        if not ESCAPED_DATA.fullmatch(data):
            problems.append(f"{where} has unescaped command data: {line[:120]!r}")
        for entry in filter(None, properties.split(",")):
            key, _, value = entry.partition("=")
            if name not in ANNOTATION_COMMANDS or key not in ANNOTATION_PROPERTIES:
                problems.append(f"{where} sets unexpected property {key[:40]!r} on {name}")
            elif not ESCAPED_PROPERTY.fullmatch(value):
                problems.append(f"{where} has an unescaped {key} property: {value[:80]!r}")
    if stop_token is not None:
        problems.append(f"{label} never ends its stop-commands block, so later commands are lost")
    return problems


# ---------------------------------------------------------------------------
# Report comparison


def _edge_key(edge):
    reference = edge.get("reference") or {}
    return (reference.get("file"), reference.get("line"))


def _edge_label(edge):
    file, line = _edge_key(edge)
    secret_id = (edge.get("secret") or {}).get("id")
    return f"{file}:{line} ({secret_id})"


def _compare_fields(expected, actual, path, differences, label):
    """Append a difference for each field listed in `expected` that `actual` lacks or changes."""
    for name, expected_value in expected.items():
        field = f"{path}.{name}" if path else name
        if not isinstance(actual, dict) or name not in actual:
            differences.append(f"{label}: {field} missing, expected {expected_value!r}")
            continue
        actual_value = actual[name]
        if isinstance(expected_value, dict):
            _compare_fields(expected_value, actual_value, field, differences, label)
        elif actual_value != expected_value:
            differences.append(f"{label}: {field} is {actual_value!r}, expected {expected_value!r}")


def compare_edges(expected_edges, actual_edges):
    """Return the differences between expected and reported edges, in file order.

    Edges pair up by reference file and line, then by secret id and, when the
    expected edge lists one, by operation, so that two operations on one
    secret (GetSecretValue and DescribeSecret) pair up whatever their order.
    An expected edge with no partner is missing, and a reported edge with none
    is extra.
    """
    differences = []
    expected_by_key, actual_by_key = {}, {}
    for edge in expected_edges:
        expected_by_key.setdefault(_edge_key(edge), []).append(edge)
    for edge in actual_edges:
        actual_by_key.setdefault(_edge_key(edge), []).append(edge)

    def sort_key(key):
        return (str(key[0]), key[1] if isinstance(key[1], int) else -1)

    for key in sorted(set(expected_by_key) | set(actual_by_key), key=sort_key):
        expected_here = list(expected_by_key.get(key, []))
        actual_here = list(actual_by_key.get(key, []))
        pairs = []
        for edge in list(expected_here):
            secret_id = (edge.get("secret") or {}).get("id")
            operation = edge.get("operation")
            match = next((a for a in actual_here
                          if (a.get("secret") or {}).get("id") == secret_id
                          and (operation is None or a.get("operation") == operation)), None)
            if match is not None:
                pairs.append((edge, match))
                expected_here.remove(edge)
                actual_here.remove(match)
        pairs.extend(zip(expected_here, actual_here))
        for edge in expected_here[len(actual_here):]:
            differences.append(f"missing edge {_edge_label(edge)}, expected verdict {edge.get('verdict')!r}")
        for edge in actual_here[len(expected_here):]:
            differences.append(f"extra edge {_edge_label(edge)} with verdict {edge.get('verdict')!r}")
        for expected, actual in pairs:
            _compare_fields(expected, actual, "", differences, _edge_label(expected))
    return differences


# ---------------------------------------------------------------------------
# Processes


def read_env_file(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or "=" not in line:
                continue
            name, value = line.split("=", 1)
            env[name] = value
    return env


def base_environment(tmp_dir):
    """Return a minimal environment without the caller's AWS, GitHub or proxy variables."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp_dir, "TMPDIR": tmp_dir,
           "LANG": "C.UTF-8", "NO_PROXY": "127.0.0.1,localhost"}
    return env


class Emulator:
    def __init__(self, cloud_dir, work_dir, extra_args=()):
        self.env_file = os.path.join(work_dir, "emulator.env")
        self.request_log = os.path.join(work_dir, "emulator-requests.jsonl")
        self.stdout_path = os.path.join(work_dir, "emulator.stdout")
        self.stderr_path = os.path.join(work_dir, "emulator.stderr")
        # Files rather than pipes, so that an emulator that keeps printing can
        # never block on a full pipe.
        self.stdout = open(self.stdout_path, "wb")
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [PYTHON, EMULATOR, cloud_dir, "--env-file", self.env_file, "--request-log", self.request_log,
             *extra_args],
            stdin=subprocess.DEVNULL, stdout=self.stdout, stderr=self.stderr,
            env=base_environment(work_dir), cwd=work_dir)

    def wait_ready(self, seconds):
        """Wait for the emulator's ready line; raise CaseFailure when it exits or times out."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if "ready" in read_text(self.stdout_path) and os.path.exists(self.env_file):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise CaseFailure(f"emulator did not print its ready line within {seconds:.0f} s "
                          f"(exit status {self.process.returncode}): {self.stderr_tail()}")

    def stderr_tail(self):
        self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            text = f.read().decode("utf-8", "replace").strip()
        return text[-600:] if text else "no stderr output"

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.stdout.close()
        self.stderr.close()


def run_product(binary, args, cwd, env, timeout, stdout_path, stderr_path):
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        try:
            completed = subprocess.run([binary] + args, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=err, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CaseFailure(f"`secret-preflight {args[0]}` timed out after {timeout:.0f} s")
    return completed.returncode


def read_text(path):
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def _last_line(text):
    text = text.strip()
    return text.splitlines()[-1][:300] if text else "no output"


# ---------------------------------------------------------------------------
# One case


def run_case(case_dir, binary, work_dir, timeout, run=None, log_level="info"):
    """Run one case, or one run of its github-run.json; return a list of differences.

    The list is empty when the case passes. `run` is one entry of
    github_run.load_runs(), or None for a case without github-run.json.
    `check` runs with `--log-level log_level`; the offline plan comparison
    runs only at the info level, since it logs no more at debug.
    """
    deadline = Deadline(timeout)
    expected = _load_json(os.path.join(case_dir, "expected.json"))
    run = run or {}
    expect = run.get("expect") or {}
    expected_status = expect.get("exit_status", expected["exit_status"])
    repo_dir = os.path.join(case_dir, "repo")
    cloud_dir = os.path.join(case_dir, "cloud")
    scanned_values, all_values = collect_secret_values(cloud_dir)
    check_values_are_canaries(all_values)
    github_tokens = collect_github_tokens(cloud_dir)
    github_state = None

    emulator = Emulator(cloud_dir, work_dir)
    try:
        emulator.wait_ready(min(EMULATOR_READY_SECONDS, deadline.remaining("the emulator started")))
        emulator_env = read_env_file(emulator.env_file)

        outputs_dir = os.path.join(work_dir, "outputs")
        os.makedirs(outputs_dir)
        report_path = os.path.join(outputs_dir, "report.json")
        summary_path = os.path.join(outputs_dir, "step-summary.md")
        github_output_path = os.path.join(outputs_dir, "github-output.txt")
        for path in (summary_path, github_output_path):
            open(path, "w").close()

        env = base_environment(work_dir)
        env.update(emulator_env)
        env.setdefault("GITHUB_RUN_ID", "4242")
        env.update({"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_STEP_SUMMARY": summary_path,
                    "GITHUB_OUTPUT": github_output_path, "GITHUB_WORKSPACE": repo_dir,
                    "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_NAME": "pull_request"})
        extra_args = github_run.prepare_environment(run, env, work_dir, outputs_dir)
        github_run.prefill_step_summary(run, summary_path)
        stdout_path = os.path.join(work_dir, "check.stdout")
        stderr_path = os.path.join(work_dir, "check.stderr")
        status = run_product(binary, ["check", "--report", report_path, "--log-level", log_level] + extra_args,
                             repo_dir, env, deadline.remaining("`check` ran"), stdout_path, stderr_path)
        # Comments and check runs hold what the product sent to GitHub, so
        # the state is scanned for leaks in every run that has the API.
        if expect.get("github") or os.path.exists(os.path.join(cloud_dir, "github.json")):
            github_state = github_run.fetch_state(emulator_env)
    finally:
        emulator.stop()

    differences = []
    if status != expected_status:
        differences.append(f"exit status {status}, expected {expected_status} "
                           f"(stderr: {_last_line(read_text(stderr_path))})")

    report_text = read_text(report_path)
    if not report_text:
        differences.append(f"no report written to {report_path} "
                           f"(stderr: {_last_line(read_text(stderr_path))})")
    else:
        try:
            report = json.loads(report_text)
            differences.extend(compare_edges(expected["edges"], report.get("edges", [])))
        except ValueError as error:
            differences.append(f"report is not valid JSON: {error}")

    stdout_text, stderr_text = read_text(stdout_path), read_text(stderr_path)
    outputs = [("stdout", stdout_text), ("stderr", stderr_text),
               ("the report", report_text), ("the step summary", read_text(summary_path)),
               ("GITHUB_OUTPUT", read_text(github_output_path)),
               ("GitHub API requests", github_api_requests(emulator.request_log))]
    for name in sorted(os.listdir(outputs_dir)):
        path = os.path.join(outputs_dir, name)
        if path not in (report_path, summary_path, github_output_path):
            outputs.append((f"output file {name}", read_text(path)))
    if github_state is not None:
        outputs.append(("the emulated GitHub's comments and check runs", json.dumps(github_state)))
    try:
        scan_for_secret_values(scanned_values, outputs, github_tokens)
        # No request to any service needs a secret value, while tokens are
        # legitimately sent to the cloud services, so only values are scanned.
        scan_for_secret_values(scanned_values, [("requests to the emulated services",
                                                 request_log_text(emulator.request_log))],
                               issued_tokens=False)
    except CaseFailure as failure:
        differences.insert(0, str(failure))
    differences.extend(workflow_command_problems(stdout_text, "stdout"))
    differences.extend(workflow_command_problems(stderr_text, "stderr"))
    if log_level == "debug" and read_text(emulator.request_log) and "secret-preflight: debug: " not in stderr_text:
        differences.append("`check --log-level debug` sent requests but logged no debug line")

    if expect:
        differences.extend(check_github_expectations(expect, github_state, emulator.request_log,
                                                     outputs_dir, summary_path))

    if log_level == "info":
        differences.extend(check_plan(binary, repo_dir, work_dir, expected, deadline))
    return differences


def check_github_expectations(expect, github_state, request_log_path, outputs_dir, summary_path):
    """Compare the run's outputs and the emulated GitHub's state with github-run.json's `expect`."""
    expect = github_run.substitute_outputs(expect, outputs_dir)
    stdout_text = read_text(os.path.join(os.path.dirname(outputs_dir), "check.stdout"))
    stderr_text = read_text(os.path.join(os.path.dirname(outputs_dir), "check.stderr"))
    texts = {"stdout": stdout_text, "stderr": stderr_text, "log": stdout_text + stderr_text,
             "summary": read_text(summary_path),
             "github_output": read_text(os.path.join(outputs_dir, "github-output.txt"))}
    entries = github_run.request_log_entries(request_log_path)
    differences = github_run.check_texts(expect, texts)
    differences.extend(github_run.check_summary_size(expect, summary_path))
    differences.extend(github_run.check_sarif(expect, outputs_dir))
    differences.extend(github_run.check_requests(expect, entries))
    differences.extend(github_run.check_github_state(expect, github_state, entries))
    return differences


def check_plan(binary, repo_dir, work_dir, expected, deadline):
    """Run `plan --format json` offline and compare its references with expected.json."""
    stdout_path = os.path.join(work_dir, "plan.stdout")
    stderr_path = os.path.join(work_dir, "plan.stderr")
    # Under GitHub Actions, as a workflow step would run it, so that the
    # JSON on stdout is checked for workflow commands too.
    env = base_environment(work_dir)
    env["GITHUB_ACTIONS"] = "true"
    status = run_product(binary, ["plan", "--format", "json"], repo_dir, env,
                         deadline.remaining("`plan` ran"), stdout_path, stderr_path)
    text = read_text(stdout_path)
    try:
        # Annotations go to stderr, so stdout must be one JSON document that a
        # step can redirect to a file.
        plan = json.loads(text)
    except ValueError:
        return [f"plan --format json did not print exactly one JSON document on stdout (exit status {status}, "
                f"stderr: {_last_line(read_text(stderr_path))})"]
    problems = workflow_command_problems(text, "plan stdout")
    problems.extend(workflow_command_problems(read_text(stderr_path), "plan stderr"))

    def references(edges):
        return {(e.get("reference", {}).get("file"), e.get("reference", {}).get("line"),
                 (e.get("secret") or {}).get("id")) for e in edges}

    expected_refs = references(expected["edges"])
    planned_refs = references(plan.get("edges", []))
    differences = problems
    for file, line, secret_id in sorted(expected_refs - planned_refs, key=str):
        differences.append(f"plan leaves out {file}:{line} ({secret_id})")
    for file, line, secret_id in sorted(planned_refs - expected_refs, key=str):
        differences.append(f"plan lists unexpected {file}:{line} ({secret_id})")
    return differences


# Probe option values that once passed the gate or meant "no limit": a
# deadline that overflowed the clock made every edge inconclusive (exit 0),
# and a request timeout under 1 ms became curl's "no timeout".
OUT_OF_BOUNDS_OPTIONS = [
    ("--deadline", "1e10"), ("--deadline", "nan"), ("--deadline", "inf"), ("--deadline", "-1"),
    ("--request-timeout", "0.0000001"), ("--request-timeout", "inf"), ("--request-timeout", "0"),
    ("--concurrency", "0"), ("--max-attempts", "0"),
]


def option_bound_problems(binary):
    """Return a problem for each probe option value the binary does not reject as invalid."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="secret-preflight-options-") as root:
        for option, value in OUT_OF_BOUNDS_OPTIONS:
            result = subprocess.run([binary, "check", "--root", root, option, value],
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
                                    env=base_environment(root), cwd=root)
            expected = f"invalid {option} "
            if result.returncode != 2 or expected not in result.stderr:
                problems.append(f"check {option} {value} exited {result.returncode} without "
                                f"\"{expected}...\": {_last_line(result.stderr)}")
    return problems


def core_dump_problems(binary):
    """Return a problem when the running product still allows core dumps.

    Reads /proc/PID/limits while the process is alive or not yet reaped: the
    first byte of `--help` on stdout shows that main() has already run, and
    the process stays readable until it is waited for.
    """
    process = subprocess.Popen([binary, "--help"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=base_environment(tempfile.gettempdir()))
    try:
        process.stdout.read(1)
        with open(f"/proc/{process.pid}/limits", encoding="utf-8") as f:
            limits = f.read()
    finally:
        process.communicate(timeout=30)
    line = next((l for l in limits.splitlines() if l.startswith("Max core file size")), "")
    fields = line[len("Max core file size"):].split()
    if fields[:2] != ["0", "0"]:
        return [f"core dumps are not disabled: /proc/PID/limits has {line.strip()!r}"]
    return []


# ---------------------------------------------------------------------------


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Run secret-preflight's end-to-end cases.")
    parser.add_argument("cases", nargs="*", metavar="CASE",
                        help="case folder names under tests/cases (default: all)")
    parser.add_argument("--binary", default=os.path.join(REPO_ROOT, "build", "secret-preflight"),
                        help="secret-preflight binary to test (default: build/secret-preflight)")
    parser.add_argument("--cases-dir", default=CASES_DIR, help="folder that holds the cases")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds allowed for one case, emulator start included (default: 60)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder with each case's outputs and print its path")
    parser.add_argument("--verbose", action="store_true", help="print every difference, not only the first")
    parser.add_argument("--log-levels", default="info,debug",
                        help="comma-separated --log-level values; every case runs once per level, "
                             "and the runs after the first are labelled CASE@LEVEL (default: info,debug)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_arguments(argv)
    binary = os.path.abspath(args.binary)
    names = args.cases or sorted(n for n in os.listdir(args.cases_dir)
                                 if os.path.isfile(os.path.join(args.cases_dir, n, "expected.json")))
    problems = []
    if not os.access(binary, os.X_OK):
        problems.append(f"binary not found or not executable: {binary} "
                        "(build it: cmake -S . -B build && cmake --build build --target secret-preflight)")
    if not os.path.exists(EMULATOR):
        problems.append(f"emulator not found: {EMULATOR}")
    unknown = [n for n in names if not os.path.isdir(os.path.join(args.cases_dir, n))]
    if unknown:
        problems.append("unknown case: " + ", ".join(unknown))
    if problems:
        for problem in problems:
            print(f"ERROR {problem}")
        return 1

    levels = [level for level in args.log_levels.split(",") if level]
    unknown_levels = [level for level in levels if level not in ("debug", "info", "warning", "error")]
    if not levels or unknown_levels:
        print(f"ERROR invalid --log-levels {args.log_levels!r}: use debug, info, warning or error")
        return 1

    core_dump_failures = core_dump_problems(binary)
    for problem in core_dump_failures:
        print(f"FAIL process: {problem}")
    if not core_dump_failures:
        print("PASS process: core dumps disabled")
    option_failures = option_bound_problems(binary)
    for problem in option_failures:
        print(f"FAIL options: {problem}")
    if not option_failures:
        print("PASS options: out-of-bounds probe options rejected")

    tmp_root = tempfile.mkdtemp(prefix="secret-preflight-e2e-")
    if args.keep:
        print(f"outputs kept in {tmp_root}")
    failures = len(core_dump_failures) + len(option_failures)
    total = 2
    for name in names:
        case_dir = os.path.join(args.cases_dir, name)
        try:
            runs = github_run.load_runs(case_dir)
        except (github_run.GitHubRunError, ValueError) as error:
            runs = [{"name": "github-run.json", "load_error": str(error)}]
        for log_level, run in [(level, run) for level in levels for run in runs]:
            total += 1
            label = f"{name}/{run['name']}" if run and run.get("name") else name
            if log_level != levels[0]:
                label += f"@{log_level}"
            work_dir = os.path.join(tmp_root, label.replace("/", "--"))
            os.makedirs(work_dir)
            started = time.monotonic()
            try:
                if run and "load_error" in run:
                    raise CaseFailure(f"invalid github-run.json: {run['load_error']}")
                differences = run_case(case_dir, binary, work_dir, args.timeout, run, log_level)
            except (CaseFailure, github_run.GitHubRunError) as failure:
                differences = [str(failure)]
            elapsed = time.monotonic() - started
            if differences:
                failures += 1
                more = f" (+{len(differences) - 1} more)" if len(differences) > 1 and not args.verbose else ""
                print(f"FAIL {label} [{elapsed:.1f} s]: {differences[0]}{more}", flush=True)
                if args.verbose:
                    for difference in differences[1:]:
                        print(f"     {difference}")
            else:
                print(f"PASS {label} [{elapsed:.1f} s]", flush=True)

    if not args.keep:
        shutil.rmtree(tmp_root, ignore_errors=True)
    print(f"{total - failures} of {total} runs passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
