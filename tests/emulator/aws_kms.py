"""The kms:Decrypt check that Secrets Manager and SSM make on the caller's behalf."""

from dataclasses import dataclass

import authorization
from world import AWS_MANAGED_ALIASES


@dataclass
class KmsFailure:
    kind: str  # "denied", "not-found" or "disabled"
    key_arn: str
    decision: authorization.Decision = None


def _is_aws_managed(reference):
    if reference is None or reference == "":
        return True
    alias = reference.split(":", 5)[-1] if reference.startswith("arn:") else reference
    return alias in AWS_MANAGED_ALIASES


def check_decrypt(context, key_reference, region, account_id, via_service, encryption_context):
    """Return None when the caller may decrypt with the key, else a KmsFailure.

    AWS-managed keys (no key named, alias/aws/secretsmanager, alias/aws/ssm,
    or KeyManager AWS) need no permission here, because their key policies
    allow every principal of the account through the named service.
    """
    if _is_aws_managed(key_reference):
        return None
    world = context.world
    key = world.find_kms_key(key_reference, region, account_id)
    if key is None:
        arn = key_reference if key_reference.startswith("arn:") else f"arn:aws:kms:{region}:{account_id}:key/{key_reference}"
        return KmsFailure("not-found", arn)
    if key.key_manager == "AWS":
        return None
    if key.key_state != "Enabled":
        return KmsFailure("disabled", key.arn)
    caller = context.caller
    keys = caller.context_keys(world, region, context.http_request.peer_ip)
    keys["kms:viaservice"] = [f"{via_service}.{region}.amazonaws.com"]
    keys["kms:calleraccount"] = [caller.account_id]
    for name, value in encryption_context.items():
        keys[f"kms:encryptioncontext:{name}".lower()] = [value]
    keys["kms:encryptioncontextkeys"] = list(encryption_context)
    keys["aws:resourceaccount"] = [key.account_id]
    decision = authorization.authorize(
        world,
        caller,
        "kms:Decrypt",
        key.arn,
        key.account_id,
        keys,
        resource_policy=key.policy,
        resource_policy_required=True,
    )
    if not decision.allowed:
        return KmsFailure("denied", key.arn, decision)
    return None
