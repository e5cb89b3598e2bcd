#!/usr/bin/python3
"""End-to-end tests of sharding, merge and changed-only runs.

Sharding: runs `check` on one multi-identity case without a shard and then
as `--shard I/3` for each I against one cloud emulator. It checks in the
emulator's request log that each runtime identity is exchanged in exactly
one shard, merges the shard reports and compares the merged verdicts with
the unsharded run's. It validates the merged SARIF, checks that a missing,
repeated, corrupt or unsharded report is rejected with exit status 2, and
runs the merge as a GitHub pull request job that must leave one sticky
comment, also after a rerun.

Changed-only: copies a case's repo/ into a temporary git repository, commits
it and changes one ServiceAccount in a second commit. It then checks that
`--changed-since` checks only the edges that depend on that ServiceAccount.
An unknown revision must exit with status 2 and name the revision.

Usage:
    /usr/bin/python3 tests/e2e/run_shards.py [--binary PATH] [--keep]

Prints one PASS or FAIL line per scenario and exits 1 when any fails.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import github_run
import run_cases
from run_cases import CaseFailure

SHARD_CASE = "azure-mixed-aws-gcp-azure"
# The pull request, event and GitHub state of the merge job's sticky comment.
GITHUB_CASE = "github-pr-comment-sarif-check-run"
SHARD_COUNT = 3
COMMENT_MARKER = '<!-- secret-preflight:report workflow="preflight" job="merge" -->'
# The ServiceAccount of the billing ExternalSecret's store in SHARD_CASE.
CHANGED_SERVICE_ACCOUNT = "k8s/billing/serviceaccount.yaml"
RUN_TIMEOUT = 60.0


# ---------------------------------------------------------------------------
# Identities exchanged, from the emulator's request log


def _form_value(body, name):
    match = re.search(r"(?:^|&)" + re.escape(name) + r"=([^&]*)", body or "")
    if not match:
        return None
    from urllib.parse import unquote_plus
    return unquote_plus(match.group(1))


def exchanged_identity(entry):
    """Return the runtime identity a logged request exchanges a token for, or None.

    AWS: the RoleArn of AssumeRoleWithWebIdentity and AssumeRole. Google: the
    service account of generateAccessToken. Azure: the client_id of a token
    request with a client assertion.
    """
    path = str(entry.get("path") or "")
    body = entry.get("body")
    if isinstance(body, dict):
        body = json.dumps(body)
    body = str(body or "")
    action = _form_value(body, "Action")
    if action in ("AssumeRoleWithWebIdentity", "AssumeRole"):
        return _form_value(body, "RoleArn")
    match = re.search(r"serviceAccounts/([^/:]+):generateAccessToken", path)
    if match:
        from urllib.parse import unquote
        return unquote(match.group(1))
    if path.startswith("/_azure/login/") and "client_assertion" in body:
        client_id = _form_value(body, "client_id")
        return client_id.lower() if client_id else None
    return None


def exchanges(entries):
    """Return {identity: number of exchanges} for a slice of the request log."""
    counts = {}
    for entry in entries:
        identity = exchanged_identity(entry)
        if identity:
            counts[identity] = counts.get(identity, 0) + 1
    return counts


# ---------------------------------------------------------------------------
# Running the product


class Bed:
    """One emulator and the environment of a GitHub Actions job that uses it."""

    def __init__(self, cloud_dir, work_dir, binary):
        self.work_dir = work_dir
        self.binary = binary
        self.emulator = run_cases.Emulator(cloud_dir, work_dir)
        self.emulator.wait_ready(run_cases.EMULATOR_READY_SECONDS)
        self.emulator_env = run_cases.read_env_file(self.emulator.env_file)
        self.runs = 0

    def environment(self, repo_dir, extra=None):
        env = run_cases.base_environment(self.work_dir)
        env.update(self.emulator_env)
        env.update({"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_RUN_ID": "4242",
                    "GITHUB_WORKSPACE": repo_dir, "GITHUB_REPOSITORY": "acme/shop",
                    "GITHUB_EVENT_NAME": "pull_request"})
        env.update(extra or {})
        return env

    def run(self, args, cwd, env):
        """Run the binary; return (exit status, stdout, stderr, request-log entries it caused)."""
        self.runs += 1
        before = len(github_run.request_log_entries(self.emulator.request_log))
        stdout_path = os.path.join(self.work_dir, f"run{self.runs}.stdout")
        stderr_path = os.path.join(self.work_dir, f"run{self.runs}.stderr")
        status = run_cases.run_product(self.binary, args, cwd, env, RUN_TIMEOUT, stdout_path,
                                       stderr_path)
        entries = github_run.request_log_entries(self.emulator.request_log)[before:]
        return status, run_cases.read_text(stdout_path), run_cases.read_text(stderr_path), entries

    def stop(self):
        self.emulator.stop()


def load_report(path):
    if not os.path.exists(path):
        raise CaseFailure(f"no report written to {path}; rerun with --keep and read the run's "
                          "stderr next to it")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def verdict_rows(report):
    """Return the comparable part of each edge: where, what, who, verdict and layer."""
    rows = []
    for edge in report.get("edges", []):
        reference = edge.get("reference") or {}
        rows.append((reference.get("file"), reference.get("line"), reference.get("column"),
                     (edge.get("secret") or {}).get("id"),
                     (edge.get("identity") or {}).get("principal"), edge.get("operation"),
                     edge.get("verdict"), edge.get("layer")))
    return rows


def expect_equal(differences, label, actual, expected):
    if actual != expected:
        differences.append(f"{label}: {actual!r}, expected {expected!r}")


def expect_in(differences, label, needle, text):
    if needle not in text:
        differences.append(f"{label} lacks {needle!r}: {run_cases._last_line(text)}")


# ---------------------------------------------------------------------------
# Sharding and merge


def build_cloud(tmp_root):
    """Return the shard case's cloud/ with the GitHub case's github.json added."""
    cloud_dir = os.path.join(tmp_root, "cloud")
    shutil.copytree(os.path.join(run_cases.CASES_DIR, SHARD_CASE, "cloud"), cloud_dir)
    shutil.copy(os.path.join(run_cases.CASES_DIR, GITHUB_CASE, "cloud", "github.json"), cloud_dir)
    return cloud_dir


def run_shards(bed, repo_dir, outputs_dir, differences):
    """Run the unsharded check and each shard; return the unsharded report and exit status."""
    env = bed.environment(repo_dir)
    full_path = os.path.join(outputs_dir, "full.json")
    full_status, _, full_err, full_entries = bed.run(["check", "--report", full_path], repo_dir, env)
    full = load_report(full_path)
    all_exchanges = exchanges(full_entries)
    if len(all_exchanges) < 3:
        differences.append(f"the unsharded run exchanged only {sorted(all_exchanges)}; the case "
                           "needs several identities (stderr: "
                           f"{run_cases._last_line(full_err)})")

    shard_of_identity = {}
    edges_seen = 0
    for index in range(1, SHARD_COUNT + 1):
        path = os.path.join(outputs_dir, f"shard-{index}", "report.json")
        os.makedirs(os.path.dirname(path))
        status, _, err, entries = bed.run(["check", "--shard", f"{index}/{SHARD_COUNT}",
                                           "--report", path], repo_dir, env)
        report = load_report(path)
        edges_seen += len(report.get("edges", []))
        expect_equal(differences, f"shard {index} report's shard field", report.get("shard", {}).get("index"), index)
        expect_equal(differences, f"shard {index} plan_edges", report.get("shard", {}).get("plan_edges"),
                     len(full["edges"]))
        if status not in (0, 1):
            differences.append(f"shard {index} exited {status}: {run_cases._last_line(err)}")
        for identity, count in exchanges(entries).items():
            if identity in shard_of_identity:
                differences.append(f"identity {identity} exchanged in shard {shard_of_identity[identity]} "
                                   f"and again in shard {index}")
            shard_of_identity[identity] = index
            if count != all_exchanges.get(identity):
                differences.append(f"shard {index} exchanged {identity} {count} times, the unsharded "
                                   f"run {all_exchanges.get(identity)} times")
    expect_equal(differences, "identities exchanged over all shards", sorted(shard_of_identity),
                 sorted(all_exchanges))
    expect_equal(differences, "edges over all shards", edges_seen, len(full["edges"]))
    if len(set(shard_of_identity.values())) < 2:
        differences.append("every identity landed in one shard, so the test shows no partition")
    return full, full_status


def check_merge(bed, repo_dir, outputs_dir, full, full_status, differences):
    """Merge the shard reports and compare them with the unsharded run."""
    env = bed.environment(repo_dir)
    merged_path = os.path.join(outputs_dir, "merged.json")
    shard_paths = [os.path.join(outputs_dir, f"shard-{i}", "report.json")
                   for i in range(1, SHARD_COUNT + 1)]
    status, out, err, entries = bed.run(
        ["merge", "--report", merged_path, "--sarif", os.path.join(outputs_dir, "merged.sarif")]
        + list(reversed(shard_paths)), repo_dir, env)
    expect_equal(differences, "merge exit status", status, full_status)
    if not os.path.exists(merged_path):
        differences.append(f"merge wrote no report: {run_cases._last_line(err)}")
        return
    merged = load_report(merged_path)
    expect_equal(differences, "merged verdicts", verdict_rows(merged), verdict_rows(full))
    summary = {k: v for k, v in merged["summary"].items()}
    expect_equal(differences, "merged summary", summary, full["summary"])
    expect_equal(differences, "merged shards", merged.get("merge", {}).get("merged_shards"),
                 list(range(1, SHARD_COUNT + 1)))
    if exchanges(entries):
        differences.append(f"merge exchanged tokens: {sorted(exchanges(entries))}")
    if any(str(e.get("path", "")).startswith(("/_aws", "/_gcp", "/_azure")) for e in entries):
        differences.append("merge called a cloud provider")
    differences.extend(github_run.check_sarif({"sarif": "merged.sarif"}, outputs_dir))
    expect_in(differences, "merge stdout", "secret-preflight", out + err)

    # A folder argument reads every report under it, and gives the same result.
    folder_path = os.path.join(outputs_dir, "merged-from-folder.json")
    status, _, err, _ = bed.run(["merge", "--report", folder_path] +
                                [os.path.dirname(p) for p in shard_paths], repo_dir, env)
    expect_equal(differences, "merge of folders exit status", status, full_status)
    if os.path.exists(folder_path):
        expect_equal(differences, "merge of folders verdicts", verdict_rows(load_report(folder_path)),
                     verdict_rows(full))


def check_merge_errors(bed, repo_dir, outputs_dir, full_status, differences):
    """A missing, repeated, corrupt or foreign report is an input error."""
    env = bed.environment(repo_dir)
    shard = [os.path.join(outputs_dir, f"shard-{i}", "report.json") for i in range(1, SHARD_COUNT + 1)]
    corrupt = os.path.join(outputs_dir, "corrupt.json")
    with open(corrupt, "w", encoding="utf-8") as f:
        f.write('{"schema": "secret-preflight/report/v1", "mode": ')
    cases = [
        ("missing shard", shard[:2], f"missing the report of shard 3 of {SHARD_COUNT}"),
        ("repeated shard", shard + [shard[0]], f"{shard[0]}: shard 1/{SHARD_COUNT} was already read from"),
        ("corrupt report", shard[:2] + [corrupt], f"{corrupt}: invalid JSON at offset"),
        ("unsharded report", shard + [os.path.join(outputs_dir, "full.json")],
         "full.json: not a shard report"),
        ("no such file", shard + [os.path.join(outputs_dir, "nope.json")], "nope.json\" not found"),
    ]
    for label, paths, message in cases:
        out_path = os.path.join(outputs_dir, f"error-{label.replace(' ', '-')}.json")
        status, _, err, _ = bed.run(["merge", "--report", out_path] + paths, repo_dir, env)
        expect_equal(differences, f"merge with {label}: exit status", status, 2)
        expect_in(differences, f"merge with {label}: stderr", message, err)
        if os.path.exists(out_path):
            differences.append(f"merge with {label} wrote a report")

    # The output report named as an input, directly or inside a folder, must
    # be rejected before the merge could leave it out and then overwrite it.
    shard_dir = os.path.dirname(shard[0])
    for label, paths in (("output as input file", shard), ("output inside input folder", [outputs_dir])):
        with open(shard[0], "rb") as f:
            before = f.read()
        status, _, err, _ = bed.run(["merge", "--allow-partial", "--report", shard[0]] + paths, repo_dir, env)
        expect_equal(differences, f"merge with {label}: exit status", status, 2)
        expect_in(differences, f"merge with {label}: stderr", "is also a shard report to merge", err)
        with open(shard[0], "rb") as f:
            if f.read() != before:
                differences.append(f"merge with {label} overwrote the shard report in {shard_dir}")

    partial_path = os.path.join(outputs_dir, "partial.json")
    status, out, err, _ = bed.run(["merge", "--allow-partial", "--report", partial_path] + shard[:2],
                                  repo_dir, env)
    if status not in (0, 1):
        differences.append(f"merge --allow-partial exited {status}: {run_cases._last_line(err)}")
    if os.path.exists(partial_path):
        partial = load_report(partial_path)
        expect_equal(differences, "partial merge's missing shards",
                     partial.get("merge", {}).get("missing_shards"), [SHARD_COUNT])
        expect_in(differences, "partial merge's notices", "Partial merge: the report of shard 3",
                  " ".join(partial.get("notices", [])))
    else:
        differences.append("merge --allow-partial wrote no report")


def check_merge_comment(bed, repo_dir, outputs_dir, full_status, differences):
    """As a pull request job, merge posts one sticky comment and updates it on a rerun."""
    runs = github_run.load_runs(os.path.join(run_cases.CASES_DIR, GITHUB_CASE))
    event_run = runs[0]
    shard_paths = [os.path.join(outputs_dir, f"shard-{i}", "report.json")
                   for i in range(1, SHARD_COUNT + 1)]
    for attempt in (1, 2):
        merge_dir = os.path.join(outputs_dir, f"merge-job-{attempt}")
        os.makedirs(merge_dir)
        env = bed.environment(repo_dir)
        summary_path = os.path.join(merge_dir, "step-summary.md")
        output_path = os.path.join(merge_dir, "github-output.txt")
        for path in (summary_path, output_path):
            open(path, "w").close()
        env.update({"GITHUB_STEP_SUMMARY": summary_path, "GITHUB_OUTPUT": output_path})
        github_run.prepare_environment({"event_name": event_run["event_name"],
                                        "event": event_run["event"]}, env, merge_dir, merge_dir)
        env.update({"GITHUB_WORKFLOW": "preflight", "GITHUB_JOB": "merge",
                    "GITHUB_SHA": event_run["env"]["GITHUB_SHA"]})
        status, out, err, _ = bed.run(["merge", "--report", os.path.join(merge_dir, "merged.json")]
                                      + shard_paths, repo_dir, env)
        expect_equal(differences, f"merge job {attempt} exit status", status, full_status)
        expect_in(differences, f"merge job {attempt} step summary", "secret-preflight",
                  run_cases.read_text(summary_path))
        expect_in(differences, f"merge job {attempt} outputs", "passed=",
                  run_cases.read_text(output_path))
        if attempt == 1:
            expect_in(differences, "merge job log", "posted the pull request comment", out + err)
        state = github_run.fetch_state(bed.emulator_env)
        comments = (state.get("pull_requests", {}).get("7") or {}).get("comments", [])
        ours = [c for c in comments if str(c.get("body", "")).startswith(COMMENT_MARKER)]
        expect_equal(differences, f"sticky comments after merge job {attempt}", len(ours), 1)
        if ours:
            expect_in(differences, "sticky comment", "checkout-paypal", ours[0]["body"])
            expect_in(differences, "sticky comment", "stripe-key", ours[0]["body"])


def scenario_shards(binary, tmp_root):
    differences = []
    work_dir = os.path.join(tmp_root, "shards")
    outputs_dir = os.path.join(work_dir, "outputs")
    os.makedirs(outputs_dir)
    repo_dir = os.path.join(run_cases.CASES_DIR, SHARD_CASE, "repo")
    bed = Bed(build_cloud(work_dir), work_dir, binary)
    try:
        full, full_status = run_shards(bed, repo_dir, outputs_dir, differences)
        check_merge(bed, repo_dir, outputs_dir, full, full_status, differences)
        check_merge_errors(bed, repo_dir, outputs_dir, full_status, differences)
        check_merge_comment(bed, repo_dir, outputs_dir, full_status, differences)
    finally:
        bed.stop()
    scan_outputs(os.path.join(run_cases.CASES_DIR, SHARD_CASE, "cloud"), work_dir, differences)
    return differences


# ---------------------------------------------------------------------------
# Changed-only runs


def git(repo_dir, *args):
    subprocess.run(["git", "-C", repo_dir, "-c", "user.name=test", "-c", "user.email=test@example.com",
                    *args], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def scenario_changed_since(binary, tmp_root):
    differences = []
    work_dir = os.path.join(tmp_root, "changed")
    outputs_dir = os.path.join(work_dir, "outputs")
    os.makedirs(outputs_dir)
    repo_dir = os.path.join(work_dir, "repo")
    shutil.copytree(os.path.join(run_cases.CASES_DIR, SHARD_CASE, "repo"), repo_dir)
    git(repo_dir, "init", "-q", "-b", "main")
    git(repo_dir, "add", "-A")
    git(repo_dir, "commit", "-q", "-m", "base")
    git(repo_dir, "branch", "base")
    git(repo_dir, "checkout", "-q", "-b", "change")
    with open(os.path.join(repo_dir, CHANGED_SERVICE_ACCOUNT), "a", encoding="utf-8") as f:
        f.write("# touched by the changed-only test\n")
    git(repo_dir, "commit", "-q", "-am", "touch a ServiceAccount")

    bed = Bed(os.path.join(run_cases.CASES_DIR, SHARD_CASE, "cloud"), work_dir, binary)
    try:
        env = bed.environment(repo_dir)
        full_path = os.path.join(outputs_dir, "full.json")
        bed.run(["check", "--report", full_path], repo_dir, env)
        full = load_report(full_path)
        dependent = [row for row, edge in zip(verdict_rows(full), full["edges"])
                     if any(step.get("file") == CHANGED_SERVICE_ACCOUNT
                            for step in edge["identity"].get("chain", []))
                     or edge["reference"]["file"] == CHANGED_SERVICE_ACCOUNT]
        if not dependent or len(dependent) == len(full["edges"]):
            differences.append(f"case error: {len(dependent)} of {len(full['edges'])} edges depend "
                               f"on {CHANGED_SERVICE_ACCOUNT}; the test needs some but not all")

        changed_path = os.path.join(outputs_dir, "changed.json")
        summary_path = os.path.join(outputs_dir, "step-summary.md")
        open(summary_path, "w").close()
        status, out, err, entries = bed.run(
            ["check", "--changed-since", "base", "--report", changed_path], repo_dir,
            dict(env, GITHUB_STEP_SUMMARY=summary_path))
        changed = load_report(changed_path)
        expect_equal(differences, "changed-only edges", verdict_rows(changed), dependent)
        expect_equal(differences, "changed-only skipped_edges",
                     changed.get("changed_only", {}).get("skipped_edges"),
                     len(full["edges"]) - len(dependent))
        expect_equal(differences, "changed-only changed_files",
                     changed.get("changed_only", {}).get("changed_files"), 1)
        principals = {row[4] for row in dependent}
        expect_equal(differences, "changed-only exchanges", sorted(exchanges(entries)),
                     sorted(p.lower() for p in principals))
        skipped = len(full["edges"]) - len(dependent)
        expect_in(differences, "changed-only stdout", f"{skipped} edges of {len(full['edges'])} skipped", out)
        expect_in(differences, "changed-only step summary", f"{skipped} edges of {len(full['edges'])} skipped",
                  run_cases.read_text(summary_path))
        expect_equal(differences, "changed-only exit status", status,
                     1 if any(row[6] not in ("ok",) for row in dependent) else 0)

        # A changed config file checks every edge.
        with open(os.path.join(repo_dir, ".github", "secret-preflight.yml"), "a", encoding="utf-8") as f:
            f.write("# touched by the changed-only test\n")
        git(repo_dir, "commit", "-q", "-am", "touch the config")
        config_path = os.path.join(outputs_dir, "config-changed.json")
        bed.run(["plan", "--format", "json", "--changed-since", "base", "--report", config_path],
                repo_dir, env)
        config_run = load_report(config_path)
        expect_equal(differences, "config-changed edges", len(config_run.get("edges", [])),
                     len(full["edges"]))
        expect_equal(differences, "config-changed flag",
                     config_run.get("changed_only", {}).get("config_changed"), True)

        # An unknown revision is an input error, before any credential is used.
        status, out, err, entries = bed.run(["check", "--changed-since", "no-such-ref",
                                             "--report", os.path.join(outputs_dir, "bad.json")],
                                            repo_dir, env)
        expect_equal(differences, "unknown revision exit status", status, 2)
        expect_in(differences, "unknown revision stderr",
                  "git diff no-such-ref...HEAD failed (exit status 128)", err)
        if exchanges(entries):
            differences.append("a run with an unknown revision exchanged tokens")
    finally:
        bed.stop()
    scan_outputs(os.path.join(run_cases.CASES_DIR, SHARD_CASE, "cloud"), work_dir, differences)
    return differences


def scan_outputs(cloud_dir, work_dir, differences):
    """Scan every file the runs left for the case's secret values and issued tokens."""
    scanned_values, _ = run_cases.collect_secret_values(cloud_dir)
    outputs = []
    for folder, _, names in os.walk(work_dir):
        for name in names:
            path = os.path.join(folder, name)
            if path.startswith(os.path.join(work_dir, "cloud")) or "/.git/" in path:
                continue
            if name.startswith("emulator") or "/repo/" in path:
                continue
            outputs.append((os.path.relpath(path, work_dir), run_cases.read_text(path)))
    try:
        run_cases.scan_for_secret_values(scanned_values, outputs)
    except CaseFailure as failure:
        differences.insert(0, str(failure))


# ---------------------------------------------------------------------------


def main(argv):
    parser = argparse.ArgumentParser(description="Test sharding, merge and changed-only runs.")
    parser.add_argument("--binary", default=os.path.join(run_cases.REPO_ROOT, "build", "secret-preflight"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    parser.add_argument("--verbose", action="store_true", help="print every difference")
    args = parser.parse_args(argv)
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"ERROR binary not found or not executable: {binary}")
        return 1
    if shutil.which("git") is None:
        print("ERROR git not found on PATH; the changed-only scenario needs it (apt-get install git)")
        return 1

    tmp_root = tempfile.mkdtemp(prefix="secret-preflight-shards-")
    if args.keep:
        print(f"outputs kept in {tmp_root}")
    failures = 0
    for name, scenario in (("shards-and-merge", scenario_shards),
                           ("changed-since", scenario_changed_since)):
        started = time.monotonic()
        try:
            differences = scenario(binary, tmp_root)
        except (CaseFailure, github_run.GitHubRunError, OSError, ValueError, KeyError,
                subprocess.CalledProcessError) as failure:
            differences = [f"{type(failure).__name__}: {failure}"]
        elapsed = time.monotonic() - started
        if differences:
            failures += 1
            print(f"FAIL {name} [{elapsed:.1f} s]: {differences[0]}", flush=True)
            for difference in differences[1:] if args.verbose else []:
                print(f"     {difference}")
            if len(differences) > 1 and not args.verbose:
                print(f"     (+{len(differences) - 1} more; rerun with --verbose)")
        else:
            print(f"PASS {name} [{elapsed:.1f} s]", flush=True)
    if not args.keep:
        shutil.rmtree(tmp_root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
