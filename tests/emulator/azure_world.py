"""Load a case's cloud/azure/ folder: identities, key vaults and role assignments.

README.md ("Azure") documents every field read here.
"""

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field

from world import WorldError

DEFAULT_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEFAULT_RESOURCE_GROUP = "secret-preflight"
DEFAULT_PUBLIC_IP = "203.0.113.10"
SECRET_NAME = re.compile(r"^[0-9a-zA-Z-]+$")

# Built-in roles: (GUID, reads secret values, reads federated identity credentials through ARM).
# Secret reads need the data action Microsoft.KeyVault/vaults/secrets/getSecret/action, which
# Owner and Contributor lack. The ARM read needs .../federatedIdentityCredentials/read.
ROLES = {
    "key vault secrets user": ("4633458b-17de-408a-b874-0445c86b69e6", True, False),
    "key vault secrets officer": ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", True, False),
    "key vault administrator": ("00482a5a-887f-4fb3-b363-3b7fe8e74483", True, False),
    "key vault certificate user": ("db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", True, False),
    "key vault reader": ("21090545-7ca7-4776-b22c-e363652d74d2", False, False),
    "key vault contributor": ("f25e0fa2-a7c8-4377-a976-54943a77a395", False, False),
    "owner": ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", False, True),
    "contributor": ("b24988ac-6180-42a0-ab88-20f7382dd24c", False, True),
    "reader": ("acdd72a7-3385-48ef-bd42-f606fba81ae7", False, True),
    "managed identity contributor": ("e40ec5ca-96e0-45a2-b4ff-59039f2c2b59", False, True),
    "managed identity operator": ("f1a07417-d97a-45cb-824c-7a7467783830", False, True),
}
_ROLE_BY_GUID = {guid: name for name, (guid, _, _) in ROLES.items()}


def _load_list(path):
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise WorldError(f"{path}: invalid JSON: {error}") from error
    if isinstance(data, dict) and "value" in data:
        data = data["value"]
    if not isinstance(data, list):
        raise WorldError(f"{path}: expected a JSON list or {{\"value\": [...]}}")
    return data


def scope_segments(scope):
    return [segment.lower() for segment in scope.split("/") if segment]


def scope_covers(scope, resource_id):
    """Return whether an ARM scope contains resource_id (whole segments, case-insensitive)."""
    scope_parts = scope_segments(scope)
    return scope_parts == scope_segments(resource_id)[: len(scope_parts)]


@dataclass
class RoleAssignment:
    principal_id: str
    role: str  # lowercase role name; "" for a role the emulator does not know
    scope: str

    @classmethod
    def parse(cls, raw, default_scope, where):
        principal = raw.get("principalId")
        if not principal:
            raise WorldError(f"{where}: role assignment without principalId")
        role = (raw.get("roleDefinitionName") or "").lower()
        if not role and raw.get("roleDefinitionId"):
            role = _ROLE_BY_GUID.get(str(raw["roleDefinitionId"]).rstrip("/").split("/")[-1].lower(), "")
        scope = raw.get("scope") or default_scope
        if not scope:
            raise WorldError(f"{where}: role assignment for {principal} without scope")
        return cls(principal.lower(), role, scope)

    def grants_secret_read(self):
        return ROLES.get(self.role, ("", False, False))[1]

    def grants_credential_read(self):
        return ROLES.get(self.role, ("", False, False))[2]


@dataclass
class FederatedCredential:
    name: str
    issuer: str
    subject: str
    audiences: list


@dataclass
class Identity:
    client_id: str
    principal_id: str
    tenant_id: str
    name: str
    type: str
    resource_id: str
    tenant_domains: list
    federated_credentials: list
    role_assignments: list
    public_ip: str
    subnet_id: str
    private_endpoint: bool

    def in_tenant(self, tenant):
        return tenant.lower() == self.tenant_id.lower() or tenant.lower() in (d.lower() for d in self.tenant_domains)


@dataclass
class SecretVersion:
    version: str
    value: str
    enabled: bool
    content_type: str
    created: int
    updated: int
    nbf: int
    exp: int


@dataclass
class Secret:
    name: str
    tags: dict
    versions: list  # oldest first; the last one is current

    def find_version(self, version):
        if not version:
            return self.versions[-1] if self.versions else None
        return next((v for v in self.versions if v.version == version.lower()), None)


@dataclass
class Vault:
    name: str
    id: str
    tenant_id: str
    location: str
    rbac: bool
    role_assignments: list
    access_policies: list
    public_network_access: str
    network_acls: dict
    secrets: dict = field(default_factory=dict)

    def secret_resource_id(self, secret_name):
        return f"{self.id}/secrets/{secret_name}"


def _parse_identity(raw, where):
    for key in ("clientId", "principalId", "tenantId"):
        if not raw.get(key):
            raise WorldError(f"{where}: missing {key}")
    resource_id = raw.get("resourceId") or ""
    name = raw.get("name") or (resource_id.rstrip("/").split("/")[-1] if resource_id else raw["clientId"])
    credentials = []
    for index, fic in enumerate(raw.get("federatedCredentials") or [], start=1):
        props = fic.get("properties", fic)
        if not props.get("issuer") or not props.get("subject"):
            raise WorldError(f"{where}: federated credential {index} needs issuer and subject")
        credentials.append(
            FederatedCredential(
                name=fic.get("name") or f"fic-{index}",
                issuer=props["issuer"],
                subject=props["subject"],
                audiences=list(props.get("audiences") or [DEFAULT_AUDIENCE]),
            )
        )
    assignments = [
        RoleAssignment.parse(item, resource_id, f"{where} roleAssignments") for item in raw.get("roleAssignments") or []
    ]
    network = raw.get("network") or {}
    return Identity(
        client_id=raw["clientId"],
        principal_id=raw["principalId"],
        tenant_id=raw["tenantId"],
        name=name,
        type=raw.get("type") or ("UserAssigned" if resource_id else "Application"),
        resource_id=resource_id,
        tenant_domains=list(raw.get("tenantDomains") or []),
        federated_credentials=credentials,
        role_assignments=assignments,
        public_ip=network.get("publicIp") or DEFAULT_PUBLIC_IP,
        subnet_id=network.get("subnetId") or "",
        private_endpoint=bool(network.get("privateEndpoint")),
    )


def _default_version_id(vault_name, secret_name, index):
    return hashlib.md5(f"{vault_name}/{secret_name}/{index}".encode()).hexdigest()


def _parse_secret(raw, vault_name, where):
    name = raw.get("name")
    if not name or not SECRET_NAME.match(name):
        raise WorldError(f"{where}: secret name {name!r} must match ^[0-9a-zA-Z-]+$")
    raw_versions = raw.get("versions")
    if raw_versions is None:
        raw_versions = [{key: raw[key] for key in ("value", "enabled", "version", "created", "updated", "nbf", "exp") if key in raw}]
    versions = []
    for index, item in enumerate(raw_versions):
        if "value" not in item:
            raise WorldError(f"{where}: secret {name} version {index + 1} has no value")
        created = int(item.get("created") or 1767268800)
        versions.append(
            SecretVersion(
                version=str(item.get("version") or _default_version_id(vault_name, name, index)).lower(),
                value=str(item["value"]),
                enabled=bool(item.get("enabled", True)),
                content_type=item.get("contentType", raw.get("contentType")),
                created=created,
                updated=int(item.get("updated") or created),
                nbf=item.get("nbf"),
                exp=item.get("exp"),
            )
        )
    return Secret(name=name, tags=dict(raw.get("tags") or {}), versions=versions)


def _parse_vault(raw, default_tenant, where):
    name = raw.get("name")
    if not name:
        raise WorldError(f"{where}: vault without name")
    vault_id = raw.get("id") or (
        f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{DEFAULT_RESOURCE_GROUP}"
        f"/providers/Microsoft.KeyVault/vaults/{name}"
    )
    tenant = raw.get("tenantId") or default_tenant
    if not tenant:
        raise WorldError(f"{where}: vault {name} needs tenantId, because identities.json names no single tenant")
    assignments = []
    for item in raw.get("roleAssignments") or []:
        scope = item.get("scope") or vault_id
        if scope.startswith("secrets/"):
            scope = f"{vault_id}/{scope}"
        assignments.append(RoleAssignment.parse(dict(item, scope=scope), vault_id, f"{where} vault {name}"))
    vault = Vault(
        name=name,
        id=vault_id,
        tenant_id=tenant,
        location=raw.get("location") or "eastus",
        rbac=bool(raw.get("enableRbacAuthorization", False)),
        role_assignments=assignments,
        access_policies=list(raw.get("accessPolicies") or []),
        public_network_access=raw.get("publicNetworkAccess") or "Enabled",
        network_acls=dict(raw.get("networkAcls") or {}),
    )
    for item in raw.get("secrets") or []:
        secret = _parse_secret(item, name, f"{where} vault {name}")
        vault.secrets[secret.name.lower()] = secret
    return vault


def ip_rule_matches(rule_value, address):
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(rule_value, strict=False)
    except ValueError:
        return False


class AzureWorld:
    """The identities, vaults and role assignments of one case's cloud/azure/ folder."""

    def __init__(self, azure_dir):
        self.identities = [
            _parse_identity(raw, f"identities.json entry {index + 1}")
            for index, raw in enumerate(_load_list(azure_dir / "identities.json"))
        ]
        tenants = {identity.tenant_id.lower() for identity in self.identities}
        default_tenant = self.identities[0].tenant_id if len(tenants) == 1 else None
        self.vaults = {}
        for index, raw in enumerate(_load_list(azure_dir / "key-vaults.json")):
            vault = _parse_vault(raw, default_tenant, f"key-vaults.json entry {index + 1}")
            self.vaults[vault.name.lower()] = vault
        self.role_assignments = [
            RoleAssignment.parse(raw, None, f"role-assignments.json entry {index + 1}")
            for index, raw in enumerate(_load_list(azure_dir / "role-assignments.json"))
        ]
        for identity in self.identities:
            self.role_assignments.extend(identity.role_assignments)

    def tenant_exists(self, tenant):
        return any(identity.in_tenant(tenant) for identity in self.identities)

    def identity_by_client_id(self, tenant, client_id):
        return next(
            (i for i in self.identities if i.client_id.lower() == client_id.lower() and i.in_tenant(tenant)), None
        )

    def identity_by_principal(self, principal_id):
        return next((i for i in self.identities if i.principal_id.lower() == principal_id.lower()), None)

    def identity_by_resource_id(self, resource_id):
        wanted = scope_segments(resource_id)
        return next((i for i in self.identities if i.resource_id and scope_segments(i.resource_id) == wanted), None)
