"""GitHub REST API under /_github/api: issue comments and check runs, as api.github.com serves them.

Routes, limits and error shapes are listed in README.md. Repository state
lives in github_store.GitHubStore.
"""

import base64
import json
import logging
import re
import secrets
import time
import urllib.parse
import uuid
from http import HTTPStatus

from aws_protocol import Response
from github_store import CheckRun, Comment, iso_time, stable_number

log = logging.getLogger("emulator")

API_PREFIX = "/_github/api"
API_VERSION = "2022-11-28"
CONTENT_TYPE = "application/json; charset=utf-8"
DOCS = "https://docs.github.com/rest"
SECONDARY_RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"
COMMENTS_DOCS = "https://docs.github.com/rest/issues/comments"
CHECKS_DOCS = "https://docs.github.com/rest/checks/runs"

MAX_COMMENT_BODY = 65536
MAX_CHECK_TEXT = 65535
MAX_ANNOTATIONS = 50
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_BYTES = 64 * 1024
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
CHECK_STATUSES = ("queued", "in_progress", "completed")
CHECK_CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out")
ANNOTATION_LEVELS = ("notice", "warning", "failure")
ANNOTATION_REQUIRED = ("path", "start_line", "end_line", "annotation_level", "message")

REPOSITORY_PATH = re.compile(r"^/(?:repos/(?P<owner>[^/]+)/(?P<name>[^/]+)|repositories/(?P<id>\d+))(?P<rest>/.*)$")

# (method, pattern of the path after the repository, operation, permission scopes, level, docs anchor)
ROUTES = [
    ("GET", r"/issues/(\d+)/comments", "list-comments", ("pull-requests", "issues"), "read", "list-issue-comments"),
    ("POST", r"/issues/(\d+)/comments", "create-comment", ("pull-requests", "issues"), "write", "create-an-issue-comment"),
    ("GET", r"/issues/comments/(\d+)", "get-comment", ("pull-requests", "issues"), "read", "get-an-issue-comment"),
    ("PATCH", r"/issues/comments/(\d+)", "update-comment", ("pull-requests", "issues"), "write", "update-an-issue-comment"),
    ("DELETE", r"/issues/comments/(\d+)", "delete-comment", ("pull-requests", "issues"), "write", "delete-an-issue-comment"),
    ("POST", r"/check-runs", "create-check-run", ("checks",), "write", "create-a-check-run"),
    ("PATCH", r"/check-runs/(\d+)", "update-check-run", ("checks",), "write", "update-a-check-run"),
    ("GET", r"/check-runs/(\d+)", "get-check-run", ("checks",), "read", "get-a-check-run"),
    ("GET", r"/check-runs/(\d+)/annotations", "list-annotations", ("checks",), "read", "list-check-run-annotations"),
]


class GitHubApiError(Exception):
    """An error response in GitHub's shape: `{"message", "documentation_url", "status"}`."""

    def __init__(self, status, message, documentation_url=DOCS, errors=None, headers=None):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.errors = errors
        self.headers = headers or []


def invalid_request(detail, documentation_url):
    """Return the 422 GitHub sends when a body fails its JSON schema."""
    return GitHubApiError(422, f"Invalid request.\n\n{detail}", documentation_url)


def validation_failed(resource, field, documentation_url, code="invalid", message=None):
    """Return the 422 GitHub sends when a field fails a model validation."""
    error = {"resource": resource, "code": code, "field": field}
    if message:
        error["message"] = message
    return GitHubApiError(422, "Validation Failed", documentation_url, errors=[error])


def not_supplied(names, documentation_url):
    names = sorted(names)
    quoted = ", ".join(f'"{name}"' for name in names)
    verb = "wasn't" if len(names) == 1 else "weren't"
    return invalid_request(f"{quoted} {verb} supplied.", documentation_url)


def json_response(status, payload, headers=()):
    return Response(status, json.dumps(payload).encode(), CONTENT_TYPE, list(headers))


def error_response(error, request_id):
    payload = {"message": error.message, "documentation_url": error.documentation_url, "status": str(error.status)}
    if error.errors is not None:
        payload = {"message": error.message, "errors": error.errors,
                   "documentation_url": error.documentation_url, "status": str(error.status)}
    return json_response(error.status, payload, [("X-GitHub-Request-Id", request_id)] + error.headers)


def fault_response(plan, request_id):
    """Return the response a faults.json rule asks for, for service github-api."""
    if plan.throttle:
        retry_after = plan.retry_after if plan.retry_after is not None else 60
        message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                   f"If you reach out to GitHub Support for help, please include the request ID {request_id}.")
        error = GitHubApiError(403, message, SECONDARY_RATE_LIMIT_DOCS, headers=[("Retry-After", str(retry_after))])
        return error_response(error, request_id)
    try:
        phrase = HTTPStatus(plan.status).phrase
    except ValueError:
        phrase = "Server Error"
    headers = [("Retry-After", str(plan.retry_after))] if plan.status == 429 and plan.retry_after is not None else []
    return error_response(GitHubApiError(plan.status, phrase, DOCS, headers=headers), request_id)


def match_route(method, path):
    """Return (route, repository match, path arguments) for a path after API_PREFIX, or None."""
    repository_match = REPOSITORY_PATH.match(path)
    if not repository_match:
        return None
    for route in ROUTES:
        if route[0] != method:
            continue
        path_match = re.fullmatch(route[1], repository_match.group("rest"))
        if path_match:
            return route, repository_match, [int(value) for value in path_match.groups()]
    return None


def operation_for(method, path):
    """Return the operation name faults.json matches, or `unknown` for paths the API does not serve."""
    matched = match_route(method, path[len(API_PREFIX):])
    return matched[0][2] if matched else "unknown"


def parse_body(http_request, documentation_url):
    if not http_request.body.strip():
        return {}
    try:
        body = json.loads(http_request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GitHubApiError(400, "Problems parsing JSON", documentation_url) from error
    if not isinstance(body, dict):
        raise GitHubApiError(400, "Problems parsing JSON", documentation_url)
    return body


def bearer_value(authorization):
    """Return the token from `Bearer <token>` or `token <token>`, or None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        return None
    return value.strip()


def _node_id(prefix, number):
    return prefix + base64.b64encode(number.to_bytes(8, "big")).decode().rstrip("=")


class GitHubApi:
    """Serve one request to the REST API against a GitHubStore."""

    def __init__(self, store, base_url):
        self.store = store
        self.base_url = base_url

    @property
    def api_url(self):
        return self.base_url + API_PREFIX

    # entry point

    def handle(self, http_request, authorization, request_id):
        path = http_request.path[len(API_PREFIX):]
        headers = [("X-GitHub-Request-Id", request_id), ("X-GitHub-Api-Version-Selected", API_VERSION),
                   ("X-GitHub-Media-Type", "github.v3; format=json")]
        try:
            matched = match_route(http_request.method, path)
            token = self._authenticate(authorization)
            limit, remaining, used, reset = self.store.count_request(token)
            headers += [("X-RateLimit-Limit", str(limit)), ("X-RateLimit-Remaining", str(remaining)),
                        ("X-RateLimit-Reset", str(reset)), ("X-RateLimit-Used", str(used)),
                        ("X-RateLimit-Resource", "core")]
            if used > limit:
                message = "API rate limit exceeded for installation."
                raise GitHubApiError(403, message, "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api")
            if matched is None:
                raise GitHubApiError(404, "Not Found", DOCS)
            route, repository_match, arguments = matched
            documentation_url = f"{COMMENTS_DOCS if 'comment' in route[2] else CHECKS_DOCS}#{route[5]}"
            self._check_repository(repository_match, documentation_url)
            self._check_permission(token, route, documentation_url)
            response = getattr(self, route[2].replace("-", "_"))(http_request, token, arguments, documentation_url)
        except GitHubApiError as error:
            log.info("github-api %s %s -> %s %s (request %s)", http_request.method, path, error.status,
                     error.message.splitlines()[0], request_id)
            response = error_response(error, request_id)
            response.headers = headers[1:] + response.headers
            return response
        log.info("github-api %s %s -> %s (request %s)", http_request.method, path, response.status, request_id)
        response.headers = headers + response.headers
        return response

    def _authenticate(self, authorization):
        if not authorization:
            raise GitHubApiError(401, "Requires authentication", DOCS)
        value = bearer_value(authorization)
        token = self.store.find_token(value) if value else None
        if token is None:
            raise GitHubApiError(401, "Bad credentials", DOCS)
        return token

    def _check_repository(self, repository_match, documentation_url):
        if repository_match.group("id") is not None:
            found = int(repository_match.group("id")) == self.store.repository_id
        else:
            full_name = f"{repository_match.group('owner')}/{repository_match.group('name')}"
            found = full_name.lower() == self.store.repository.lower()
        if not found:
            raise GitHubApiError(404, "Not Found", documentation_url)

    @staticmethod
    def _check_permission(token, route, documentation_url):
        needed = 2 if route[4] == "write" else 1
        if not any(token.level(scope) >= needed for scope in route[3]):
            raise GitHubApiError(403, "Resource not accessible by integration", documentation_url)

    # pagination

    def _paginate(self, http_request, items, repository_path):
        """Return (page of items, Link header pairs) following GitHub's per_page/page rules."""
        query = urllib.parse.parse_qsl(http_request.query, keep_blank_values=True)
        values = dict(query)
        per_page = _positive_int(values.get("per_page"), DEFAULT_PER_PAGE)
        per_page = min(per_page, MAX_PER_PAGE)
        page = _positive_int(values.get("page"), 1)
        last_page = max((len(items) + per_page - 1) // per_page, 1)
        page_items = items[(page - 1) * per_page:page * per_page]
        if last_page == 1:
            return page_items, []

        def page_url(number):
            pairs = [(name, str(number) if name == "page" else value) for name, value in query]
            if "page" not in values:
                pairs.append(("page", str(number)))
            return f"{self.api_url}/repositories/{self.store.repository_id}{repository_path}?{urllib.parse.urlencode(pairs)}"

        links = []
        if page > 1:
            links.append(f'<{page_url(min(page - 1, last_page))}>; rel="prev"')
        if page < last_page:
            links.append(f'<{page_url(page + 1)}>; rel="next"')
            links.append(f'<{page_url(last_page)}>; rel="last"')
        if page > 1:
            links.append(f'<{page_url(1)}>; rel="first"')
        return page_items, [("Link", ", ".join(links))]

    # issue comments

    def comment_json(self, comment):
        repository = self.store.repository
        return {
            "url": f"{self.api_url}/repos/{repository}/issues/comments/{comment.id}",
            "html_url": f"https://github.com/{repository}/pull/{comment.issue_number}#issuecomment-{comment.id}",
            "issue_url": f"{self.api_url}/repos/{repository}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": _node_id("IC_kwDO", comment.id),
            "user": comment.user,
            "created_at": iso_time(comment.created_at),
            "updated_at": iso_time(comment.updated_at),
            "author_association": comment.author_association,
            "body": comment.body,
            "performed_via_github_app": None,
        }

    def _pull_request(self, number, documentation_url):
        if number not in self.store.pull_requests:
            raise GitHubApiError(404, "Not Found", documentation_url)

    def _comment(self, comment_id, documentation_url):
        comment = self.store.comment_by_id(comment_id)
        if comment is None:
            raise GitHubApiError(404, "Not Found", documentation_url)
        return comment

    @staticmethod
    def _comment_body(body, documentation_url):
        if "body" not in body or body["body"] is None:
            raise not_supplied(["body"], documentation_url)
        if not isinstance(body["body"], str):
            raise invalid_request(f'For \'properties/body\', {json.dumps(body["body"])} is not a string.', documentation_url)
        if len(body["body"]) > MAX_COMMENT_BODY:
            raise validation_failed("IssueComment", "body", documentation_url, code="custom",
                                    message=f"body is too long (maximum is {MAX_COMMENT_BODY} characters)")
        return body["body"]

    def list_comments(self, http_request, token, arguments, documentation_url):
        number = arguments[0]
        self._pull_request(number, documentation_url)
        comments = self.store.comments_on(number)
        page, link = self._paginate(http_request, comments, f"/issues/{number}/comments")
        return json_response(200, [self.comment_json(comment) for comment in page], link)

    def create_comment(self, http_request, token, arguments, documentation_url):
        number = arguments[0]
        self._pull_request(number, documentation_url)
        text = self._comment_body(parse_body(http_request, documentation_url), documentation_url)
        now = time.time()
        comment = Comment(id=self.store.new_id(), issue_number=number, body=text, user=token.user,
                          created_at=now, updated_at=now)
        self.store.add_comment(comment)
        payload = self.comment_json(comment)
        return json_response(201, payload, [("Location", payload["url"])])

    def get_comment(self, http_request, token, arguments, documentation_url):
        return json_response(200, self.comment_json(self._comment(arguments[0], documentation_url)))

    def update_comment(self, http_request, token, arguments, documentation_url):
        comment = self._comment(arguments[0], documentation_url)
        text = self._comment_body(parse_body(http_request, documentation_url), documentation_url)
        with self.store.lock:
            comment.body = text
            comment.updated_at = time.time()
        return json_response(200, self.comment_json(comment))

    def delete_comment(self, http_request, token, arguments, documentation_url):
        self._comment(arguments[0], documentation_url)
        self.store.delete_comment(arguments[0])
        return Response(204, b"", "")

    # check runs

    def check_run_json(self, run, with_annotations=False):
        url = f"{self.api_url}/repos/{self.store.repository}/check-runs/{run.id}"
        output = {"title": run.title, "summary": run.summary, "text": run.text,
                  "annotations_count": len(run.annotations), "annotations_url": f"{url}/annotations"}
        if with_annotations:
            output["annotations"] = list(run.annotations)
        return {
            "id": run.id,
            "name": run.name,
            "node_id": _node_id("CR_kwDO", run.id),
            "head_sha": run.head_sha,
            "external_id": run.external_id,
            "url": url,
            "html_url": f"https://github.com/{self.store.repository}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "output": output,
            "check_suite": {"id": stable_number(f"suite:{self.store.repository}:{run.head_sha}")},
            "app": {"id": 15368, "slug": "github-actions", "name": "GitHub Actions"},
            "pull_requests": [],
        }

    def _check_run(self, run_id, documentation_url):
        with self.store.lock:
            run = self.store.check_runs.get(run_id)
        if run is None:
            raise GitHubApiError(404, "Not Found", documentation_url)
        return run

    def create_check_run(self, http_request, token, arguments, documentation_url):
        body = parse_body(http_request, documentation_url)
        missing = [name for name in ("name", "head_sha") if not body.get(name)]
        if missing:
            raise not_supplied(missing, documentation_url)
        head_sha = str(body["head_sha"])
        if self.store.commits is not None and head_sha.lower() not in self.store.commits:
            raise GitHubApiError(422, f"No commit found for SHA: {head_sha}", documentation_url)
        fields = validate_check_run_fields(body, documentation_url, creating=True)
        run = CheckRun(id=self.store.new_id(), name=str(body["name"]), head_sha=head_sha, status="queued",
                       conclusion=None, started_at=None, completed_at=None,
                       details_url=body.get("details_url"), external_id=body.get("external_id", ""))
        self._apply(run, body, fields)
        self.store.add_check_run(run)
        payload = self.check_run_json(run)
        return json_response(201, payload, [("Location", payload["url"])])

    def update_check_run(self, http_request, token, arguments, documentation_url):
        run = self._check_run(arguments[0], documentation_url)
        body = parse_body(http_request, documentation_url)
        fields = validate_check_run_fields(body, documentation_url, creating=False)
        if fields["status"] == "completed" and not fields["conclusion"] and not run.conclusion:
            raise not_supplied(["conclusion"], documentation_url)
        with self.store.lock:
            self._apply(run, body, fields)
        return json_response(200, self.check_run_json(run))

    def get_check_run(self, http_request, token, arguments, documentation_url):
        return json_response(200, self.check_run_json(self._check_run(arguments[0], documentation_url)))

    def list_annotations(self, http_request, token, arguments, documentation_url):
        run = self._check_run(arguments[0], documentation_url)
        page, link = self._paginate(http_request, list(run.annotations), f"/check-runs/{run.id}/annotations")
        return json_response(200, page, link)

    @staticmethod
    def _apply(run, body, fields):
        """Copy validated fields onto the run; annotations are appended, as GitHub does."""
        now = iso_time(time.time())
        if body.get("name"):
            run.name = str(body["name"])
        for name in ("details_url", "external_id"):
            if name in body:
                setattr(run, name, body[name])
        if fields["status"]:
            run.status = fields["status"]
        if fields["conclusion"]:
            run.conclusion = fields["conclusion"]
        run.started_at = body.get("started_at") or run.started_at or now
        if run.status == "completed":
            run.completed_at = body.get("completed_at") or run.completed_at or now
        output = fields["output"]
        if output is not None:
            if output.get("title") is not None:
                run.title = output["title"]
            run.summary = output["summary"]
            if "text" in output:
                run.text = output["text"]
            for annotation in output.get("annotations") or []:
                run.annotations.append(annotation_json(annotation))


def _positive_int(text, default):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value >= 1 else default


def validate_check_run_fields(body, documentation_url, creating):
    """Check status, conclusion and output; return {"status", "conclusion", "output"}.

    NOTE: the 422 messages for a bad enum value, a missing conclusion and a
    too-long annotation field follow GitHub's schema and model error shapes,
    but their exact wording has not been compared with GitHub's.
    """
    status = body.get("status")
    conclusion = body.get("conclusion")
    if status is not None and status not in CHECK_STATUSES:
        raise invalid_request(f"For 'properties/status', {json.dumps(status)} is not a member of {json.dumps(list(CHECK_STATUSES))}.",
                              documentation_url)
    if conclusion is not None and conclusion not in CHECK_CONCLUSIONS:
        raise invalid_request(f"For 'properties/conclusion', {json.dumps(conclusion)} is not a member of "
                              f"{json.dumps(list(CHECK_CONCLUSIONS))}.", documentation_url)
    if conclusion:
        status = "completed"
    elif status == "completed" and creating:
        raise not_supplied(["conclusion"], documentation_url)
    output = body.get("output")
    if output is not None:
        validate_output(output, documentation_url, creating)
    return {"status": status, "conclusion": conclusion, "output": output}


def validate_output(output, documentation_url, creating):
    if not isinstance(output, dict):
        raise invalid_request(f"For 'properties/output', {json.dumps(output)} is not an object.", documentation_url)
    required = ("title", "summary") if creating else ("summary",)
    missing = [name for name in required if output.get(name) is None]
    if missing:
        raise not_supplied(missing, documentation_url)
    for name in ("summary", "text"):
        value = output.get(name)
        if value is not None and len(str(value)) > MAX_CHECK_TEXT:
            raise invalid_request(f"Only {MAX_CHECK_TEXT} characters are allowed; {len(str(value))} were supplied.",
                                  documentation_url)
    annotations = output.get("annotations")
    if annotations is None:
        return
    if not isinstance(annotations, list):
        raise invalid_request(f"For 'properties/annotations', {json.dumps(annotations)} is not an array.", documentation_url)
    if len(annotations) > MAX_ANNOTATIONS:
        raise invalid_request(f"No more than {MAX_ANNOTATIONS} items are allowed; {len(annotations)} were supplied.",
                              documentation_url)
    for annotation in annotations:
        validate_annotation(annotation, documentation_url)


def validate_annotation(annotation, documentation_url):
    if not isinstance(annotation, dict):
        raise validation_failed("CheckRun", "annotations", documentation_url)
    missing = [name for name in ANNOTATION_REQUIRED if annotation.get(name) is None]
    if missing:
        raise not_supplied(missing, documentation_url)
    level = annotation["annotation_level"]
    if level not in ANNOTATION_LEVELS:
        raise invalid_request(f"For 'properties/annotation_level', {json.dumps(level)} is not a member of "
                              f"{json.dumps(list(ANNOTATION_LEVELS))}.", documentation_url)
    lines_valid = all(isinstance(annotation[name], int) and annotation[name] >= 1 for name in ("start_line", "end_line"))
    has_columns = annotation.get("start_column") is not None or annotation.get("end_column") is not None
    problems = [
        not isinstance(annotation["path"], str) or not annotation["path"],
        not lines_valid,
        lines_valid and annotation["end_line"] < annotation["start_line"],
        has_columns and lines_valid and annotation["start_line"] != annotation["end_line"],
        len(str(annotation.get("title") or "")) > MAX_ANNOTATION_TITLE,
        len(str(annotation["message"]).encode()) > MAX_ANNOTATION_BYTES,
        len(str(annotation.get("raw_details") or "").encode()) > MAX_ANNOTATION_BYTES,
    ]
    if any(problems):
        raise validation_failed("CheckRun", "annotations", documentation_url)


def annotation_json(annotation):
    """Return an annotation as GitHub lists it, with every field present."""
    return {
        "path": annotation["path"],
        "start_line": annotation["start_line"],
        "end_line": annotation["end_line"],
        "start_column": annotation.get("start_column"),
        "end_column": annotation.get("end_column"),
        "annotation_level": annotation["annotation_level"],
        "title": annotation.get("title"),
        "message": annotation["message"],
        "raw_details": annotation.get("raw_details"),
        "blob_href": None,
    }


def state_json(api):
    """Return every pull request's comments and every check run with its annotations, for tests."""
    store = api.store
    with store.lock:
        comments = list(store.comments)
        runs = sorted(store.check_runs.values(), key=lambda run: run.id)
    pull_requests = {str(number): {"comments": []} for number in store.pull_requests}
    for comment in comments:
        pull_requests[str(comment.issue_number)]["comments"].append(api.comment_json(comment))
    return {
        "repository": store.repository,
        "pull_requests": pull_requests,
        "check_runs": [api.check_run_json(run, with_annotations=True) for run in runs],
    }


def new_request_id():
    """Return an id in the form of GitHub's X-GitHub-Request-Id."""
    return f"{secrets.token_hex(2).upper()}:{uuid.uuid4().hex[:5].upper()}:{secrets.token_hex(3).upper()}"
