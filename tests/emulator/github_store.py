"""Repository state behind the emulated GitHub REST API: tokens, PR comments and check runs.

Loaded from cloud/github.json (format in README.md). The store is shared by
request threads, so every method that reads or changes comments or check
runs takes the store's lock.
"""

import hashlib
import threading
import time
from dataclasses import dataclass, field

from world import WorldError, _read_json, parse_timestamp

PERMISSION_LEVELS = {"none": 0, "read": 1, "write": 2}
# Scopes a GITHUB_TOKEN can carry; a token without `permissions` gets write on all of them.
TOKEN_SCOPES = (
    "actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues",
    "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
)
GITHUB_ACTIONS_BOT = {"login": "github-actions[bot]", "type": "Bot", "id": 41898282}
FIRST_COMMENT_TIME = 1704067200  # 2024-01-01T00:00:00Z
RATE_LIMIT_PER_HOUR = 1000


def iso_time(epoch_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def stable_number(text, digits=9):
    """Return a positive number derived from text, so ids stay the same across runs."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % (10 ** digits) + 10 ** (digits - 1)


def user_object(user):
    """Return a GitHub user object for a case's `{"login", "type", "id"}`."""
    login = user["login"]
    user_id = int(user.get("id") or stable_number("user:" + login, 8))
    return {
        "login": login,
        "id": user_id,
        "node_id": user.get("node_id") or f"MDQ6VXNlcj{user_id}",
        "type": user.get("type", "User"),
        "site_admin": False,
    }


@dataclass
class Token:
    value: str
    permissions: dict
    user: dict
    used: int = 0
    window_start: float = field(default_factory=time.time)

    def level(self, scope):
        return PERMISSION_LEVELS.get(self.permissions.get(scope, "none"), 0)


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: dict
    created_at: float
    updated_at: float
    author_association: str = "NONE"


@dataclass
class CheckRun:
    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str
    started_at: str
    completed_at: str
    details_url: str
    external_id: str
    title: str = None
    summary: str = None
    text: str = None
    annotations: list = field(default_factory=list)


def _load_token(entry, where):
    if isinstance(entry, str):
        entry = {"value": entry}
    if not isinstance(entry, dict) or not entry.get("value"):
        raise WorldError(f"{where}: expected a token string or an object with a non-empty value")
    permissions = entry.get("permissions")
    if permissions is None:
        permissions = {scope: "write" for scope in TOKEN_SCOPES}
    for scope, level in permissions.items():
        if level not in PERMISSION_LEVELS:
            raise WorldError(f"{where}.permissions.{scope}: invalid level {level!r}; expected read, write or none")
    user = dict(entry.get("user") or GITHUB_ACTIONS_BOT)
    if not user.get("login"):
        raise WorldError(f"{where}.user: missing login")
    return Token(value=str(entry["value"]), permissions=dict(permissions), user=user_object(user))


class GitHubStore:
    """Tokens, pull requests, comments and check runs of the case's one repository."""

    def __init__(self, config, path="github.json"):
        self.lock = threading.Lock()
        repository = config.get("repository")
        if not isinstance(repository, str) or repository.count("/") != 1:
            raise WorldError(f"{path}: repository must be 'owner/name', got {repository!r}")
        self.repository = repository
        self.repository_id = int(config.get("repository_id") or stable_number("repository:" + repository.lower()))
        self.token = _load_token(config["token"], f"{path}: token") if config.get("token") else None
        self.tokens = [self.token] if self.token else []
        for index, entry in enumerate(config.get("other_tokens") or []):
            self.tokens.append(_load_token(entry, f"{path}: other_tokens[{index}]"))
        commits = config.get("commits")
        self.commits = None if commits is None else {str(sha).lower() for sha in commits}
        self.pull_requests = {}
        self.comments = []
        self.check_runs = {}
        self._load_pull_requests(config.get("pull_requests") or {}, path)
        listed_ids = [comment.id for comment in self.comments]
        self._next_id = max(listed_ids + [2000]) + 1

    def _load_pull_requests(self, pull_requests, path):
        position = 0
        for number_text, pull_request in pull_requests.items():
            if not str(number_text).isdigit():
                raise WorldError(f"{path}: pull_requests key {number_text!r} is not a PR number")
            number = int(number_text)
            self.pull_requests[number] = True
            for index, entry in enumerate((pull_request or {}).get("comments") or []):
                position += 1
                where = f"{path}: pull_requests.{number_text}.comments[{index}]"
                if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
                    raise WorldError(f"{where}: missing body")
                created = _epoch(entry.get("created_at"), FIRST_COMMENT_TIME + 60 * position, where)
                self.comments.append(Comment(
                    id=int(entry.get("id") or 1000 + position),
                    issue_number=number,
                    body=entry["body"],
                    user=user_object(dict(entry.get("user") or GITHUB_ACTIONS_BOT)),
                    created_at=created,
                    updated_at=_epoch(entry.get("updated_at"), created, where),
                    author_association=entry.get("author_association", "NONE"),
                ))
        ids = [comment.id for comment in self.comments]
        if len(ids) != len(set(ids)):
            raise WorldError(f"{path}: two comments have the same id")

    def new_id(self):
        with self.lock:
            value = self._next_id
            self._next_id += 1
            return value

    def find_token(self, value):
        for token in self.tokens:
            if token.value == value:
                return token
        return None

    def count_request(self, token, now=None):
        """Count one request against the token's hourly limit; return (limit, remaining, used, reset)."""
        now = now or time.time()
        with self.lock:
            if now - token.window_start >= 3600:
                token.window_start = now
                token.used = 0
            token.used += 1
            remaining = max(RATE_LIMIT_PER_HOUR - token.used, 0)
            return RATE_LIMIT_PER_HOUR, remaining, token.used, int(token.window_start + 3600)

    def comments_on(self, number):
        with self.lock:
            return [comment for comment in self.comments if comment.issue_number == number]

    def comment_by_id(self, comment_id):
        with self.lock:
            return next((comment for comment in self.comments if comment.id == comment_id), None)

    def add_comment(self, comment):
        with self.lock:
            self.comments.append(comment)

    def delete_comment(self, comment_id):
        with self.lock:
            self.comments = [comment for comment in self.comments if comment.id != comment_id]

    def add_check_run(self, check_run):
        with self.lock:
            self.check_runs[check_run.id] = check_run


def _epoch(value, default, where):
    if value is None:
        return default
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise WorldError(f"{where}: invalid timestamp {value!r}: {error}") from error


def load_github_store(cloud_dir):
    """Return a GitHubStore for cloud_dir/github.json, or None when the file is absent."""
    path = cloud_dir / "github.json"
    if not path.exists():
        return None
    config = _read_json(path)
    if not isinstance(config, dict):
        raise WorldError(f"{path}: expected a JSON object")
    return GitHubStore(config, path)
