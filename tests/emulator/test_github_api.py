"""End-to-end tests of the emulated GitHub REST API (issue comments, check runs, state)."""

import json
import re
import unittest
import urllib.request

from harness import FIXTURES, RunningEmulator

JOB_TOKEN = "ghs_emulatorcase7"
HEAD_SHA = "0123456789abcdef0123456789abcdef01234567"
MARKER = "<!-- secret-preflight:report -->"


def annotation(line, level="warning"):
    return {"path": "deploy/shop.yaml", "start_line": line, "end_line": line,
            "annotation_level": level, "message": f"finding on line {line}"}


class GitHubClient:
    """Minimal REST client for the emulator's GITHUB_API_URL."""

    def __init__(self, emulator, token=JOB_TOKEN, scheme="Bearer"):
        self.emulator = emulator
        self.token = token
        self.scheme = scheme

    def request(self, method, path_or_url, payload=None):
        url = path_or_url if path_or_url.startswith("https://") else self.emulator.env["GITHUB_API_URL"] + path_or_url
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "emulator-test"}
        if self.token:
            headers["Authorization"] = f"{self.scheme} {self.token}"
        data = json.dumps(payload).encode() if payload is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        status, response_headers, body = self.emulator.open(urllib.request.Request(url, data=data, headers=headers, method=method))
        return status, response_headers, json.loads(body) if body else None


def parse_link(header):
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header or "")}


class GitHubApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "github" / "cloud").__enter__()
        cls.client = GitHubClient(cls.emulator)

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def state(self):
        url = self.emulator.env["GITHUB_API_URL"].replace("/_github/api", "/_github/state")
        status, _, body = self.emulator.open(urllib.request.Request(url))
        self.assertEqual(status, 200)
        return json.loads(body)

    def create_check_run(self, **fields):
        payload = {"name": "secret-preflight", "head_sha": HEAD_SHA}
        payload.update(fields)
        return self.client.request("POST", "/repos/acme/shop/check-runs", payload)

    # env file

    def test_env_file_has_token_and_repository(self):
        self.assertEqual(self.emulator.env["GITHUB_TOKEN"], JOB_TOKEN)
        self.assertEqual(self.emulator.env["GITHUB_REPOSITORY"], "acme/shop")
        self.assertTrue(self.emulator.env["GITHUB_API_URL"].endswith("/_github/api"))

    # pagination

    def test_default_page_and_link_header(self):
        status, headers, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 200)
        self.assertEqual(len(comments), 30)
        self.assertEqual(comments[0]["body"], "comment 1")
        base = self.emulator.env["GITHUB_API_URL"] + "/repositories/123456789/issues/7/comments"
        self.assertEqual(headers["Link"], f'<{base}?page=2>; rel="next", <{base}?page=2>; rel="last"')

    def test_middle_page_link_has_all_relations(self):
        status, headers, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments?per_page=10&page=2")
        self.assertEqual(status, 200)
        self.assertEqual([comment["id"] for comment in comments], list(range(1011, 1021)))
        base = self.emulator.env["GITHUB_API_URL"] + "/repositories/123456789/issues/7/comments?per_page=10"
        self.assertEqual(headers["Link"], f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
                                          f'<{base}&page=4>; rel="last", <{base}&page=1>; rel="first"')

    def test_follow_next_finds_marker(self):
        url = "/repos/acme/shop/issues/7/comments?per_page=100"
        status, headers, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments?per_page=7")
        pages = [comments]
        while "next" in parse_link(headers.get("Link")):
            status, headers, comments = self.client.request("GET", parse_link(headers["Link"])["next"])
            self.assertEqual(status, 200)
            pages.append(comments)
        self.assertEqual(len(pages), 5)
        bodies = [comment["body"] for page in pages for comment in page]
        self.assertEqual(len(bodies), 35)
        self.assertTrue(bodies[31].startswith(MARKER))
        status, headers, single = self.client.request("GET", url)
        self.assertEqual(len(single), 35)
        self.assertNotIn("Link", headers)

    def test_per_page_capped_at_100(self):
        status, headers, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments?per_page=500")
        self.assertEqual(status, 200)
        self.assertEqual(len(comments), 35)
        self.assertNotIn("Link", headers)

    def test_page_past_end_is_empty(self):
        status, headers, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments?page=9")
        self.assertEqual(status, 200)
        self.assertEqual(comments, [])
        self.assertIn('rel="first"', headers["Link"])

    def test_comment_shape(self):
        _, _, comments = self.client.request("GET", "/repos/acme/shop/issues/7/comments?per_page=5")
        human, bot = comments[4], comments[0]
        self.assertEqual(human["user"]["login"], "octocat")
        self.assertEqual(human["user"]["type"], "User")
        self.assertEqual(bot["user"]["login"], "github-actions[bot]")
        self.assertEqual(bot["user"]["type"], "Bot")
        self.assertEqual(bot["html_url"], "https://github.com/acme/shop/pull/7#issuecomment-1001")
        self.assertEqual(bot["created_at"], "2024-01-01T00:01:00Z")
        for key in ("id", "node_id", "body", "updated_at", "url", "issue_url"):
            self.assertIn(key, bot)

    # create, update, delete

    def test_create_update_delete_comment(self):
        status, headers, created = self.client.request("POST", "/repos/acme/shop/issues/8/comments", {"body": MARKER + "\nnew"})
        self.assertEqual(status, 201)
        self.assertEqual(headers["Location"], created["url"])
        self.assertEqual(created["user"]["login"], "github-actions[bot]")
        self.assertGreater(created["id"], 1035)
        comment_path = f"/repos/acme/shop/issues/comments/{created['id']}"

        status, _, updated = self.client.request("PATCH", comment_path, {"body": MARKER + "\nall passed"})
        self.assertEqual(status, 200)
        self.assertEqual(updated["body"], MARKER + "\nall passed")
        self.assertEqual(updated["id"], created["id"])
        comments = self.state()["pull_requests"]["8"]["comments"]
        self.assertEqual([comment["body"] for comment in comments], [MARKER + "\nall passed"])

        status, headers, body = self.client.request("DELETE", comment_path)
        self.assertEqual(status, 204)
        self.assertIsNone(body)
        self.assertEqual(self.state()["pull_requests"]["8"]["comments"], [])
        status, _, _ = self.client.request("DELETE", comment_path)
        self.assertEqual(status, 404)

    def test_update_existing_marker_comment(self):
        status, _, updated = self.client.request("PATCH", "/repos/acme/shop/issues/comments/1032", {"body": MARKER + "\nv2"})
        self.assertEqual(status, 200)
        self.assertEqual(updated["created_at"], "2024-01-01T00:32:00Z")
        self.assertNotEqual(updated["updated_at"], updated["created_at"])
        comments = self.state()["pull_requests"]["7"]["comments"]
        self.assertEqual(len(comments), 35)
        self.assertEqual(comments[31]["body"], MARKER + "\nv2")

    def test_token_scheme_accepted(self):
        client = GitHubClient(self.emulator, scheme="token")
        status, _, _ = client.request("GET", "/repos/acme/shop/issues/8/comments")
        self.assertEqual(status, 200)

    def test_comment_body_too_long(self):
        status, _, body = self.client.request("POST", "/repos/acme/shop/issues/8/comments", {"body": "x" * 65537})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], "Validation Failed")
        self.assertEqual(body["errors"][0]["field"], "body")
        self.assertIn("documentation_url", body)

    def test_missing_body_and_unknown_pr(self):
        status, _, body = self.client.request("POST", "/repos/acme/shop/issues/8/comments", {})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], 'Invalid request.\n\n"body" wasn\'t supplied.')
        status, _, body = self.client.request("GET", "/repos/acme/shop/issues/99/comments")
        self.assertEqual(status, 404)
        self.assertEqual(body["message"], "Not Found")
        status, _, _ = self.client.request("GET", "/repos/acme/other/issues/7/comments")
        self.assertEqual(status, 404)

    # authentication and permissions

    def test_missing_token_is_401(self):
        status, _, body = GitHubClient(self.emulator, token=None).request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 401)
        self.assertEqual(body["message"], "Requires authentication")
        self.assertIn("documentation_url", body)

    def test_unknown_token_is_401(self):
        status, _, body = GitHubClient(self.emulator, token="ghs_wrong").request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 401)
        self.assertEqual(body["message"], "Bad credentials")

    def test_read_only_token_cannot_comment(self):
        client = GitHubClient(self.emulator, token="ghs_readonly")
        status, _, _ = client.request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 200)
        status, _, body = client.request("POST", "/repos/acme/shop/issues/8/comments", {"body": "x"})
        self.assertEqual(status, 403)
        self.assertEqual(body["message"], "Resource not accessible by integration")
        self.assertEqual(body["documentation_url"], "https://docs.github.com/rest/issues/comments#create-an-issue-comment")

    def test_token_without_checks_gets_403(self):
        client = GitHubClient(self.emulator, token="ghs_nochecks")
        status, _, body = client.request("POST", "/repos/acme/shop/check-runs", {"name": "x", "head_sha": HEAD_SHA})
        self.assertEqual(status, 403)
        self.assertEqual(body["message"], "Resource not accessible by integration")
        self.assertEqual(body["status"], "403")

    def test_rate_limit_headers(self):
        _, first, _ = self.client.request("GET", "/repos/acme/shop/issues/8/comments")
        _, second, _ = self.client.request("GET", "/repos/acme/shop/issues/8/comments")
        self.assertEqual(first["X-RateLimit-Limit"], "1000")
        self.assertEqual(int(second["X-RateLimit-Remaining"]), int(first["X-RateLimit-Remaining"]) - 1)
        self.assertIn("X-GitHub-Request-Id", second)

    # check runs

    def test_check_run_create_and_append(self):
        first = [annotation(line) for line in range(1, 51)]
        status, headers, run = self.create_check_run(
            status="in_progress", output={"title": "3 findings", "summary": "summary", "annotations": first})
        self.assertEqual(status, 201)
        self.assertEqual(run["status"], "in_progress")
        self.assertIsNone(run["conclusion"])
        self.assertEqual(run["output"]["annotations_count"], 50)
        self.assertEqual(headers["Location"], run["url"])

        status, _, updated = self.client.request("PATCH", f"/repos/acme/shop/check-runs/{run['id']}", {
            "conclusion": "failure", "output": {"summary": "done", "annotations": [annotation(51, "failure")]}})
        self.assertEqual(status, 200)
        self.assertEqual(updated["status"], "completed")
        self.assertEqual(updated["conclusion"], "failure")
        self.assertEqual(updated["output"]["title"], "3 findings")
        self.assertEqual(updated["output"]["annotations_count"], 51)
        self.assertIsNotNone(updated["completed_at"])

        status, _, fetched = self.client.request("GET", f"/repos/acme/shop/check-runs/{run['id']}")
        self.assertEqual(status, 200)
        self.assertEqual(fetched["output"]["summary"], "done")
        saved = [entry for entry in self.state()["check_runs"] if entry["id"] == run["id"]][0]
        self.assertEqual(len(saved["output"]["annotations"]), 51)
        self.assertEqual(saved["output"]["annotations"][50]["annotation_level"], "failure")

    def test_51_annotations_rejected(self):
        annotations = [annotation(line) for line in range(1, 52)]
        status, _, body = self.create_check_run(output={"title": "t", "summary": "s", "annotations": annotations})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.")
        self.assertEqual(body["documentation_url"], "https://docs.github.com/rest/checks/runs#create-a-check-run")

    def test_annotation_fields_checked(self):
        missing = {"start_line": 1, "end_line": 1, "message": "m"}
        status, _, body = self.create_check_run(output={"title": "t", "summary": "s", "annotations": [missing]})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], 'Invalid request.\n\n"annotation_level", "path" weren\'t supplied.')
        bad_level = dict(annotation(1), annotation_level="error")
        status, _, body = self.create_check_run(output={"title": "t", "summary": "s", "annotations": [bad_level]})
        self.assertEqual(status, 422)
        self.assertIn("annotation_level", body["message"])
        columns = dict(annotation(1), end_line=2, start_column=1, end_column=4)
        status, _, body = self.create_check_run(output={"title": "t", "summary": "s", "annotations": [columns]})
        self.assertEqual(status, 422)
        self.assertEqual(body["errors"], [{"resource": "CheckRun", "code": "invalid", "field": "annotations"}])
        long_title = dict(annotation(1), title="t" * 256)
        status, _, _ = self.create_check_run(output={"title": "t", "summary": "s", "annotations": [long_title]})
        self.assertEqual(status, 422)

    def test_summary_limit(self):
        status, _, body = self.create_check_run(output={"title": "t", "summary": "s" * 65536})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], "Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.")
        status, _, _ = self.create_check_run(output={"title": "t", "summary": "s" * 65535, "text": "x" * 65535})
        self.assertEqual(status, 201)

    def test_check_run_required_fields(self):
        status, _, body = self.client.request("POST", "/repos/acme/shop/check-runs", {"name": "x"})
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], 'Invalid request.\n\n"head_sha" wasn\'t supplied.')
        status, _, body = self.create_check_run(status="completed")
        self.assertEqual(status, 422)
        status, _, body = self.create_check_run(head_sha="f" * 40)
        self.assertEqual(status, 422)
        self.assertEqual(body["message"], f"No commit found for SHA: {'f' * 40}")
        status, _, run = self.create_check_run(conclusion="success")
        self.assertEqual(status, 201)
        self.assertEqual(run["status"], "completed")

    # request log and state

    def test_request_log_redacts_token(self):
        self.client.request("POST", "/repos/acme/shop/issues/8/comments?x=1", {"body": "logged"})
        entries = [json.loads(line) for line in self.emulator.request_log.read_text().splitlines()]
        entry = [item for item in entries if item["method"] == "POST" and "logged" in item["body"]][-1]
        self.assertEqual(entry["path"], "/_github/api/repos/acme/shop/issues/8/comments?x=1")
        self.assertEqual(entry["query"], "x=1")
        authorization = [value for name, value in entry["headers"] if name.lower() == "authorization"]
        self.assertEqual(authorization, ["<redacted>"])
        self.assertNotIn(JOB_TOKEN, self.emulator.request_log.read_text())

    def test_state_lists_everything(self):
        state = self.state()
        self.assertEqual(state["repository"], "acme/shop")
        self.assertEqual(sorted(state["pull_requests"]), ["7", "8"])
        self.assertIsInstance(state["check_runs"], list)


class GitHubApiFaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "github-faults" / "cloud").__enter__()
        cls.client = GitHubClient(cls.emulator, token="ghs_faults")

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def test_secondary_rate_limit_then_normal(self):
        status, headers, body = self.client.request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 403)
        self.assertEqual(headers["Retry-After"], "5")
        self.assertIn("secondary rate limit", body["message"])
        status, _, _ = self.client.request("GET", "/repos/acme/shop/issues/7/comments")
        self.assertEqual(status, 200)

    def test_status_fault(self):
        status, _, body = self.client.request("POST", "/repos/acme/shop/issues/7/comments", {"body": "x"})
        self.assertEqual(status, 502)
        self.assertEqual(body["message"], "Bad Gateway")
        self.assertIn("documentation_url", body)

    def test_reset_connection(self):
        with self.assertRaises((ConnectionError, OSError)):
            self.client.request("POST", "/repos/acme/shop/check-runs", {"name": "x", "head_sha": "a" * 40})

    def test_env_without_other_tokens(self):
        self.assertEqual(self.emulator.env["GITHUB_TOKEN"], "ghs_faults")


if __name__ == "__main__":
    unittest.main()
