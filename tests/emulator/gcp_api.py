"""Google Cloud APIs under /_gcp/<api>/: STS, IAM Credentials, IAM, Secret Manager, Policy Troubleshooter.

Paths after the prefix, JSON shapes, status codes and error texts follow
Google's; README.md ("Google Cloud") lists them.
"""

import base64
import datetime
import json
import logging
import re
import secrets
import threading
import time
import urllib.parse

import gcp_cel
import gcp_iam
from aws_protocol import Response
from github_oidc import TokenError

log = logging.getLogger("emulator.gcp")

PREFIX = "/_gcp/"
APIS = ("sts", "iamcredentials", "iam", "secretmanager", "policytroubleshooter")
TOKEN_LIFETIME_SECONDS = 3600
MAX_SUBJECT_BYTES = 127
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
SUBJECT_TOKEN_TYPES = ("urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token")
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
AUDIENCE = re.compile(r"^//iam\.googleapis\.com/(projects/\d+/locations/global/workloadIdentityPools/[^/]+/providers/[^/]+)$")
CANONICAL_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_CREDENTIAL_HINT = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
MISSING_CREDENTIALS = "Request is missing required authentication credential. " + _CREDENTIAL_HINT
INVALID_CREDENTIALS = "Request had invalid authentication credentials. " + _CREDENTIAL_HINT
INVALID_AUDIENCE = (
    'Invalid value for "audience". This value should be the full resource name of the Identity Provider. '
    "See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats."
)
INVALID_TARGET = (
    'The target service indicated by the "audience" parameters is invalid. This might either be because the pool '
    "or provider is disabled or deleted or because it doesn't exist."
)
_SNAKE_FIELDS = {
    "grantType": "grant_type",
    "requestedTokenType": "requested_token_type",
    "subjectToken": "subject_token",
    "subjectTokenType": "subject_token_type",
}
# Fault-rule service names, keyed by the API prefix.
FAULT_SERVICES = {api: f"gcp-{api}" for api in APIS}

_SA_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/serviceAccounts/(?P<email>[^/:]+):(?P<method>[A-Za-z]+)$")
_SECRET_PATH = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/:]+)"
    r"(?:/versions/(?P<version>[^/:]+))?(?::(?P<method>access|getIamPolicy|testIamPermissions))?$"
)
_RESOURCE_NAME = re.compile(
    r"^//(?P<service>secretmanager|iam|cloudresourcemanager)\.googleapis\.com/projects/(?P<project>[^/]+)"
    r"(?:/(?P<kind>secrets|serviceAccounts)/(?P<id>[^/]+))?$"
)


class GcpError(Exception):
    """A google.rpc.Status error response."""

    def __init__(self, status, message, details=None, headers=None, canonical=None):
        super().__init__(message)
        self.status = status
        self.canonical = canonical or CANONICAL_CODES.get(status, "UNKNOWN")
        self.message = message
        self.details = details
        self.headers = headers or []


class StsError(Exception):
    """An OAuth-shaped STS error: `{"error", "error_description"}`."""

    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def json_response(status, payload, headers=None):
    return Response(status, json.dumps(payload).encode(), "application/json; charset=UTF-8", headers or [])


def status_response(error):
    body = {"code": error.status, "message": error.message, "status": error.canonical}
    if error.details:
        body["details"] = error.details
    return json_response(error.status, {"error": body}, list(error.headers))


def iam_denied_details(permission, domain, resource=None):
    metadata = {"permission": permission}
    if resource:
        metadata["resource"] = resource
    return [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED", "domain": domain, "metadata": metadata}]


def fault_response(api, plan):
    """Render an injected throttle or status for one API."""
    retry_after = plan.retry_after if plan.retry_after is not None else 1
    if plan.clock_skew:
        # A runner clock far off makes the GitHub token look issued in the
        # future or long expired. NOTE: the text is a guess; Google's exact
        # invalid_grant wording for this case is not confirmed.
        body = {"error": "invalid_grant", "error_description": "ID Token issued at a time in the future or past its expiry; check the issuer's clock."}
        return json_response(400, body)
    if api == "sts":
        if plan.throttle:
            body = {"error": "temporarily_unavailable", "error_description": "Quota exceeded."}
            return json_response(429, body, [("Retry-After", str(retry_after))])
        headers = [("Retry-After", str(retry_after))] if plan.status == 429 else []
        return json_response(plan.status, {"error": "server_error", "error_description": "Internal error encountered."}, headers)
    if plan.throttle or plan.status == 429:
        return status_response(GcpError(429, "Quota exceeded.", headers=[("Retry-After", str(retry_after))]))
    return status_response(GcpError(plan.status, "Internal error encountered."))


def redact_subject_token(body):
    """Return an STS request body for the request log, with the GitHub JWT replaced."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return json.dumps({key: "<redacted>" if key in ("subjectToken", "subject_token") else value for key, value in parsed.items()})
    pairs = urllib.parse.parse_qsl(body, keep_blank_values=True)
    return urllib.parse.urlencode([(key, "<redacted>" if key == "subject_token" else value) for key, value in pairs])


def crc32c(data):
    """Return the CRC32C (Castagnoli) checksum that Secret Manager sends as `dataCrc32c`."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def rfc3339(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_path(path):
    """Return (api, rest of the path) for a path under /_gcp/, or (None, None)."""
    if not path.startswith(PREFIX):
        return None, None
    api, _, rest = path[len(PREFIX):].partition("/")
    if api not in APIS:
        return None, None
    return api, "/" + rest


def operation_for(api, method, rest):
    """Return the fault-rule operation name of a request."""
    if api == "sts":
        return "token"
    if api == "policytroubleshooter":
        return "troubleshoot"
    match = _SA_PATH.match(rest)
    if match:
        return match["method"]
    match = _SECRET_PATH.match(rest)
    if match:
        if match["method"]:
            return match["method"]
        return "getVersion" if match["version"] else "get"
    return "unknown"


class GcpApi:
    """The Google Cloud endpoints for one case, with the tokens they issued."""

    def __init__(self, gcp_world, issuer):
        self.world = gcp_world
        self.issuer = issuer
        self._tokens = {}
        self._lock = threading.Lock()

    # tokens

    def _issue_token(self, prefix, caller):
        token = prefix + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = caller
        return token

    def _authenticate(self, http_request):
        header = next((value for name, value in http_request.headers if name.lower() == "authorization"), None)
        if not header:
            raise GcpError(401, MISSING_CREDENTIALS, headers=[("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')])
        scheme, _, token = header.partition(" ")
        with self._lock:
            caller = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if caller is None or caller.expires_at <= time.time():
            raise GcpError(401, INVALID_CREDENTIALS, headers=[("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"')])
        return caller

    # dispatch

    def handle(self, http_request, api, rest, request_id):
        try:
            if api == "sts":
                return self._sts(http_request, rest)
            caller = self._authenticate(http_request)
            if api == "iamcredentials":
                response = self._iamcredentials(http_request, rest, caller)
            elif api == "iam":
                response = self._iam(http_request, rest, caller)
            elif api == "secretmanager":
                response = self._secretmanager(http_request, rest, caller)
            else:
                response = self._troubleshooter(http_request, rest, caller)
            log.info("gcp %s %s %s -> %s as %s (request %s)", api, http_request.method, rest, response.status, caller.principal, request_id)
            return response
        except StsError as error:
            log.info("gcp sts %s -> %s %s: %s (request %s)", rest, error.status, error.error, error.description, request_id)
            return json_response(error.status, {"error": error.error, "error_description": error.description})
        except GcpError as error:
            log.info("gcp %s %s %s -> %s %s (request %s)", api, http_request.method, rest, error.status, error.message, request_id)
            return status_response(error)

    @staticmethod
    def _json_body(http_request):
        if not http_request.body:
            return {}
        try:
            body = json.loads(http_request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise GcpError(400, f"Invalid JSON payload received. {error}") from error
        if not isinstance(body, dict):
            raise GcpError(400, "Invalid JSON payload received. Expected an object.")
        return body

    @staticmethod
    def _not_found_route(http_request, rest):
        return GcpError(404, f"Method not found: {http_request.method} {rest}")

    # STS

    @staticmethod
    def _sts_params(http_request):
        content_type = next((value for name, value in http_request.headers if name.lower() == "content-type"), "")
        if "json" in content_type.lower():
            try:
                body = json.loads(http_request.body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise StsError("invalid_request", "Invalid JSON payload.") from error
            return {_SNAKE_FIELDS.get(key, key): value for key, value in body.items()}
        parsed = urllib.parse.parse_qs(http_request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def _sts(self, http_request, rest):
        if rest != "/v1/token" or http_request.method != "POST":
            raise GcpError(404, f"Method not found: {http_request.method} {rest}")
        params = self._sts_params(http_request)
        if params.get("grant_type") != GRANT_TYPE:
            raise StsError("invalid_request", f'Invalid value for "grant_type". Expected "{GRANT_TYPE}".')
        match = AUDIENCE.match(params.get("audience") or "")
        if not match:
            raise StsError("invalid_request", INVALID_AUDIENCE)
        provider = self.world.provider(match.group(1))
        if provider is None or provider.disabled:
            raise StsError("invalid_target", INVALID_TARGET)
        if params.get("subject_token_type") not in SUBJECT_TOKEN_TYPES:
            raise StsError("invalid_request", f'Invalid value for "subject_token_type". Expected one of {", ".join(SUBJECT_TOKEN_TYPES)}.')
        if params.get("requested_token_type") != ACCESS_TOKEN_TYPE:
            raise StsError("invalid_request", f'Invalid value for "requested_token_type". Expected "{ACCESS_TOKEN_TYPE}".')
        claims = self._verify_subject_token(params.get("subject_token") or "", provider)
        subject, attributes = self._map_attributes(provider, claims)
        members = gcp_iam.federated_members(provider.pool_name, subject, attributes)
        caller = gcp_iam.Caller("federated", members[0], set(members), time.time() + TOKEN_LIFETIME_SECONDS)
        token = self._issue_token("ya29.d.", caller)
        log.info("gcp sts: exchanged a token from %s for %s", provider.name, caller.principal)
        return json_response(
            200,
            {"access_token": token, "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS - 1},
        )

    def _verify_subject_token(self, token, provider):
        # NOTE: Google's invalid_grant texts for bad tokens are not confirmed; these are close guesses.
        try:
            claims = self.issuer.verify(token)
        except TokenError as error:
            if error.reason == "expired":
                raise StsError("invalid_grant", f"ID Token issued at {self._claim_iat(token)} is stale to sign-in.") from error
            raise StsError("invalid_grant", "Invalid ID Token.") from error
        if claims.get("iss") != provider.issuer_uri:
            raise StsError("invalid_grant", f"The issuer in ID Token [{claims.get('iss')}] does not match the expected ones: [{provider.issuer_uri}].")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        allowed = provider.allowed_audiences or [f"//iam.googleapis.com/{provider.name}", f"https://iam.googleapis.com/{provider.name}"]
        if not any(audience in allowed for audience in audiences):
            raise StsError("invalid_grant", f"The audience in ID Token [{', '.join(map(str, audiences))}] does not match the expected audience {allowed[0]}.")
        return claims

    @staticmethod
    def _claim_iat(token):
        try:
            payload = token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("iat")
        except (IndexError, ValueError):
            return None

    @staticmethod
    def _map_attributes(provider, claims):
        roots = {"assertion": claims}
        mapped = {}
        for target, (text, expression) in provider.mapping.items():
            try:
                value = gcp_cel.evaluate(expression, roots)
            except gcp_cel.CelError as error:
                raise StsError("invalid_request", f"Failed to evaluate attribute mapping {target}={text}: {error}") from error
            mapped[target] = None if value is gcp_cel.MISSING else value
        subject = mapped.get("google.subject")
        if not isinstance(subject, str) or not subject:
            raise StsError("invalid_request", "The mapped attribute google.subject must be a non-empty string.")
        if len(subject.encode()) > MAX_SUBJECT_BYTES:
            raise StsError("invalid_request", "The size of mapped attribute exceeds the 127 bytes limit.")
        attributes = {target[len("attribute."):]: value for target, value in mapped.items() if target.startswith("attribute.")}
        google = {target[len("google."):]: value for target, value in mapped.items() if target.startswith("google.")}
        if provider.condition is not None:
            roots = {"assertion": claims, "attribute": attributes, "google": google}
            try:
                passed = gcp_cel.evaluate(provider.condition, roots) is True
            except gcp_cel.CelError:
                passed = False
            if not passed:
                raise StsError("unauthorized_client", "The given credential is rejected by the attribute condition.")
        return subject, attributes

    # IAM Credentials and IAM

    def _iamcredentials(self, http_request, rest, caller):
        match = _SA_PATH.match(rest)
        if not match or match["method"] != "generateAccessToken" or http_request.method != "POST":
            raise self._not_found_route(http_request, rest)
        permission = "iam.serviceAccounts.getAccessToken"
        denied = GcpError(
            403,
            f"Permission '{permission}' denied on resource (or it may not exist).",
            iam_denied_details(permission, "iam.googleapis.com"),
        )
        if match["project"] != "-":
            raise GcpError(400, "The project ID in the resource name must be '-'.")
        body = self._json_body(http_request)
        account = self.world.service_account(urllib.parse.unquote(match["email"]))
        if account is None or account.disabled or not gcp_iam.allowed(self._sa_policies(account), permission, caller.members):
            raise denied
        lifetime = self._lifetime_seconds(body.get("lifetime"))
        if not body.get("scope"):
            raise GcpError(400, "Request contains an invalid argument.")
        expires_at = time.time() + lifetime
        token = self._issue_token(
            "ya29.c.", gcp_iam.Caller("serviceAccount", f"serviceAccount:{account.email}", set(gcp_iam.service_account_members(account.email)), expires_at)
        )
        return json_response(200, {"accessToken": token, "expireTime": rfc3339(expires_at)})

    @staticmethod
    def _lifetime_seconds(value):
        if value is None:
            return TOKEN_LIFETIME_SECONDS
        match = re.fullmatch(r"(\d+)(?:\.\d+)?s", str(value))
        if not match:
            raise GcpError(400, f"Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), Field 'lifetime', Illegal duration format; duration must end with 's': {value}")
        seconds = int(match.group(1))
        if seconds > TOKEN_LIFETIME_SECONDS:
            raise GcpError(400, "The access token lifetime cannot exceed 3600 seconds.")
        return seconds

    def _sa_policies(self, account):
        return [self.world.project(account.project_id).bindings, account.bindings]

    def _iam(self, http_request, rest, caller):
        match = _SA_PATH.match(rest)
        if not match or match["method"] != "getIamPolicy" or http_request.method != "POST":
            raise self._not_found_route(http_request, rest)
        permission = "iam.serviceAccounts.getIamPolicy"
        account = self.world.service_account(urllib.parse.unquote(match["email"]))
        if account is None or not gcp_iam.allowed(self._sa_policies(account), permission, caller.members):
            raise GcpError(403, f"Permission '{permission}' denied on resource (or it may not exist).", iam_denied_details(permission, "iam.googleapis.com"))
        return json_response(200, policy_json(account.bindings))

    # Secret Manager

    def _secretmanager(self, http_request, rest, caller):
        match = _SECRET_PATH.match(rest)
        if not match:
            raise self._not_found_route(http_request, rest)
        method, version = match["method"], match["version"]
        project = self.world.project(match["project"])
        secret = self.world.secret(project.number, match["secret"]) if project else None
        policies = [project.bindings if project else [], secret.bindings if secret else []]
        sent_name = f"projects/{match['project']}/secrets/{match['secret']}"
        if method == "testIamPermissions" and http_request.method == "POST" and version is None:
            requested = self._json_body(http_request).get("permissions") or []
            granted = [name for name in requested if gcp_iam.allowed(policies, name, caller.members)]
            return json_response(200, {"permissions": granted} if granted else {})
        if method == "access" and version and http_request.method == "GET":
            permission, resource = "secretmanager.versions.access", f"{sent_name}/versions/{version}"
        elif method is None and version and http_request.method == "GET":
            permission, resource = "secretmanager.versions.get", f"{sent_name}/versions/{version}"
        elif method is None and version is None and http_request.method == "GET":
            permission, resource = "secretmanager.secrets.get", sent_name
        elif method == "getIamPolicy" and version is None and http_request.method in ("GET", "POST"):
            permission, resource = "secretmanager.secrets.getIamPolicy", sent_name
        else:
            raise self._not_found_route(http_request, rest)
        if project is None or not gcp_iam.allowed(policies, permission, caller.members):
            raise GcpError(
                403,
                f"Permission '{permission}' denied for resource '{resource}' (or it may not exist).",
                iam_denied_details(permission, "secretmanager.googleapis.com", resource),
            )
        canonical = f"projects/{project.number}/secrets/{match['secret']}"
        if method is None and version is None:
            if secret is None:
                raise GcpError(404, f"Secret [{canonical}] not found.")
            return json_response(200, secret_json(secret))
        if method == "getIamPolicy":
            if secret is None:
                raise GcpError(404, f"Secret [{canonical}] not found.")
            return json_response(200, policy_json(secret.bindings))
        if secret is None or not secret.versions:
            raise GcpError(404, f"Secret [{canonical}] not found or has no versions.")
        number = self._resolve_version(secret, version, canonical)
        entry = secret.versions[number]
        version_name = f"{canonical}/versions/{number}"
        if method is None:
            return json_response(200, version_json(version_name, entry))
        if entry.state != "ENABLED":
            raise GcpError(400, f"Secret Version [{version_name}] is in {entry.state} state.", canonical="FAILED_PRECONDITION")
        payload = {"data": base64.b64encode(entry.data).decode(), "dataCrc32c": str(crc32c(entry.data))}
        return json_response(200, {"name": version_name, "payload": payload})

    @staticmethod
    def _resolve_version(secret, version, canonical):
        if version == "latest":
            return secret.latest_number
        aliases = secret.raw.get("versionAliases") or {}
        if version in aliases:
            number = int(aliases[version])
        elif version.isdigit():
            number = int(version)
        else:
            raise GcpError(404, f"Secret Version [{canonical}/versions/{version}] not found.")
        if number not in secret.versions:
            raise GcpError(404, f"Secret Version [{canonical}/versions/{number}] not found.")
        return number

    # Policy Troubleshooter

    def _troubleshooter(self, http_request, rest, caller):
        if rest not in ("/v1/iam:troubleshoot", "/v3/iam:troubleshoot") or http_request.method != "POST":
            raise self._not_found_route(http_request, rest)
        access_tuple = self._json_body(http_request).get("accessTuple") or {}
        principal = access_tuple.get("principal")
        resource_name = access_tuple.get("fullResourceName")
        permission = access_tuple.get("permission")
        for field_name, value in (("principal", principal), ("fullResourceName", resource_name), ("permission", permission)):
            if not value:
                raise GcpError(400, f"Request contains an invalid argument: accessTuple.{field_name} is required.")
        policies = self._policy_chain(resource_name)
        members = gcp_iam.members_for_principal(principal)
        explained = []
        for depth, (full_name, bindings, read_permission) in enumerate(policies):
            inherited = [chain_bindings for _, chain_bindings, _ in policies[: depth + 1]]
            readable = gcp_iam.allowed(inherited, read_permission, caller.members)
            explained.append(explain_policy(full_name, bindings if readable else None, permission, members))
        if any(policy["access"] == "GRANTED" for policy in explained):
            access = "GRANTED"
        elif any(policy["access"] == "UNKNOWN_INFO_DENIED" for policy in explained):
            access = "UNKNOWN_INFO_DENIED"
        else:
            access = "NOT_GRANTED"
        if rest.startswith("/v1/"):
            return json_response(200, {"access": access, "explainedPolicies": explained})
        return json_response(200, v3_response(access, explained))

    def _policy_chain(self, resource_name):
        """Return [(full resource name, bindings, permission needed to read them)], project first."""
        match = _RESOURCE_NAME.match(resource_name)
        project = self.world.project(match["project"]) if match else None
        if project is None:
            raise GcpError(400, f"Request contains an invalid argument: unsupported or unknown fullResourceName {resource_name!r}.")
        chain = [(f"//cloudresourcemanager.googleapis.com/projects/{project.number}", project.bindings, "resourcemanager.projects.getIamPolicy")]
        if match["kind"] == "secrets" and match["service"] == "secretmanager":
            secret = self.world.secret(project.number, match["id"])
            chain.append((resource_name, secret.bindings if secret else [], "secretmanager.secrets.getIamPolicy"))
        elif match["kind"] == "serviceAccounts" and match["service"] == "iam":
            account = self.world.service_account(match["id"])
            chain.append((resource_name, account.bindings if account else [], "iam.serviceAccounts.getIamPolicy"))
        elif match["kind"] is not None:
            raise GcpError(400, f"Request contains an invalid argument: unsupported fullResourceName {resource_name!r}.")
        return chain


def policy_json(bindings):
    """Render an IAM policy as getIamPolicy returns it; an empty policy has only its etag."""
    if not bindings:
        return {"etag": "ACAB"}
    etag = base64.b64encode(json.dumps(bindings, sort_keys=True).encode()[:8]).decode()
    return {"version": 1, "etag": etag, "bindings": bindings}


def secret_json(secret):
    raw = secret.raw
    body = {"name": secret.name, "replication": raw.get("replication") or {"automatic": {}}, "createTime": raw.get("createTime") or "2024-01-01T00:00:00Z"}
    for key in ("labels", "annotations", "versionAliases"):
        if raw.get(key):
            body[key] = raw[key]
    body["etag"] = '"1"'
    return body


def version_json(name, version):
    body = {"name": name, "createTime": version.create_time or "2024-01-01T00:00:00Z", "state": version.state, "etag": '"1"'}
    if version.state == "DESTROYED":
        body["destroyTime"] = body["createTime"]
    body["replicationStatus"] = {"automatic": {}}
    return body


def explain_policy(full_name, bindings, permission, members):
    """Return a v1 ExplainedPolicy; `bindings` None means the caller may not read the policy."""
    if bindings is None:
        return {"access": "UNKNOWN_INFO_DENIED", "fullResourceName": full_name, "relevance": "NORMAL"}
    explanations = []
    for binding in bindings:
        included = permission in gcp_iam.ROLE_PERMISSIONS.get(binding["role"], ())
        memberships = {}
        for member in binding.get("members", []):
            matched = gcp_iam.member_matches(member, members)
            memberships[member] = {"membership": "MEMBERSHIP_INCLUDED" if matched else "MEMBERSHIP_NOT_INCLUDED", "relevance": "HIGH" if matched else "NORMAL"}
        granted = gcp_iam.binding_grants(binding, permission, members)
        explanation = {
            "access": "GRANTED" if granted else "NOT_GRANTED",
            "role": binding["role"],
            "rolePermission": "ROLE_PERMISSION_INCLUDED" if included else "ROLE_PERMISSION_NOT_INCLUDED",
            "rolePermissionRelevance": "HIGH" if included else "NORMAL",
            "memberships": memberships,
            "relevance": "HIGH" if granted or included else "NORMAL",
        }
        if binding.get("condition"):
            explanation["condition"] = binding["condition"]
        explanations.append(explanation)
    granted = any(explanation["access"] == "GRANTED" for explanation in explanations)
    return {
        "access": "GRANTED" if granted else "NOT_GRANTED",
        "fullResourceName": full_name,
        "policy": policy_json(bindings),
        "bindingExplanations": explanations,
        "relevance": "HIGH" if granted else "NORMAL",
    }


_V3_ACCESS = {"GRANTED": "ALLOW_ACCESS_STATE_GRANTED", "NOT_GRANTED": "ALLOW_ACCESS_STATE_NOT_GRANTED", "UNKNOWN_INFO_DENIED": "ALLOW_ACCESS_STATE_UNKNOWN_INFO"}
_V3_OVERALL = {"GRANTED": "CAN_ACCESS", "NOT_GRANTED": "CANNOT_ACCESS", "UNKNOWN_INFO_DENIED": "UNKNOWN_INFO"}
_V3_MEMBERSHIP = {"MEMBERSHIP_INCLUDED": "MEMBERSHIP_MATCHED", "MEMBERSHIP_NOT_INCLUDED": "MEMBERSHIP_NOT_MATCHED"}


def _v3_relevance(value):
    return f"HEURISTIC_RELEVANCE_{value}"


def v3_response(access, explained):
    """Translate v1 explanations into the v3 TroubleshootIamPolicyResponse names."""
    policies = []
    for policy in explained:
        converted = {"allowAccessState": _V3_ACCESS[policy["access"]], "fullResourceName": policy["fullResourceName"], "relevance": _v3_relevance(policy["relevance"])}
        if "policy" in policy:
            converted["policy"] = policy["policy"]
            converted["bindingExplanations"] = [
                {
                    "allowAccessState": _V3_ACCESS[binding["access"]],
                    "role": binding["role"],
                    "rolePermission": binding["rolePermission"],
                    "rolePermissionRelevance": _v3_relevance(binding["rolePermissionRelevance"]),
                    "memberships": {
                        member: {"membership": _V3_MEMBERSHIP[value["membership"]], "relevance": _v3_relevance(value["relevance"])}
                        for member, value in binding["memberships"].items()
                    },
                    "relevance": _v3_relevance(binding["relevance"]),
                }
                for binding in policy["bindingExplanations"]
            ]
        policies.append(converted)
    return {
        "overallAccessState": _V3_OVERALL[access],
        "allowPolicyExplanation": {"allowAccessState": _V3_ACCESS[access], "explainedPolicies": policies, "relevance": "HEURISTIC_RELEVANCE_HIGH"},
    }
