"""AWS IAM GetRole (query protocol, signed with service `iam`)."""

import datetime
import json
import urllib.parse

import authorization
from aws_protocol import IAM_NAMESPACE, AwsError, query_response


def _iso(value):
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value or "2026-01-01T00:00:00Z"


def role_xml(role):
    """Return the Role structure as IAM returns it, trust policy URL-encoded."""
    trust = json.dumps(role.trust_policy or {}, separators=(",", ":"))
    result = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.unique_id,
        "Arn": role.arn,
        "CreateDate": _iso(role.raw.get("CreateDate")),
        "AssumeRolePolicyDocument": urllib.parse.quote(trust, safe=""),
        "Description": role.raw.get("Description"),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.boundary is not None:
        result["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": role.boundary_arn or f"arn:aws:iam::{role.account_id}:policy/{role.name}-boundary",
        }
    if role.tags:
        result["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags.items()]
    result["RoleLastUsed"] = {}
    return result


def get_role(context, params):
    caller = context.caller
    name = params.get("RoleName")
    if not name:
        raise AwsError(
            "ValidationError",
            "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
        )
    role = context.world.role_by_name(caller.account_id, name)
    resource_arn = role.arn if role else f"arn:aws:iam::{caller.account_id}:role/{name}"
    decision = authorization.authorize(
        context.world, caller, "iam:GetRole", resource_arn, caller.account_id, context.caller_keys("iam")
    )
    if not decision.allowed:
        # IAM names the resource as "role <name>" in its messages.
        raise AwsError("AccessDenied", decision.message(caller.arn, f"role {name}"), 403)
    if role is None:
        raise AwsError("NoSuchEntity", f"The role with name {name} cannot be found.", 404)
    return query_response("GetRole", IAM_NAMESPACE, {"Role": role_xml(role)}, context.request_id)


SIGNED_OPERATIONS = {"GetRole": get_role}
