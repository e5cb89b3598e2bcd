"""Azure under /_azure/<service>/: Entra ID token exchange, Key Vault GetSecret, ARM credential list.

Wire shapes, status codes and error texts follow Azure's; README.md ("Azure")
lists them and marks the texts that are not confirmed.
"""

import datetime
import json
import logging
import re
import time
import urllib.parse
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from aws_protocol import Response
from azure_world import ip_rule_matches, scope_covers
from github_oidc import TokenError

log = logging.getLogger("emulator.azure")

PREFIX = "/_azure/"
SERVICES = ("login", "keyvault", "management")
FAULT_SERVICES = {"login": "azure-login", "keyvault": "azure-keyvault", "management": "azure-management"}
FAULT_OPERATIONS = {"login": "token", "keyvault": "getSecret", "management": "listFederatedIdentityCredentials"}
TOKEN_LIFETIME_SECONDS = 3599
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
KEYVAULT_RESOURCE = "https://vault.azure.net"
MANAGEMENT_RESOURCE = "https://management.azure.com/"
# Scope resource (without "/.default") -> the access token's aud.
RESOURCES = {
    "https://vault.azure.net": KEYVAULT_RESOURCE,
    "https://management.azure.com": MANAGEMENT_RESOURCE,
    "https://management.core.windows.net": MANAGEMENT_RESOURCE,
}
MANAGEMENT_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
# 2025-07-01 is the default of @azure/keyvault-secrets 4.11.2.
KEYVAULT_API_VERSIONS = ("7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2016-10-01", "2025-07-01")
GET_SECRET_ACTION = "Microsoft.KeyVault/vaults/secrets/getSecret/action"
FIC_READ_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read"
FIC_PATH = re.compile(
    r"^subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ManagedIdentity/"
    r"userAssignedIdentities/(?P<name>[^/]+)/federatedIdentityCredentials/?$",
    re.IGNORECASE,
)
TOKEN_PATH = re.compile(r"^(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
DISCOVERY_PATH = re.compile(r"^(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$")
SECRET_PATH = re.compile(r"^(?P<vault>[^/]+)/secrets/(?P<name>[^/]+)(?:/(?P<version>[^/]*))?$")
AADSTS_ERROR_URI = "https://login.microsoftonline.com/error?code="


def split_path(path):
    """Split /_azure/<service>/<rest> into (service, rest); service is None when unknown."""
    service, _, rest = path[len(PREFIX):].partition("/")
    return (service, rest) if service in SERVICES else (None, rest)


def redact_client_assertion(body):
    """Replace the client_assertion value of a form body, because it is a GitHub OIDC token."""
    return re.sub(r"(^|&)client_assertion=[^&]*", r"\1client_assertion=<redacted>", body)


def _json(status, payload, headers=None):
    return Response(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers or [])


def _query(http_request):
    # Some SDKs percent-encode the hyphen in api-version.
    return urllib.parse.parse_qs(http_request.query.replace("api%2Dversion", "api-version").replace("api%2dversion", "api-version"))


class AadError(Exception):
    """An Entra ID OAuth error: AADSTS code, `error` value and description."""

    def __init__(self, status, error, code, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.code = code
        self.description = description


class AzureError(Exception):
    """A Key Vault or ARM error: `{"error": {"code", "message", "innererror"?}}`."""

    def __init__(self, status, code, message, inner=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = headers or []


def aad_error_response(error):
    now = datetime.datetime.now(datetime.timezone.utc)
    timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    correlation_id = str(uuid.uuid4())
    description = (
        f"AADSTS{error.code}: {error.description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"
    )
    body = {
        "error": error.error,
        "error_description": description,
        "error_codes": [error.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{AADSTS_ERROR_URI}{error.code}",
    }
    return _json(error.status, body)


def azure_error_response(error, extra_headers=()):
    body = {"code": error.code, "message": error.message}
    if error.inner:
        body["innererror"] = {"code": error.inner}
    return _json(error.status, {"error": body}, list(error.headers) + list(extra_headers))


def fault_response(service, plan):
    """Render an injected throttle or status the way each Azure service sends it."""
    if plan.clock_skew:
        # Entra ID compares the client assertion's nbf and exp with its own
        # clock, so a runner clock far off gets the time-range error.
        now = time.time()
        return aad_error_response(AadError(
            401, "invalid_client", 700024,
            f"Client assertion is not within its valid time range. Current time: {_iso(now)}, assertion valid "
            f"from {_iso(now + 3600)}, expiry time of assertion {_iso(now + 3900)}. "
            "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."))
    status = 429 if plan.throttle else plan.status
    headers = []
    if plan.throttle or (status == 429 and plan.retry_after is not None):
        headers.append(("Retry-After", str(plan.retry_after if plan.retry_after is not None else 1)))
    if service == "login":
        if status == 429:
            error = AadError(429, "temporarily_unavailable", 90055,
                             "The request has been throttled by the service. Retry after the time in the Retry-After header.")
        else:
            error = AadError(status, "server_error", 90033, "A transient error has occurred. Please try again.")
        response = aad_error_response(error)
        response.headers.extend(headers)
        return response
    if status == 429:
        code = "Throttled" if service == "keyvault" else "TooManyRequests"
        message = "Request was not processed because too many requests were received. Retry after the time in the Retry-After header."
    else:
        code, message = "InternalServerError", "An internal server error occurred. Please try again."
    return azure_error_response(AzureError(status, code, message, headers=headers))


class AzureApi:
    """Handlers for the three Azure services; access tokens are JWTs signed by a per-run key."""

    def __init__(self, world, github_issuer):
        self.world = world
        self.github_issuer = github_issuer
        self.base_url = None  # set by serve.py once the port is known
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def handle(self, http_request, service, rest, request_id):
        try:
            if service == "login":
                return self._token(http_request, rest)
            if service == "keyvault":
                return self._get_secret(http_request, rest, request_id)
            return self._list_credentials(http_request, rest)
        except AadError as error:
            log.info("azure-login %s -> %s AADSTS%s", rest, error.status, error.code)
            return aad_error_response(error)
        except AzureError as error:
            log.info("azure-%s %s -> %s %s/%s", service, rest, error.status, error.code, error.inner)
            headers = self._keyvault_headers(request_id) if service == "keyvault" else [("x-ms-request-id", request_id)]
            return azure_error_response(error, headers)

    # Entra ID token endpoint

    def _token(self, http_request, rest):
        discovery = DISCOVERY_PATH.match(rest)
        if http_request.method == "GET" and discovery:
            return self._openid_configuration(urllib.parse.unquote(discovery["tenant"]))
        match = TOKEN_PATH.match(rest)
        if http_request.method != "POST" or not match:
            raise AadError(404, "invalid_request", 900561, "The endpoint only accepts POST requests to <tenant>/oauth2/v2.0/token.")
        tenant = urllib.parse.unquote(match["tenant"])

        form = {k: v[0] for k, v in urllib.parse.parse_qs(http_request.body.decode("utf-8", "replace")).items()}
        if not self.world.tenant_exists(tenant):
            raise AadError(
                400, "invalid_request", 90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
                "the correct cloud. Check with your subscription administrator, this may happen if there are no "
                "active subscriptions for the tenant.",
            )
        grant_type = form.get("grant_type", "")
        if grant_type != "client_credentials":
            raise AadError(400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'.")
        assertion = form.get("client_assertion")
        if not assertion or form.get("client_assertion_type") != ASSERTION_TYPE:
            raise AadError(401, "invalid_client", 7000218,
                           "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")

        client_id = form.get("client_id", "")
        identity = self.world.identity_by_client_id(tenant, client_id)
        if identity is None:
            raise AadError(
                400, "unauthorized_client", 700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen "
                "if the application has not been installed by the administrator of the tenant or consented to by any "
                "user in the tenant. You may have sent your authentication request to the wrong tenant.",
            )
        audience = self._scope_audience(form.get("scope", ""), tenant)
        claims = self._verify_assertion(assertion)
        self._match_federated_credential(identity, claims)

        token = self._issue_token(identity, audience)
        log.info("azure-login issued a token for %s (%s), aud %s", identity.name, identity.client_id, audience)
        return _json(200, {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS,
                           "ext_expires_in": TOKEN_LIFETIME_SECONDS, "access_token": token})

    def _openid_configuration(self, tenant):
        """Return the tenant's discovery document, which MSAL fetches before its first token request."""
        if not self.world.tenant_exists(tenant):
            raise AadError(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
        identity = next(i for i in self.world.identities if i.in_tenant(tenant))
        authority = f"{self.base_url}{PREFIX}login/{tenant}"
        return _json(200, {
            "token_endpoint": f"{authority}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{self.base_url}{PREFIX}login/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"https://login.microsoftonline.com/{identity.tenant_id}/v2.0",
            "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize",
            "end_session_endpoint": f"{authority}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        })

    @staticmethod
    def _scope_audience(scope, tenant):
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise AadError(
                400, "invalid_scope", 1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
                "with /.default suffixed to the resource identifier (application ID URI).",
            )
        resource = scopes[0][: -len("/.default")].rstrip("/")
        if resource not in RESOURCES:
            raise AadError(
                400, "invalid_resource", 500011,
                f"The resource principal named {resource} was not found in the tenant named {tenant}. This can happen "
                "if the application has not been installed by the administrator of the tenant or consented to by any "
                "user in the tenant. You might have sent your authentication request to the wrong tenant.",
            )
        return RESOURCES[resource]

    def _verify_assertion(self, assertion):
        now = time.time()
        try:
            return self.github_issuer.verify(assertion, now=now)
        except TokenError as error:
            if error.reason == "malformed":
                raise AadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from error
            if error.reason in ("expired", "not-yet-valid"):
                claims = jwt.decode(assertion, options={"verify_signature": False})
                raise AadError(
                    401, "invalid_client", 700024,
                    f"Client assertion is not within its valid time range. Current time: {_iso(now)}, assertion valid "
                    f"from {_iso(claims.get('nbf', claims.get('iat', 0)))}, expiry time of assertion {_iso(claims.get('exp', 0))}. "
                    "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                ) from error
            raise AadError(401, "invalid_client", 700027, "Client assertion failed signature validation.") from error

    @staticmethod
    def _match_federated_credential(identity, claims):
        issuer = str(claims.get("iss", ""))
        subject = str(claims.get("sub", ""))
        audiences = claims.get("aud", [])
        audiences = [audiences] if isinstance(audiences, str) else list(audiences)
        # Entra compares issuer, subject and audience as exact, case-sensitive strings.
        by_issuer = [fic for fic in identity.federated_credentials if fic.issuer == issuer]
        if not by_issuer:
            raise AadError(
                401, "invalid_client", 700211,
                f"No matching federated identity record found for presented assertion issuer '{issuer}'. Please note "
                "that the matching is done using a case-sensitive comparison. Check your federated identity "
                "credential Subject, Audience and Issuer against the presented assertion. "
                "https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
            )
        by_subject = [fic for fic in by_issuer if fic.subject == subject]
        if not by_subject:
            if any(fic.subject.lower() == subject.lower() for fic in by_issuer):
                raise AadError(
                    401, "invalid_client", 7002138,
                    f"No matching federated identity record found for presented assertion subject '{subject}'. "
                    "The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
                )
            raise AadError(
                401, "invalid_client", 700213,
                f"No matching federated identity record found for presented assertion subject '{subject}'. Check "
                "your federated identity credential Subject, Audience and Issuer against the presented assertion. "
                "https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
            )
        if not any(audience in fic.audiences for fic in by_subject for audience in audiences):
            # NOTE: Azure's code for an audience-only mismatch is unconfirmed, so this uses 70021's generic text.
            raise AadError(
                400, "invalid_request", 70021,
                "No matching federated identity record found for presented assertion. "
                f"Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{','.join(audiences)}'.",
            )

    def _issue_token(self, identity, audience):
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{identity.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "appid": identity.client_id,
            "appidacr": "2",
            "idtyp": "app",
            "oid": identity.principal_id,
            "sub": identity.principal_id,
            "tid": identity.tenant_id,
            "ver": "1.0",
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"typ": "JWT"})

    def _bearer_claims(self, http_request):
        """Return the claims of the request's access token, None without one; raises jwt errors when invalid."""
        header = next((value for name, value in http_request.headers if name.lower() == "authorization"), "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return jwt.decode(token.strip(), self.key.public_key(), algorithms=["RS256"], options={"verify_aud": False})

    # Key Vault

    def _keyvault_headers(self, request_id, identity=None, vault=None):
        address = identity.public_ip if identity else "127.0.0.1"
        return [
            ("x-ms-request-id", request_id),
            ("x-ms-keyvault-region", vault.location if vault else "eastus"),
            ("x-ms-keyvault-service-version", "1.9.1337.1"),
            ("x-ms-keyvault-network-info", f"conn_type=Ipv4;addr={address};act_addr_fam=InterNetwork;"),
        ]

    def _get_secret(self, http_request, rest, request_id):
        match = SECRET_PATH.match(rest)
        if http_request.method != "GET" or not match:
            raise AzureError(404, "NotFound", f"No route for {http_request.method} /{rest} in the emulator's Key Vault.")
        api_version = _query(http_request).get("api-version", [""])[0]
        if api_version not in KEYVAULT_API_VERSIONS:
            raise AzureError(400, "BadParameter",
                             f"The specified version ({api_version}) is not recognized. Consider using the latest supported version (7.6).")
        vault = self.world.vaults.get(match["vault"].lower())
        if vault is None:
            raise AzureError(404, "VaultNotFound",
                             f"No vault named {match['vault']} in key-vaults.json (Azure would fail the DNS lookup of {match['vault']}.vault.azure.net).")

        challenge = [(
            "WWW-Authenticate",
            f'Bearer authorization="https://login.microsoftonline.com/{vault.tenant_id}", resource="{KEYVAULT_RESOURCE}"',
        )]
        try:
            claims = self._bearer_claims(http_request)
        except jwt.InvalidTokenError as error:
            log.info("azure-keyvault rejected a token: %s", error)
            raise AzureError(401, "Unauthorized", "AKV10013: Invalid token.", headers=challenge) from error
        if claims is None:
            raise AzureError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", headers=challenge)
        if claims.get("aud") != KEYVAULT_RESOURCE:
            raise AzureError(401, "Unauthorized", f"AKV10022: Invalid audience. Expected {KEYVAULT_RESOURCE}, found: {claims.get('aud')}.",
                             headers=challenge)
        expected_issuer = f"https://sts.windows.net/{vault.tenant_id}/"
        if claims.get("iss", "").lower() != expected_issuer.lower():
            raise AzureError(401, "Unauthorized", f"AKV10032: Invalid issuer. Expected one of {expected_issuer}, found {claims.get('iss')}.",
                             headers=challenge)

        identity = self.world.identity_by_principal(claims["oid"])
        caller = f"appid={claims['appid']};oid={claims['oid']};iss={claims['iss']}"
        headers = self._keyvault_headers(request_id, identity, vault)

        try:
            self._check_network(vault, identity, caller)
            self._check_access(vault, claims, caller, match["name"])
            secret = vault.secrets.get(match["name"].lower())
            version = secret.find_version(match["version"]) if secret else None
            if version is None:
                requested_id = match["name"] + (f"/{match['version']}" if match["version"] else "")
                raise AzureError(
                    404, "SecretNotFound",
                    f"A secret with (name/id) {requested_id} was not found in this key vault. If you recently deleted this "
                    "secret you may be able to recover it using the correct recovery command. For help resolving this "
                    "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
                )
            if not version.enabled:
                raise AzureError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", inner="SecretDisabled")
        except AzureError as error:
            error.headers.extend(headers)
            log.info("azure-keyvault getSecret %s/%s by %s -> %s %s/%s", vault.name, match["name"], claims["oid"],
                     error.status, error.code, error.inner)
            return azure_error_response(error)
        log.info("azure-keyvault getSecret %s/%s version %s by %s -> 200", vault.name, secret.name, version.version, claims["oid"])
        return _json(200, self._secret_bundle(vault, secret, version), headers)

    @staticmethod
    def _secret_bundle(vault, secret, version):
        attributes = {"enabled": version.enabled, "created": version.created, "updated": version.updated,
                      "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
        if version.nbf is not None:
            attributes["nbf"] = int(version.nbf)
        if version.exp is not None:
            attributes["exp"] = int(version.exp)
        bundle = {"value": version.value,
                  "id": f"https://{vault.name}.vault.azure.net/secrets/{secret.name}/{version.version}",
                  "attributes": attributes, "tags": secret.tags}
        if version.content_type is not None:
            bundle["contentType"] = version.content_type
        return bundle

    @staticmethod
    def _check_network(vault, identity, caller):
        private = identity is not None and identity.private_endpoint
        where = f"Vault: {vault.name};location={vault.location}"
        if vault.public_network_access.lower() == "disabled" and not private:
            # NOTE: the inner code ForbiddenByConnection and this text are unconfirmed.
            raise AzureError(
                403, "Forbidden",
                "Public network access is disabled and request is not from a trusted service nor via an approved "
                f"private link.\r\nCaller: {caller}\r\n{where}",
                inner="ForbiddenByConnection",
            )
        acls = vault.network_acls
        if str(acls.get("defaultAction", "Allow")).lower() != "deny" or private:
            return
        address = identity.public_ip if identity else "203.0.113.10"
        subnet = identity.subnet_id.lower() if identity else ""
        if any(ip_rule_matches(rule.get("value", ""), address) for rule in acls.get("ipRules") or []):
            return
        if subnet and any(str(rule.get("id", "")).lower() == subnet for rule in acls.get("virtualNetworkRules") or []):
            return
        raise AzureError(
            403, "Forbidden",
            f"Client address is not authorized and caller is not a trusted service.\r\nClient address: {address}\r\n"
            f"Caller: {caller}\r\n{where}",
            inner="ForbiddenByFirewall",
        )

    def _check_access(self, vault, claims, caller, secret_name):
        principal = claims["oid"].lower()
        where = f"{vault.name};location={vault.location}"
        if vault.rbac:
            resource_id = vault.secret_resource_id(secret_name)
            assignments = vault.role_assignments + self.world.role_assignments
            if any(a.principal_id == principal and a.grants_secret_read() and scope_covers(a.scope, resource_id) for a in assignments):
                return
            resource = _lowercase_provider_path(resource_id)
            raise AzureError(
                403, "Forbidden",
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or "
                "role definitions were changed recently, please observe propagation time.\r\n"
                f"Caller: {caller}\r\nAction: '{GET_SECRET_ACTION}'\r\nResource: '{resource}'\r\n"
                "Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\n"
                f"Vault: {where}\r\n",
                inner="ForbiddenByRbac",
            )
        tenant = claims["tid"].lower()
        compound_only = False
        for policy in vault.access_policies:
            if str(policy.get("objectId", "")).lower() != principal:
                continue
            if policy.get("tenantId") and str(policy["tenantId"]).lower() != tenant:
                continue
            permissions = [str(p).lower() for p in (policy.get("permissions") or {}).get("secrets") or []]
            if "get" not in permissions and "all" not in permissions:
                continue
            if policy.get("applicationId"):
                compound_only = True
                continue
            return
        if compound_only:
            raise AzureError(
                403, "Forbidden",
                f"The policy requires the caller '{caller}' to use on-behalf-of (OBO) flow. For more information on "
                "OBO, please see https://go.microsoft.com/fwlink/?linkid=2152310",
                inner="ForbiddenByPolicy",
            )
        raise AzureError(
            403, "Forbidden",
            f"The user, group or application '{caller}' does not have secrets get permission on key vault '{where}'. "
            "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
            inner="AccessDenied",
        )

    # ARM

    def _list_credentials(self, http_request, rest):
        match = FIC_PATH.match(rest)
        if http_request.method != "GET" or not match:
            raise AzureError(404, "NotFound", f"No route for {http_request.method} /{rest} in the emulator's ARM.")
        try:
            claims = self._bearer_claims(http_request)
        except jwt.InvalidTokenError as error:
            log.info("azure-management rejected a token: %s", error)
            raise AzureError(401, "InvalidAuthenticationToken", "The access token is invalid.") from error
        if claims is None:
            raise AzureError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")

        if claims.get("aud") not in MANAGEMENT_AUDIENCES:
            allowed = ",".join(f"'{a}'" for a in MANAGEMENT_AUDIENCES)
            raise AzureError(
                401, "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource '{claims.get('aud')}'. It should "
                f"exactly match with one of the allowed audiences {allowed}.",
            )
        if not _query(http_request).get("api-version"):
            raise AzureError(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")

        identity_id = "/" + rest.rstrip("/").rsplit("/", 1)[0]
        principal = claims["oid"].lower()
        if not any(a.principal_id == principal and a.grants_credential_read() and scope_covers(a.scope, identity_id)
                   for a in self.world.role_assignments):
            raise AzureError(
                403, "AuthorizationFailed",
                f"The client '{claims['oid']}' with object id '{claims['oid']}' does not have authorization to perform "
                f"action '{FIC_READ_ACTION}' over scope '{identity_id}/federatedIdentityCredentials' or the scope is "
                "invalid. If access was recently granted, please refresh your credentials.",
            )
        identity = self.world.identity_by_resource_id(identity_id)
        if identity is None:
            raise AzureError(
                404, "ResourceNotFound",
                f"The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/{match['name']}' under resource group "
                f"'{match['rg']}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            )
        value = [
            {
                "id": f"{identity.resource_id}/federatedIdentityCredentials/{fic.name}",
                "name": fic.name,
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                "properties": {"issuer": fic.issuer, "subject": fic.subject, "audiences": list(fic.audiences)},
            }
            for fic in identity.federated_credentials
        ]
        log.info("azure-management listed %d federated credentials of %s for %s", len(value), identity.name, claims["oid"])
        return _json(200, {"value": value})


def _iso(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


def _lowercase_provider_path(resource_id):
    """Write a resource id the way the ForbiddenByRbac message does: fixed segments lowercased, names kept."""
    fixed = ("subscriptions", "resourcegroups", "providers", "microsoft.keyvault", "vaults", "secrets")
    return "/".join(part.lower() if part.lower() in fixed else part for part in resource_id.split("/"))
