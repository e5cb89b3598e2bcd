"""AWS STS: AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity (query protocol)."""

import datetime
import json
import re
import time

import jwt

import authorization
import policy
from aws_protocol import STS_NAMESPACE, AwsError, query_response
from github_oidc import TokenError
from world import parse_arn

_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]*")
_NOT_AUTHORIZED_WEB = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
_MAX_SESSION_POLICY_CHARS = 2048
ROLE_CHAINING_LIMIT_SECONDS = 3600


def _validation(message):
    return AwsError("ValidationError", message)


def _required(params, name, field_name):
    value = params.get(name)
    if value is None or value == "":
        raise _validation(f"1 validation error detected: Value null at '{field_name}' failed to satisfy constraint: Member must not be null")
    return value


def validate_session_name(name):
    if len(name) < 2:
        raise _validation(
            f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 2"
        )
    if len(name) > 64:
        raise _validation(
            f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
            "Member must have length less than or equal to 64"
        )
    if not _SESSION_NAME_RE.fullmatch(name):
        raise _validation(
            f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*"
        )


def parse_duration(params):
    text = params.get("DurationSeconds")
    if text is None:
        return 3600
    try:
        duration = int(text)
    except ValueError:
        raise _validation(f"Value '{text}' for parameter DurationSeconds is invalid.")
    if duration < 900:
        raise _validation(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 900"
        )
    if duration > 43200:
        raise _validation(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 43200"
        )
    return duration


def parse_session_policy(params):
    text = params.get("Policy")
    if text is None:
        return None, None
    if len(text) > _MAX_SESSION_POLICY_CHARS:
        raise _validation(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048"
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise AwsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.")
    if not isinstance(document, dict) or "Statement" not in document:
        raise AwsError("MalformedPolicyDocument", "Syntax errors in policy.")
    # PackedPolicySize is a percentage of the allowed packed size; this is an estimate.
    packed_size = max(1, len(json.dumps(document, separators=(",", ":"))) * 100 // _MAX_SESSION_POLICY_CHARS)
    return document, packed_size


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _credentials_xml(session):
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": _iso(session.expiration),
    }


def _web_identity_keys(provider, claims, session_name, context):
    """Condition keys of a trust-policy check for a web identity token."""
    keys = {}
    for claim, value in claims.items():
        values = value if isinstance(value, list) else [value]
        keys[f"{provider.url}:{claim}".lower()] = [str(v) for v in values]
    now = time.time()
    keys.update(
        {
            "aws:federatedprovider": [provider.arn],
            "aws:sourceip": [context.http_request.peer_ip],
            "aws:securetransport": ["true"],
            "aws:requestedregion": [context.region],
            "aws:currenttime": [_iso(now)],
            "aws:epochtime": [str(int(now))],
            "sts:rolesessionname": [session_name],
        }
    )
    return keys


def assume_role_with_web_identity(context, params):
    world = context.world
    role_arn = _required(params, "RoleArn", "roleArn")
    session_name = _required(params, "RoleSessionName", "roleSessionName")
    token = _required(params, "WebIdentityToken", "webIdentityToken")
    validate_session_name(session_name)
    duration = parse_duration(params)
    session_policy, packed_size = parse_session_policy(params)
    # NOTE: PolicyArns (managed session policies) are accepted but not applied,
    # because cases have no store of managed policies.

    try:
        account_id = parse_arn(role_arn)[3]
    except ValueError:
        raise _validation(f"{role_arn} is invalid")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise AwsError("InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    issuer = str(unverified.get("iss", ""))
    provider = world.oidc_provider_for(account_id, issuer)
    if provider is None:
        raise AwsError("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")
    try:
        claims = context.issuer.verify(token)
    except TokenError as error:
        if error.reason == "expired":
            raise AwsError("ExpiredTokenException", error.message)
        raise AwsError("InvalidIdentityToken", error.message)
    audiences = claims.get("aud")
    if audiences is None:
        raise AwsError("InvalidIdentityToken", "Missing a required claim: aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if not any(aud in provider.client_ids for aud in audiences):
        raise AwsError("InvalidIdentityToken", "Incorrect token audience")

    role = world.role_by_arn(role_arn)
    if role is None:
        raise AwsError("AccessDenied", _NOT_AUTHORIZED_WEB, 403)
    request = policy.Request(
        "sts:AssumeRoleWithWebIdentity",
        role.arn,
        _web_identity_keys(provider, claims, session_name, context),
        policy.PrincipalRef(account_id="", federated=provider.arn),
    )
    outcome = policy.evaluate(role.trust_policy, request, check_principal=True)
    if outcome.denied or not outcome.allowed:
        raise AwsError("AccessDenied", _NOT_AUTHORIZED_WEB, 403)
    if duration > role.max_session_duration:
        raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

    session = context.store.issue_session(
        role, session_name, duration, session_policy=session_policy, federated_provider=provider.arn
    )
    result = {
        "Credentials": _credentials_xml(session),
        "SubjectFromWebIdentityToken": claims.get("sub", ""),
        "AssumedRoleUser": {"Arn": session.arn, "AssumedRoleId": session.user_id},
        "PackedPolicySize": packed_size,
        "Provider": issuer,
        "Audience": audiences[0],
    }
    context.log(f"AssumeRoleWithWebIdentity issued session {session.arn} ({session.access_key_id})")
    return query_response("AssumeRoleWithWebIdentity", STS_NAMESPACE, result, context.request_id)


def assume_role(context, params):
    world = context.world
    caller = context.caller
    role_arn = _required(params, "RoleArn", "roleArn")
    session_name = _required(params, "RoleSessionName", "roleSessionName")
    validate_session_name(session_name)
    duration = parse_duration(params)
    session_policy, packed_size = parse_session_policy(params)

    role = world.role_by_arn(role_arn)
    denied_message = f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    if role is None:
        raise AwsError("AccessDenied", denied_message, 403)
    keys = context.caller_keys("sts")
    keys["sts:rolesessionname"] = [session_name]
    if params.get("ExternalId"):
        keys["sts:externalid"] = [params["ExternalId"]]
    if params.get("SourceIdentity"):
        keys["sts:sourceidentity"] = [params["SourceIdentity"]]
    decision = authorization.authorize(
        world,
        caller,
        "sts:AssumeRole",
        role.arn,
        role.account_id,
        keys,
        resource_policy=role.trust_policy,
        vpc_endpoint=context.vpc_endpoint("sts"),
        resource_policy_required=True,
        resource_layer=authorization.TRUST,
    )
    if not decision.allowed:
        raise AwsError("AccessDenied", decision.message(caller.arn, role_arn), 403)

    chained = caller.kind == "assumed-role"
    if chained and duration > ROLE_CHAINING_LIMIT_SECONDS:
        raise _validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    if not chained and duration > role.max_session_duration:
        raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

    session = context.store.issue_session(role, session_name, duration, session_policy=session_policy, chained=chained)
    result = {
        "Credentials": _credentials_xml(session),
        "AssumedRoleUser": {"Arn": session.arn, "AssumedRoleId": session.user_id},
        "PackedPolicySize": packed_size,
    }
    context.log(f"AssumeRole by {caller.arn} issued session {session.arn} ({session.access_key_id})")
    return query_response("AssumeRole", STS_NAMESPACE, result, context.request_id)


def get_caller_identity(context, params):
    caller = context.caller
    result = {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}
    return query_response("GetCallerIdentity", STS_NAMESPACE, result, context.request_id)


SIGNED_OPERATIONS = {"AssumeRole": assume_role, "GetCallerIdentity": get_caller_identity}
UNSIGNED_OPERATIONS = {"AssumeRoleWithWebIdentity": assume_role_with_web_identity}
