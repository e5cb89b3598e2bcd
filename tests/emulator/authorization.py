"""AWS's policy evaluation across policy types, with its access-denied messages.

Order of checks, following AWS's evaluation logic: an explicit deny in any
policy wins; then SCPs of the caller's account must allow; then a VPC endpoint
policy, when the caller is behind one; then identity-based and resource-based
policies (same account: either one; cross account: both); then the
permissions boundary and the session policy must allow.
"""

from dataclasses import dataclass

import policy
from policy import MATCH_ACCOUNT, MATCH_EXACT, Request

# Layer names as the product's report uses them.
SCP = "scp"
VPC_ENDPOINT = "vpc-endpoint-policy"
RESOURCE = "resource-policy"
IDENTITY = "identity-policy"
BOUNDARY = "permissions-boundary"
SESSION = "session-policy"
TRUST = "trust-policy"

_IMPLICIT_NOUN = {
    VPC_ENDPOINT: "VPC endpoint policy",
    RESOURCE: "resource-based policy",
    IDENTITY: "identity-based policy",
    BOUNDARY: "permissions boundary",
    SESSION: "session policy",
}

_EXPLICIT_PHRASE = {
    SCP: "with an explicit deny in a service control policy",
    VPC_ENDPOINT: "with an explicit deny in a VPC endpoint policy",
    RESOURCE: "with an explicit deny in a resource-based policy",
    IDENTITY: "with an explicit deny in an identity-based policy",
    BOUNDARY: "with an explicit deny in a permissions boundary",
    # "sessions" is AWS's own spelling in this message.
    SESSION: "with an explicit deny in a sessions policy",
    TRUST: "with an explicit deny in the role trust policy",
}


@dataclass
class Decision:
    allowed: bool
    layer: str = None
    explicit: bool = False
    action: str = None

    def reason(self):
        """Return the enhanced suffix AWS appends, or "" when it appends none."""
        if self.allowed:
            return ""
        # SCP denials always use the explicit phrase, even for an implicit deny.
        if self.explicit or self.layer == SCP:
            return _EXPLICIT_PHRASE[self.layer]
        if self.layer == TRUST:
            return ""
        return f"because no {_IMPLICIT_NOUN[self.layer]} allows the {self.action} action"

    def message(self, caller_arn, resource_text):
        """Return AWS's access-denied message; resource_text None leaves out "on resource:"."""
        text = f"User: {caller_arn} is not authorized to perform: {self.action}"
        if resource_text is not None:
            text += f" on resource: {resource_text}"
        suffix = self.reason()
        return f"{text} {suffix}" if suffix else text


ALLOWED = Decision(True)


def authorize(
    world,
    caller,
    action,
    resource_arn,
    resource_account,
    keys,
    resource_policy=None,
    vpc_endpoint=None,
    resource_policy_required=False,
    resource_layer=RESOURCE,
):
    """Decide one request by AWS's rules and return a Decision.

    resource_policy_required is for KMS key policies and role trust policies:
    the resource policy must allow, and when it only names the caller's account
    (or the request crosses accounts) the identity policy must allow as well.
    For other resources (Secrets Manager resource policies), same-account
    access needs an identity or a resource allow, cross-account needs both.
    """
    request = Request(action, resource_arn, keys, caller.principal_ref())
    entity = caller.entity
    scps = world.scps_for(caller.account_id)

    scp_outcomes = [policy.evaluate(doc, request) for _, doc in scps] if scps is not None else []
    identity_outcomes = [policy.evaluate(doc, request) for _, doc in entity.policies]
    boundary = policy.evaluate(entity.boundary, request) if entity.boundary else None
    session = policy.evaluate(caller.session_policy, request) if caller.session_policy else None
    resource = policy.evaluate(resource_policy, request, check_principal=True) if resource_policy else policy.Outcome()
    endpoint = policy.evaluate(vpc_endpoint.policy, request, check_principal=True) if vpc_endpoint else None

    def denied(layer, explicit=False):
        return Decision(False, layer, explicit, action)

    explicit_checks = [
        (SCP, any(o.denied for o in scp_outcomes)),
        (VPC_ENDPOINT, endpoint is not None and endpoint.denied),
        (resource_layer, resource.denied),
        (IDENTITY, any(o.denied for o in identity_outcomes)),
        (BOUNDARY, boundary is not None and boundary.denied),
        (SESSION, session is not None and session.denied),
    ]
    for layer, has_deny in explicit_checks:
        if has_deny:
            return denied(layer, explicit=True)

    if scps is not None and not any(o.allowed for o in scp_outcomes):
        return denied(SCP)
    if endpoint is not None and not endpoint.allowed:
        return denied(VPC_ENDPOINT)

    identity_allows = any(o.allowed for o in identity_outcomes)
    same_account = caller.account_id == resource_account
    if resource_policy_required:
        if not resource.allowed:
            return denied(resource_layer)
        if (resource.allow_match == MATCH_ACCOUNT or not same_account) and not identity_allows:
            return denied(IDENTITY)
    elif same_account:
        resource_grants = resource.allowed and resource.allow_match != MATCH_ACCOUNT
        if not identity_allows and not resource_grants:
            return denied(IDENTITY)
    else:
        if not identity_allows:
            return denied(IDENTITY)
        if not resource.allowed:
            return denied(resource_layer)

    # A resource policy naming the exact session or user ARN is not limited
    # by the boundary or the session policy (AWS's documented exception).
    bypass_limits = same_account and resource.allow_match == MATCH_EXACT and not resource_policy_required
    if boundary is not None and not boundary.allowed and not bypass_limits:
        return denied(BOUNDARY)
    if session is not None and not session.allowed and not bypass_limits:
        return denied(SESSION)
    return ALLOWED
