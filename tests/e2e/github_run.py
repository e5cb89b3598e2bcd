"""GitHub runs for the end-to-end cases: github-run.json and its checks.

A case folder may hold `github-run.json`, which describes the GitHub Actions
run that the harness simulates: the event and its payload, extra environment
variables and arguments, and what the run must leave behind (exit status, the
emulated GitHub's comments and check runs, log and summary text, a SARIF
file). The format is documented in tests/e2e/README.md.

Standard library only, like run_cases.py. The SARIF check imports
validate_sarif.py, which needs Debian's python3-jsonschema, only when a run
asks for it.
"""

import copy
import json
import os
import ssl
import urllib.request

# GitHub's limit for the annotations of one check-run create or update request.
MAX_CHECK_ANNOTATIONS_PER_REQUEST = 50
PREFILL_LINE = "Output of an earlier step that wrote to the same step summary file.\n"

RUN_KEYS = {"name", "event_name", "event", "env", "remove_env", "args",
            "step_summary_prefill_bytes", "expect"}
EXPECT_KEYS = {"exit_status", "stdout", "stderr", "summary", "github_output", "log",
               "summary_max_bytes", "sarif", "requests", "github"}
TEXT_RULE_KEYS = {"contains", "excludes", "counts"}


class GitHubRunError(Exception):
    """Raised when github-run.json is malformed. The message names the problem."""


def load_runs(case_dir):
    """Return the case's runs as a list of dicts, or [None] when it has no github-run.json.

    The file is one run object, or an object whose `runs` list contains variants.
    Each variant is merged over the other top-level keys: `env` and `expect`
    merge one level deep, and every other key replaces the top-level value.
    """
    path = os.path.join(case_dir, "github-run.json")
    if not os.path.exists(path):
        return [None]
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    if not isinstance(document, dict):
        raise GitHubRunError(f"{path}: expected a JSON object")
    variants = document.pop("runs", None)
    if variants is None:
        runs = [document]
    else:
        if not isinstance(variants, list) or not variants:
            raise GitHubRunError(f"{path}: `runs` must be a non-empty list")
        runs = [_merge_run(document, variant) for variant in variants]
    names = set()
    for run in runs:
        unknown = set(run) - RUN_KEYS
        if unknown:
            raise GitHubRunError(f"{path}: unknown key(s) {sorted(unknown)}")
        unknown = set(run.get("expect", {})) - EXPECT_KEYS
        if unknown:
            raise GitHubRunError(f"{path}: unknown expect key(s) {sorted(unknown)}")
        if len(runs) > 1 and not run.get("name"):
            raise GitHubRunError(f"{path}: every entry of `runs` needs a `name`")
        if run.get("name") in names:
            raise GitHubRunError(f"{path}: run name {run['name']!r} appears twice")
        names.add(run.get("name"))
    return runs


def _merge_run(base, variant):
    run = copy.deepcopy(base)
    for key, value in variant.items():
        if key in ("env", "expect") and isinstance(value, dict):
            run.setdefault(key, {}).update(copy.deepcopy(value))
        else:
            run[key] = copy.deepcopy(value)
    return run


def prepare_environment(run, env, work_dir, outputs_dir):
    """Apply the run's event, env and remove_env to `env` and return the extra arguments."""
    if run.get("event_name"):
        env["GITHUB_EVENT_NAME"] = run["event_name"]
    if "event" in run:
        event_path = os.path.join(work_dir, "event.json")
        with open(event_path, "w", encoding="utf-8") as f:
            json.dump(run["event"], f)
        env["GITHUB_EVENT_PATH"] = event_path
    for name, value in (run.get("env") or {}).items():
        env[name] = str(value).replace("{outputs}", outputs_dir)
    for name in run.get("remove_env") or []:
        env.pop(name, None)
    return [str(arg).replace("{outputs}", outputs_dir) for arg in run.get("args") or []]


def prefill_step_summary(run, summary_path):
    """Write step_summary_prefill_bytes bytes to the summary, as earlier writes in the step would.

    The text ends with a line feed, so that the product's summary starts on
    a line of its own.
    """
    size = int(run.get("step_summary_prefill_bytes") or 0)
    if size <= 0:
        return
    text = (PREFILL_LINE * (size // len(PREFILL_LINE) + 1))[:size - 1] + "\n"
    with open(summary_path, "w", encoding="utf-8") as f:
        f.write(text)


def fetch_state(emulator_env):
    """Return the emulated GitHub's comments and check runs from GET /_github/state."""
    api_url = emulator_env.get("GITHUB_API_URL", "")
    if not api_url.startswith("https://127.0.0.1:"):
        raise GitHubRunError(f"GITHUB_API_URL {api_url!r} does not point at the local emulator")
    context = ssl.create_default_context(cafile=emulator_env["AWS_CA_BUNDLE"])
    url = api_url.replace("/_github/api", "/_github/state")
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise GitHubRunError(f"GET {url} failed: {error}") from error


def request_log_entries(request_log_path):
    """Return the emulator's request log as a list of dicts, one per request."""
    entries = []
    if not os.path.exists(request_log_path):
        return entries
    with open(request_log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries


# ---------------------------------------------------------------------------
# Checks. Each returns a list of differences, empty when the run meets them.


def check_text(label, text, rule):
    """Check `contains`, `excludes` and `counts` (substring: exact count) on one output."""
    differences = []
    for needle in rule.get("contains", []):
        if needle not in text:
            differences.append(f"{label} lacks {needle!r}")
    for needle in rule.get("excludes", []):
        if needle in text:
            differences.append(f"{label} contains {needle!r}, which it must not")
    for needle, expected in (rule.get("counts") or {}).items():
        actual = text.count(needle)
        if actual != expected:
            differences.append(f"{label} has {actual} occurrences of {needle!r}, expected {expected}")
    return differences


def substitute_outputs(value, outputs_dir):
    """Return `value` with "{outputs}" in every string replaced by the outputs folder."""
    if isinstance(value, str):
        return value.replace("{outputs}", outputs_dir)
    if isinstance(value, list):
        return [substitute_outputs(item, outputs_dir) for item in value]
    if isinstance(value, dict):
        return {key: substitute_outputs(item, outputs_dir) for key, item in value.items()}
    return value


def check_texts(expect, texts):
    """Check each output rule in `expect` against the output texts by name."""
    differences = []
    for name in ("stdout", "stderr", "log", "summary", "github_output"):
        rule = expect.get(name)
        if rule is None:
            continue
        unknown = set(rule) - TEXT_RULE_KEYS
        if unknown:
            raise GitHubRunError(f"expect.{name}: unknown key(s) {sorted(unknown)}")
        differences.extend(check_text(name, texts[name], rule))
    return differences


def check_summary_size(expect, summary_path):
    limit = expect.get("summary_max_bytes")
    if limit is None:
        return []
    size = os.path.getsize(summary_path) if os.path.exists(summary_path) else 0
    if size > limit:
        return [f"the step summary file is {size} bytes, more than {limit}"]
    return []


def check_sarif(expect, outputs_dir):
    """Validate the SARIF file against the 2.1.0 schema and GitHub's limits.

    `sarif` is the file name, or an object with the name in `file` and text
    rules (`contains`, `excludes`, `counts`) that the file's text must meet.
    """
    rule = expect.get("sarif")
    if not rule:
        return []
    text_rule = {}
    if isinstance(rule, dict):
        unknown = set(rule) - TEXT_RULE_KEYS - {"file"}
        if unknown:
            raise GitHubRunError(f"expect.sarif: unknown key(s) {sorted(unknown)}")
        name = rule.get("file")
        if not name:
            raise GitHubRunError("expect.sarif: missing `file`")
        text_rule = {key: value for key, value in rule.items() if key != "file"}
    else:
        name = rule
    path = os.path.join(outputs_dir, name)
    if not os.path.exists(path):
        return [f"no SARIF file written to {path}"]
    try:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
    except ValueError as error:
        return [f"SARIF file {name} is not valid JSON: {error}"]
    import validate_sarif  # Needs python3-jsonschema, so only imported here.
    differences = [f"SARIF file {name}: {problem}" for problem in validate_sarif.sarif_problems(log)]
    if text_rule:
        with open(path, encoding="utf-8") as f:
            differences.extend(check_text(f"SARIF file {name}", f.read(), text_rule))
    return differences


def check_requests(expect, entries):
    """Check `requests.excludes`: substrings that no logged request may contain."""
    rule = expect.get("requests")
    if not rule:
        return []
    differences = []
    for needle in rule.get("excludes", []):
        for entry in entries:
            line = json.dumps(entry)
            if needle in line or needle in entry.get("body", ""):
                differences.append(f"the product sent {entry.get('method')} {entry.get('path')} "
                                   f"containing {needle!r}, which it must not")
                break
    return differences


def _check_comment(label, comment, rule):
    differences = []
    body = comment.get("body", "")
    if "id" in rule and comment.get("id") != rule["id"]:
        differences.append(f"{label} has id {comment.get('id')}, expected {rule['id']}")
    if "starts_with" in rule and not body.startswith(rule["starts_with"]):
        differences.append(f"{label} does not start with {rule['starts_with']!r}: {body[:120]!r}")
    if "body" in rule and body != rule["body"]:
        differences.append(f"{label} body changed: {body[:120]!r}")
    differences.extend(check_text(label, body, {k: rule[k] for k in ("contains", "excludes") if k in rule}))
    return differences


def check_pull_requests(rule, state):
    """Check each PR's comment count and the comments listed by id or by marker."""
    differences = []
    for number, expected in rule.items():
        comments = (state.get("pull_requests", {}).get(number) or {}).get("comments", [])
        if "count" in expected and len(comments) != expected["count"]:
            differences.append(f"pull request {number} has {len(comments)} comments, "
                               f"expected {expected['count']}")
        for comment_rule in expected.get("comments", []):
            if "id" in comment_rule:
                found = [c for c in comments if c.get("id") == comment_rule["id"]]
                where = f"comment {comment_rule['id']} on pull request {number}"
            else:
                prefix = comment_rule["starts_with"]
                found = [c for c in comments if c.get("body", "").startswith(prefix)]
                where = f"comment starting {prefix[:60]!r} on pull request {number}"
            if comment_rule.get("absent"):
                if found:
                    differences.append(f"{where} exists, expected it gone")
                continue
            if len(found) != 1:
                differences.append(f"{len(found)} matches for {where}, expected 1")
                continue
            differences.extend(_check_comment(where, found[0], comment_rule))
    return differences


def check_check_runs(rule, state):
    """Check the number of check runs and each one's name, head_sha, conclusion and annotations."""
    differences = []
    runs = state.get("check_runs", [])
    if len(runs) != len(rule):
        differences.append(f"{len(runs)} check runs exist, expected {len(rule)}")
    for index, (expected, actual) in enumerate(zip(rule, runs)):
        label = f"check run {index + 1}"
        for field in ("name", "head_sha", "status", "conclusion"):
            if field in expected and actual.get(field) != expected[field]:
                differences.append(f"{label} {field} is {actual.get(field)!r}, expected {expected[field]!r}")
        output = actual.get("output") or {}
        annotations = output.get("annotations") or []
        if "annotations_count" in expected and output.get("annotations_count") != expected["annotations_count"]:
            differences.append(f"{label} has {output.get('annotations_count')} annotations, "
                               f"expected {expected['annotations_count']}")
        for level, count in (expected.get("annotation_levels") or {}).items():
            actual_count = sum(1 for a in annotations if a.get("annotation_level") == level)
            if actual_count != count:
                differences.append(f"{label} has {actual_count} {level} annotations, expected {count}")
        differences.extend(check_text(f"{label} output.summary", output.get("summary") or "",
                                      expected.get("summary") or {}))
    return differences


def check_run_requests(rule, entries):
    """Check how the product split check-run annotations into create and update requests."""
    differences = []
    sizes = []
    for entry in entries:
        path = entry.get("path", "")
        if "/check-runs" not in path or entry.get("method") not in ("POST", "PATCH"):
            continue
        try:
            body = json.loads(entry.get("body") or "{}")
        except ValueError:
            differences.append(f"{entry.get('method')} {path} sent a body that is not JSON")
            continue
        sizes.append(len((body.get("output") or {}).get("annotations") or []))
    maximum = rule.get("max_annotations_per_request", MAX_CHECK_ANNOTATIONS_PER_REQUEST)
    for number, size in enumerate(sizes, 1):
        if size > maximum:
            differences.append(f"check-run request {number} carried {size} annotations, maximum {maximum}")
    if "batches" in rule and sizes != rule["batches"]:
        differences.append(f"check-run requests carried {sizes} annotations, expected {rule['batches']}")
    return differences


def check_github_state(expect, state, entries):
    rule = expect.get("github")
    if not rule:
        return []
    differences = []
    if "pull_requests" in rule:
        differences.extend(check_pull_requests(rule["pull_requests"], state))
    if "check_runs" in rule:
        differences.extend(check_check_runs(rule["check_runs"], state))
    if "check_run_requests" in rule:
        differences.extend(check_run_requests(rule["check_run_requests"], entries))
    return differences
