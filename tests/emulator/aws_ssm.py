"""AWS Systems Manager Parameter Store GetParameter and GetParameters (JSON 1.1 protocol).

Names under /aws/reference/secretsmanager/ read a Secrets Manager secret
through SSM: the caller needs the SSM action on that parameter ARN and
secretsmanager:GetSecretValue on the secret.
"""

import base64
import hashlib
import json
import uuid

import authorization
import aws_secrets
from aws_kms import check_decrypt
from aws_protocol import AwsError, json_response
from world import parse_arn

_MAX_NAMES = 10


def parse_reference(text, region, account_id):
    """Split a name or ARN with an optional `:version` or `:label` selector.

    Returns (lookup ARN, name or None when given as an ARN, selector or None).
    """
    if text.startswith("arn:"):
        try:
            _, _, arn_region, arn_account, resource = parse_arn(text)
        except ValueError:
            raise AwsError("ValidationException", f"Invalid parameter ARN: {text}")
        if not resource.startswith("parameter/"):
            raise AwsError("ValidationException", f"Invalid parameter ARN: {text}")
        path = resource[len("parameter/"):]
        selector = None
        if ":" in path:
            path, selector = path.rsplit(":", 1)
        return f"arn:aws:ssm:{arn_region}:{arn_account}:parameter/{path}", None, selector
    name, selector = text, None
    if ":" in name:
        name, selector = name.rsplit(":", 1)
    return f"arn:aws:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}", name, selector


def _find(world, arn, name, region, account_id):
    for parameter in world.parameters:
        if name is not None:
            if parameter.name == name and parameter.region == region and parameter.account_id == account_id:
                return parameter
        elif parameter.arn == arn:
            return parameter
    return None


def _select(parameter, selector):
    if selector is None:
        return parameter.latest()
    if selector.isdigit():
        for version in parameter.versions:
            if version.version == int(selector):
                return version
        raise AwsError(
            "ParameterVersionNotFound",
            f"Systems Manager could not find version {selector} of {parameter.name}. Verify the version and try again.",
        )
    for version in parameter.versions:
        if selector in version.labels:
            return version
    raise AwsError("ParameterVersionNotFound", f"Systems Manager could not find label {selector} of {parameter.name}.")


def _ciphertext(parameter, version):
    """A stand-in for a SecureString's ciphertext that reveals nothing about the value."""
    digest = hashlib.sha256(f"{parameter.arn}:{version.version}".encode()).digest()
    return base64.b64encode(b"\x01\x02\x02\x00" + digest * 3).decode()


def _kms_error(failure, caller_arn, request_id):
    suffix = f"(Service: AWSKMS; Status Code: 400; Error Code: {{code}}; Request ID: {request_id}; Proxy: null)"
    if failure.kind == "not-found":
        return AwsError(
            "AccessDeniedException",
            "The ciphertext refers to a customer master key that does not exist, does not exist in this region, "
            "or you are not allowed to access. " + suffix.format(code="AccessDeniedException"),
        )
    if failure.kind == "disabled":
        # NOTE: the SSM code for a disabled key is from general AWS knowledge, not a captured response.
        return AwsError("InvalidKeyId", f"{failure.key_arn} is disabled. " + suffix.format(code="DisabledException"))
    return AwsError(
        "AccessDeniedException",
        failure.decision.message(caller_arn, failure.key_arn) + " " + suffix.format(code="AccessDeniedException"),
    )


def _authorize(context, action, reference):
    """Authorize one name and return (parameter or None, selector)."""
    caller = context.caller
    arn, name, selector = parse_reference(reference, context.region, caller.account_id)
    parameter = _find(context.world, arn, name, context.region, caller.account_id)
    resource_arn = parameter.arn if parameter else arn
    resource_account = parse_arn(resource_arn)[3]
    keys = context.caller_keys("ssm")
    keys["aws:resourceaccount"] = [resource_account]
    if parameter is not None:
        for tag_key, tag_value in parameter.tags.items():
            keys[f"aws:resourcetag/{tag_key.lower()}"] = [tag_value]
    decision = authorization.authorize(
        context.world,
        caller,
        action,
        resource_arn,
        resource_account,
        keys,
        vpc_endpoint=context.vpc_endpoint("ssm"),
    )
    if not decision.allowed:
        raise AwsError("AccessDeniedException", decision.message(caller.arn, resource_arn))
    return parameter, selector


_REFERENCE_PREFIX = "/aws/reference/secretsmanager/"


def _reference_name(text):
    """Return the part after /aws/reference/secretsmanager/ (selector included) of a name or ARN, else None."""
    if text.startswith("arn:"):
        marker = text.find(":parameter/")
        if marker < 0:
            return None
        text = text[marker + len(":parameter"):]
    return text[len(_REFERENCE_PREFIX):] if text.startswith(_REFERENCE_PREFIX) else None


def _check_reference(reference, with_decryption):
    """Reject a malformed reference or one sent without decryption, before any authorization."""
    if reference is None:
        return
    if not with_decryption:
        raise AwsError("ValidationException", "WithDecryption flag must be True for retrieving a Secret Manager secret.")
    if reference.count(":") > 1 or not reference.split(":")[0]:
        # NOTE: wording (two spaces included) taken from another emulator's
        # tests, not from a captured AWS response.
        raise AwsError(
            "ValidationException",
            "Invalid parameter name. Please use correct syntax for referencing a version/label  <name>:<version/label>",
        )


def _sm_suffix(code, request_id):
    return f"(Service: AWSSecretsManager; Status Code: 400; Error Code: {code}; Request ID: {request_id}; Proxy: null)"


class _ReferenceMissing(Exception):
    """The referenced secret or its version does not exist (or is scheduled for deletion)."""


def _read_reference(context, reference, requested_name):
    """Read a referenced secret as the caller and return the Parameter object.

    Raises AwsError for denials and _ReferenceMissing for a missing secret.
    """
    secret_id, _, selector = reference.partition(":")
    body = {}
    if selector:
        # NOTE: a selector is taken as a VersionId when it looks like a UUID,
        # else as a staging label; moto 5 accepts both forms too.
        key = "VersionId" if len(selector) >= 32 and selector.count("-") == 4 else "VersionStage"
        body[key] = selector
    # NOTE: SSM is assumed to send the secret name as SecretId and to make the
    # call from its own network, so the caller's VPC endpoint does not apply.
    secret, decision = aws_secrets.decide(context, "secretsmanager:GetSecretValue", secret_id, body, vpc_endpoint=False)
    request_id = str(uuid.uuid4())
    if not decision.allowed:
        # NOTE: AWS's wording for this denial is not confirmed. It is modelled
        # on the KMS denial SSM passes through: the inner service's message
        # and an SDK-style "(Service: ...)" suffix.
        raise AwsError(
            "AccessDeniedException",
            decision.message(context.caller.arn, secret_id) + " " + _sm_suffix("AccessDeniedException", request_id),
        )
    if secret is None:
        raise _ReferenceMissing()
    try:
        value = aws_secrets.read_value(context, secret, body)
    except AwsError as error:
        if error.code == "AccessDeniedException":
            raise AwsError("AccessDeniedException", f"{error.message} {_sm_suffix(error.code, request_id)}")
        if error.code == "DecryptionFailure":
            # NOTE: the SSM code for a key that cannot decrypt is a guess.
            raise AwsError("InvalidKeyId", f"{error.message} {_sm_suffix(error.code, request_id)}")
        # NOTE: a secret scheduled for deletion, or a missing version, is
        # reported as a missing parameter; AWS's answer is not confirmed.
        raise _ReferenceMissing()
    source = {k: v for k, v in value.items() if k != "VersionStages"}
    source["VersionIdsToStages"] = value["VersionStages"]
    result = {
        "Name": requested_name,
        "Type": "SecureString",
        "Value": value.get("SecretString", value.get("SecretBinary", "")),
        "Version": 0,
        "SourceResult": json.dumps(source),
        "LastModifiedDate": value["CreatedDate"],
        "ARN": secret.arn,
        "DataType": "text",
    }
    if selector:
        result["Selector"] = f":{selector}"
    return result


def _render(context, parameter, selector, with_decryption):
    version = _select(parameter, selector)
    value = version.value
    if parameter.type == "SecureString":
        if with_decryption:
            failure = check_decrypt(
                context,
                parameter.key_id,
                parameter.region,
                parameter.account_id,
                "ssm",
                {"PARAMETER_ARN": parameter.arn},
            )
            if failure is not None:
                raise _kms_error(failure, context.caller.arn, str(uuid.uuid4()))
        else:
            value = _ciphertext(parameter, version)
    result = {
        "Name": parameter.name,
        "Type": parameter.type,
        "Value": value,
        "Version": version.version,
        "LastModifiedDate": parameter.last_modified,
        "ARN": parameter.arn,
        "DataType": parameter.data_type,
    }
    if selector is not None:
        result["Selector"] = f":{selector}"
    return result


def _body(context):
    try:
        body = json.loads(context.http_request.body or b"{}")
    except json.JSONDecodeError:
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    return body


def get_parameter(context, params):
    body = _body(context)
    name = body.get("Name")
    if not name:
        raise AwsError("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
    reference = _reference_name(name)
    _check_reference(reference, bool(body.get("WithDecryption")))
    parameter, selector = _authorize(context, "ssm:GetParameter", name)
    if reference is not None:
        try:
            result = _read_reference(context, reference, name)
        except _ReferenceMissing:
            # Wording as moto 5 returns it.
            raise AwsError(
                "ParameterNotFound",
                f"An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret {name} not found.",
            )
        return json_response({"Parameter": result}, context.request_id)
    if parameter is None:
        raise AwsError("ParameterNotFound", None)
    result = _render(context, parameter, selector, bool(body.get("WithDecryption")))
    return json_response({"Parameter": result}, context.request_id)


def get_parameters(context, params):
    body = _body(context)
    names = body.get("Names")
    if not isinstance(names, list) or not names:
        raise AwsError("ValidationException", "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null")
    if len(names) > _MAX_NAMES:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{names}' at 'names' failed to satisfy constraint: "
            f"Member must have length less than or equal to {_MAX_NAMES}",
        )
    for name in names:
        _check_reference(_reference_name(name), bool(body.get("WithDecryption")))
    found = []
    invalid = []
    results = []
    for name in names:
        parameter, selector = _authorize(context, "ssm:GetParameters", name)
        reference = _reference_name(name)
        if reference is not None:
            # NOTE: a missing referenced secret is assumed to be listed in
            # InvalidParameters like any missing name; a denial fails the call.
            try:
                results.append(_read_reference(context, reference, name))
            except _ReferenceMissing:
                invalid.append(name)
        elif parameter is None:
            invalid.append(name)
        else:
            found.append((parameter, selector, name))
    for parameter, selector, name in found:
        try:
            results.append(_render(context, parameter, selector, bool(body.get("WithDecryption"))))
        except AwsError as error:
            if error.code != "ParameterVersionNotFound":
                raise
            invalid.append(name)
    return json_response({"Parameters": results, "InvalidParameters": invalid}, context.request_id)


OPERATIONS = {"GetParameter": get_parameter, "GetParameters": get_parameters}
