"""AWS Secrets Manager GetSecretValue, DescribeSecret, ListSecrets and BatchGetSecretValue (JSON 1.1 protocol)."""

import base64
import json

import authorization
from aws_kms import check_decrypt
from aws_protocol import AwsError, json_response
from world import parse_arn, parse_timestamp

_NOT_FOUND = "Secrets Manager can't find the specified secret."


def _parse_body(context):
    try:
        body = json.loads(context.http_request.body or b"{}")
    except json.JSONDecodeError:
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    secret_id = body.get("SecretId")
    if not secret_id:
        raise AwsError("InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
    return body, secret_id


def resolve_secret(world, secret_id, region, account_id):
    """Find a secret by name, full ARN or partial ARN.

    Returns (secret or None, ARN to evaluate policies against, account of the
    resource). For a missing secret the ARN is built from what was sent.
    """
    if secret_id.startswith("arn:"):
        try:
            _, _, arn_region, arn_account, _ = parse_arn(secret_id)
        except ValueError:
            raise AwsError("ValidationException", f"Invalid Arn: {secret_id}")
        for secret in world.secrets:
            if secret.arn == secret_id:
                return secret, secret.arn, secret.account_id
        partial = [s for s in world.secrets if s.partial_arn == secret_id]
        if len(partial) == 1:
            return partial[0], partial[0].arn, partial[0].account_id
        return None, secret_id, arn_account
    for secret in world.secrets:
        if secret.region == region and secret.account_id == account_id and secret.name == secret_id:
            return secret, secret.arn, secret.account_id
    return None, f"arn:aws:secretsmanager:{region}:{account_id}:secret:{secret_id}", account_id


def decide(context, action, secret_id, body, vpc_endpoint=True):
    """Evaluate `action` on one secret and return (secret or None, Decision).

    vpc_endpoint=False leaves out the caller's VPC endpoint, for calls that
    another service makes on the caller's behalf.
    """
    caller = context.caller
    secret, resource_arn, resource_account = resolve_secret(context.world, secret_id, context.region, caller.account_id)
    keys = context.caller_keys("secretsmanager")
    keys["secretsmanager:secretid"] = [resource_arn]
    keys["aws:resourceaccount"] = [resource_account]
    if body.get("VersionStage"):
        keys["secretsmanager:versionstage"] = [body["VersionStage"]]
    if body.get("VersionId"):
        keys["secretsmanager:versionid"] = [body["VersionId"]]
    if secret is not None:
        for tag_key, tag_value in secret.tags.items():
            keys[f"aws:resourcetag/{tag_key.lower()}"] = [tag_value]
            keys[f"secretsmanager:resourcetag/{tag_key.lower()}"] = [tag_value]
    decision = authorization.authorize(
        context.world,
        caller,
        action,
        resource_arn,
        resource_account,
        keys,
        resource_policy=secret.resource_policy if secret else None,
        vpc_endpoint=context.vpc_endpoint("secretsmanager") if vpc_endpoint else None,
    )
    return secret, decision


def _authorize(context, action, secret_id, body):
    secret, decision = decide(context, action, secret_id, body)
    if not decision.allowed:
        raise AwsError("AccessDeniedException", decision.message(context.caller.arn, secret_id))
    if secret is None:
        raise AwsError("ResourceNotFoundException", _NOT_FOUND)
    return secret


def _authorize_any(context, action):
    """Authorize an action that takes no resource but "*", such as ListSecrets."""
    caller = context.caller
    keys = context.caller_keys("secretsmanager")
    decision = authorization.authorize(
        context.world,
        caller,
        action,
        "*",
        caller.account_id,
        keys,
        vpc_endpoint=context.vpc_endpoint("secretsmanager"),
    )
    if not decision.allowed:
        # NOTE: for an action without resource-level permissions the message
        # is assumed to leave out "on resource:", as IAM's other services do.
        raise AwsError("AccessDeniedException", decision.message(caller.arn, None))


def _select_version(secret, version_id, version_stage):
    if version_id:
        matches = [v for v in secret.versions if v.version_id == version_id]
        if not matches:
            raise AwsError("ResourceNotFoundException", f"Secrets Manager can't find the specified secret value for VersionId: {version_id}")
        version = matches[0]
        if version_stage and version_stage not in version.stages:
            raise AwsError("InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId.")
        return version
    stage = version_stage or "AWSCURRENT"
    for version in secret.versions:
        if stage in version.stages:
            return version
    raise AwsError("ResourceNotFoundException", f"Secrets Manager can't find the specified secret value for staging label: {stage}")


def read_value(context, secret, body):
    """Return GetSecretValue's result for an authorized secret, or raise its error."""
    if secret.deleted_date is not None:
        raise AwsError(
            "InvalidRequestException",
            "You can't perform this operation on the secret because it was marked for deletion.",
        )
    version = _select_version(secret, body.get("VersionId"), body.get("VersionStage"))
    failure = check_decrypt(
        context, secret.kms_key_id, secret.region, secret.account_id, "secretsmanager", {"SecretARN": secret.arn}
    )
    if failure is not None:
        if failure.kind == "disabled":
            raise AwsError("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
        raise AwsError("AccessDeniedException", "Access to KMS is not allowed")
    result = {"ARN": secret.arn, "Name": secret.name, "VersionId": version.version_id}
    if version.secret_binary is not None:
        result["SecretBinary"] = version.secret_binary
    else:
        result["SecretString"] = version.secret_string if version.secret_string is not None else ""
    result["VersionStages"] = version.stages
    result["CreatedDate"] = version.created_date
    return result


def get_secret_value(context, params):
    body, secret_id = _parse_body(context)
    secret = _authorize(context, "secretsmanager:GetSecretValue", secret_id, body)
    return json_response(read_value(context, secret, body), context.request_id)


def describe_secret(context, params):
    body, secret_id = _parse_body(context)
    secret = _authorize(context, "secretsmanager:DescribeSecret", secret_id, body)
    raw = secret.raw
    result = {"ARN": secret.arn, "Name": secret.name}
    if raw.get("Description"):
        result["Description"] = raw["Description"]
    if secret.kms_key_id and secret.kms_key_id != "alias/aws/secretsmanager":
        result["KmsKeyId"] = secret.kms_key_id
    result["RotationEnabled"] = bool(raw.get("RotationEnabled", False))
    if raw.get("LastChangedDate") is not None:
        result["LastChangedDate"] = parse_timestamp(raw["LastChangedDate"])
    if secret.deleted_date is not None:
        result["DeletedDate"] = secret.deleted_date
    if secret.tags:
        result["Tags"] = [{"Key": k, "Value": v} for k, v in secret.tags.items()]
    result["VersionIdsToStages"] = {v.version_id: v.stages for v in secret.versions}
    result["CreatedDate"] = min(v.created_date for v in secret.versions)
    return json_response(result, context.request_id)


_FILTER_KEYS = ("description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all")
_LIST_PAGE_SIZE = 100
_BATCH_PAGE_SIZE = 20
_BATCH_MAX_IDS = 20


def _parse_filters(body):
    filters = body.get("Filters") or []
    if not isinstance(filters, list):
        raise AwsError("SerializationException", "Start of list found where not expected")
    parsed = []
    for entry in filters:
        key = entry.get("Key") if isinstance(entry, dict) else None
        values = entry.get("Values") if isinstance(entry, dict) else None
        if key not in _FILTER_KEYS:
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value '{key}' at 'filters.member.key' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(_FILTER_KEYS)}]",
            )
        if not isinstance(values, list) or not values:
            raise AwsError("InvalidParameterException", "Invalid filter values.")
        parsed.append((key, [str(v) for v in values]))
    return parsed


def _attribute_values(secret, key):
    """Return the texts a filter key is matched against, and whether the match ignores case."""
    raw = secret.raw
    if key == "name":
        return [secret.name], False
    if key == "description":
        return [raw.get("Description") or ""], True
    if key == "tag-key":
        return list(secret.tags.keys()), False
    if key == "tag-value":
        return list(secret.tags.values()), False
    if key == "primary-region":
        return [raw.get("PrimaryRegion") or secret.region], False
    if key == "owning-service":
        return [raw.get("OwningService") or ""], False
    return [secret.name, raw.get("Description") or ""] + list(secret.tags.keys()) + list(secret.tags.values()), True


def _filter_matches(secret, key, values):
    """One filter: any value matches (values are ORed); a "!" value negates.

    NOTE: prefix matching, case-sensitive except for `description` and `all`,
    follows AWS's ListSecrets documentation; `all` is simplified to a prefix
    match of any word of the value against any attribute.
    """
    texts, ignore_case = _attribute_values(secret, key)
    if ignore_case:
        texts = [t.lower() for t in texts]

    def one(value):
        negate = value.startswith("!")
        value = value[1:] if negate else value
        if ignore_case:
            value = value.lower()
        if key == "all":
            words = value.split() or [value]
            hit = any(t.startswith(w) or any(part.startswith(w) for part in t.split()) for t in texts for w in words)
        else:
            hit = any(t.startswith(value) for t in texts)
        return not hit if negate else hit

    return any(one(v) for v in values)


def _listed(context, filters, include_deleted=False):
    """Secrets of the caller's account and the request's region that pass every filter, sorted by name."""
    found = []
    for secret in context.world.secrets:
        if secret.account_id != context.caller.account_id or secret.region != context.region:
            continue
        if secret.deleted_date is not None and not include_deleted:
            continue
        if all(_filter_matches(secret, key, values) for key, values in filters):
            found.append(secret)
    return sorted(found, key=lambda s: s.name)


def _page(items, body, default_size, max_size):
    """Return (page, next token) for `items` by the request's MaxResults and NextToken."""
    size = body.get("MaxResults", default_size)
    if not isinstance(size, int) or size < 1 or size > max_size:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: "
            f"Member must have value less than or equal to {max_size}",
        )
    start = 0
    token = body.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token).decode().removeprefix("offset:"))
        except ValueError:
            raise AwsError("InvalidNextTokenException", "The NextToken value is invalid.")
    end = start + size
    next_token = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], next_token


def _list_entry(secret):
    raw = secret.raw
    entry = {"ARN": secret.arn, "Name": secret.name}
    if raw.get("Description"):
        entry["Description"] = raw["Description"]
    if secret.kms_key_id and secret.kms_key_id != "alias/aws/secretsmanager":
        entry["KmsKeyId"] = secret.kms_key_id
    entry["RotationEnabled"] = bool(raw.get("RotationEnabled", False))
    if raw.get("LastChangedDate") is not None:
        entry["LastChangedDate"] = parse_timestamp(raw["LastChangedDate"])
    if secret.deleted_date is not None:
        entry["DeletedDate"] = secret.deleted_date
    if secret.tags:
        entry["Tags"] = [{"Key": k, "Value": v} for k, v in secret.tags.items()]
    entry["SecretVersionsToStages"] = {v.version_id: v.stages for v in secret.versions}
    entry["CreatedDate"] = min(v.created_date for v in secret.versions)
    return entry


def _body_object(context):
    try:
        body = json.loads(context.http_request.body or b"{}")
    except json.JSONDecodeError:
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    return body


def list_secrets(context, params):
    """ListSecrets: metadata of every secret that passes the filters; values never."""
    body = _body_object(context)
    filters = _parse_filters(body)
    _authorize_any(context, "secretsmanager:ListSecrets")
    secrets = _listed(context, filters, include_deleted=bool(body.get("IncludePlannedDeletion")))
    if body.get("SortOrder") == "desc":
        secrets.reverse()
    page, next_token = _page(secrets, body, _LIST_PAGE_SIZE, _LIST_PAGE_SIZE)
    result = {"SecretList": [_list_entry(s) for s in page]}
    if next_token:
        result["NextToken"] = next_token
    return json_response(result, context.request_id)


def _batch_read(context, secret_id):
    """Read one secret of a batch as GetSecretValue would; return (value entry, error entry)."""
    secret, decision = decide(context, "secretsmanager:GetSecretValue", secret_id, {})
    try:
        if not decision.allowed:
            raise AwsError("AccessDeniedException", decision.message(context.caller.arn, secret_id))
        if secret is None:
            raise AwsError("ResourceNotFoundException", _NOT_FOUND)
        return read_value(context, secret, {}), None
    except AwsError as error:
        entry = {"SecretId": secret_id, "ErrorCode": error.code}
        if error.message is not None:
            entry["Message"] = error.message
        return None, entry


def batch_get_secret_value(context, params):
    """BatchGetSecretValue by SecretIdList or by Filters.

    AWS requires secretsmanager:BatchGetSecretValue (resource "*"), plus
    secretsmanager:ListSecrets when Filters are sent, and reports each
    secret's own GetSecretValue failure in Errors instead of failing the call.
    """
    body = _body_object(context)
    ids = body.get("SecretIdList")
    has_filters = "Filters" in body
    if (ids is None) == (not has_filters):
        # NOTE: the message for sending both or neither is a guess.
        raise AwsError("InvalidParameterException", "You must provide either SecretIdList or Filters, but not both.")
    if ids is not None:
        if not isinstance(ids, list) or not ids or len(ids) > _BATCH_MAX_IDS:
            raise AwsError(
                "ValidationException",
                "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: "
                f"Member must have length between 1 and {_BATCH_MAX_IDS}",
            )
        if "MaxResults" in body or "NextToken" in body:
            raise AwsError("InvalidParameterException", "MaxResults and NextToken are only allowed with Filters.")
    filters = _parse_filters(body) if has_filters else []
    _authorize_any(context, "secretsmanager:BatchGetSecretValue")
    next_token = None
    if has_filters:
        _authorize_any(context, "secretsmanager:ListSecrets")
        page, next_token = _page(_listed(context, filters), body, _BATCH_PAGE_SIZE, _BATCH_PAGE_SIZE)
        # NOTE: which SecretId AWS writes in Errors for a filtered batch is
        # not confirmed; the emulator writes the secret's ARN.
        ids = [s.arn for s in page]
    values, errors = [], []
    for secret_id in ids:
        value, error = _batch_read(context, secret_id)
        if value is not None:
            values.append(value)
        else:
            errors.append(error)
    result = {"SecretValues": values, "Errors": errors}
    if next_token:
        result["NextToken"] = next_token
    return json_response(result, context.request_id)


OPERATIONS = {
    "GetSecretValue": get_secret_value,
    "DescribeSecret": describe_secret,
    "ListSecrets": list_secrets,
    "BatchGetSecretValue": batch_get_secret_value,
}
