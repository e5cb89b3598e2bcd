"""IAM for the Google Cloud emulation: roles, member matching and policy inheritance."""

import re
from dataclasses import dataclass, field

IAM_HOST = "//iam.googleapis.com/"
_SECRET_READS = ["secretmanager.secrets.get", "secretmanager.secrets.list", "secretmanager.versions.get", "secretmanager.versions.list"]
_SECRET_IAM = ["secretmanager.secrets.getIamPolicy", "secretmanager.secrets.setIamPolicy"]
_SA_READS = ["iam.serviceAccounts.get", "iam.serviceAccounts.list"]
_SA_TOKENS = ["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.getOpenIdToken"]
_SA_IAM = ["iam.serviceAccounts.getIamPolicy", "iam.serviceAccounts.setIamPolicy"]
_PROJECT_IAM = ["resourcemanager.projects.getIamPolicy", "resourcemanager.projects.setIamPolicy"]
_SECRET_WRITES = [
    "secretmanager.secrets.create",
    "secretmanager.secrets.delete",
    "secretmanager.secrets.update",
    "secretmanager.versions.access",
    "secretmanager.versions.add",
    "secretmanager.versions.destroy",
    "secretmanager.versions.disable",
    "secretmanager.versions.enable",
]
_TOKEN_CREATOR_EXTRA = ["iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt", "iam.serviceAccounts.implicitDelegation"]

# Only the permissions the emulated APIs check. Sources: the predefined-role
# pages under https://cloud.google.com/iam/docs/roles-permissions (2025).
# NOTE: the basic roles are reduced to these permissions. roles/editor
# includes secretmanager.versions.access, which is why Google advises
# against granting it to workloads.
ROLE_PERMISSIONS = {
    "roles/owner": set(_SECRET_READS + _SECRET_WRITES + _SECRET_IAM + _SA_READS + _SA_TOKENS + _TOKEN_CREATOR_EXTRA + _SA_IAM + _PROJECT_IAM),
    "roles/editor": set(_SECRET_READS + _SECRET_WRITES + _SA_READS + _SA_TOKENS + _TOKEN_CREATOR_EXTRA),
    "roles/viewer": set(_SECRET_READS + _SA_READS),
    "roles/secretmanager.admin": set(_SECRET_READS + _SECRET_WRITES + _SECRET_IAM),
    "roles/secretmanager.secretAccessor": {"secretmanager.versions.access"},
    "roles/secretmanager.viewer": set(_SECRET_READS),
    "roles/iam.workloadIdentityUser": set(_SA_TOKENS + _SA_READS),
    "roles/iam.serviceAccountTokenCreator": set(_SA_TOKENS + _TOKEN_CREATOR_EXTRA + _SA_READS),
    "roles/iam.serviceAccountAdmin": set(_SA_READS + _SA_IAM),
    "roles/iam.securityReviewer": set(
        _SECRET_READS + _SA_READS + ["resourcemanager.projects.getIamPolicy", "iam.serviceAccounts.getIamPolicy", "secretmanager.secrets.getIamPolicy"]
    ),
}

_GKE_PRINCIPAL = re.compile(
    r"^principal://iam\.googleapis\.com/projects/\d+/locations/global/workloadIdentityPools/"
    r"(?P<pool>[^/]+\.svc\.id\.goog)/subject/ns/(?P<ns>[^/]+)/sa/(?P<ksa>[^/]+)$"
)


@dataclass
class Caller:
    """The identity behind an access token and the IAM members that match it."""

    kind: str  # "serviceAccount" or "federated"
    principal: str  # `serviceAccount:<email>` or a `principal://` identifier
    members: set = field(default_factory=set)
    expires_at: float = 0.0

    @property
    def display(self):
        return self.principal


def federated_members(pool_name, subject, attributes):
    """Return every member string a federated identity matches, the principal first."""
    base = f"{IAM_HOST[2:]}{pool_name}"
    members = [f"principal://{base}/subject/{subject}", f"principalSet://{base}/*"]
    for name, value in attributes.items():
        if value is not None:
            members.append(f"principalSet://{base}/attribute.{name}/{value}")
    return members + ["allAuthenticatedUsers", "allUsers"]


def service_account_members(email):
    return [f"serviceAccount:{email}", "allAuthenticatedUsers", "allUsers"]


def members_for_principal(principal):
    """Return the member strings a Policy Troubleshooter `principal` matches.

    A bare email is a service account when it ends with `.gserviceaccount.com`
    or is a GKE `<pool>.svc.id.goog[<ns>/<ksa>]` name, and a user otherwise.
    A GKE `principal://` identifier and the older `serviceAccount:` form name
    the same Kubernetes service account, so each matches the other.
    """
    if principal.startswith(("principal://", "principalSet://")):
        member = principal
    elif ":" in principal:
        member = principal
    elif principal.endswith(".gserviceaccount.com") or ".svc.id.goog[" in principal:
        member = f"serviceAccount:{principal}"
    else:
        member = f"user:{principal}"
    members = {member, "allUsers"}
    if not member.startswith("user:") or "@" in member:
        members.add("allAuthenticatedUsers")
    gke = _GKE_PRINCIPAL.match(member)
    if gke:
        members.add(f"serviceAccount:{gke['pool']}[{gke['ns']}/{gke['ksa']}]")
    return members


def member_matches(binding_member, members):
    """Return True when a binding member names one of the caller's members."""
    if binding_member in members:
        return True
    gke = _GKE_PRINCIPAL.match(binding_member)
    if gke:
        return f"serviceAccount:{gke['pool']}[{gke['ns']}/{gke['ksa']}]" in members
    return False


def binding_grants(binding, permission, members):
    """Return True when an unconditional binding gives `permission` to one of `members`."""
    if binding.get("condition"):
        return False
    if permission not in ROLE_PERMISSIONS.get(binding["role"], ()):
        return False
    return any(member_matches(member, members) for member in binding.get("members", []))


def allowed(policies, permission, members):
    """Return True when any binding of any policy (project, then resource) grants the permission."""
    return any(binding_grants(binding, permission, members) for bindings in policies for binding in bindings)
