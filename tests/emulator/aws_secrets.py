"""AWS Secrets Manager GetSecretValue and DescribeSecret (JSON 1.1 protocol)."""

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


def _authorize(context, action, secret_id, body):
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
        vpc_endpoint=context.vpc_endpoint("secretsmanager"),
    )
    if not decision.allowed:
        raise AwsError("AccessDeniedException", decision.message(caller.arn, secret_id))
    if secret is None:
        raise AwsError("ResourceNotFoundException", _NOT_FOUND)
    return secret


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


def get_secret_value(context, params):
    body, secret_id = _parse_body(context)
    secret = _authorize(context, "secretsmanager:GetSecretValue", secret_id, body)
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
    return json_response(result, context.request_id)


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


OPERATIONS = {"GetSecretValue": get_secret_value, "DescribeSecret": describe_secret}
