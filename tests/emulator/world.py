"""Load a case's cloud/ folder into the objects the emulator serves.

The file formats are described in README.md next to this file. Loading is
lenient about the wrappers AWS's list calls add, and strict about fields the
emulator cannot do without (a role's Arn, a secret's ARN), so a broken case
fails at start-up with the file and field named.
"""

import base64
import datetime
import hashlib
import json
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import faults

DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"
DEFAULT_REGION = "us-east-1"
AWS_MANAGED_ALIASES = {"alias/aws/secretsmanager", "alias/aws/ssm"}


class WorldError(Exception):
    """A case file that cannot be loaded."""


def load_document(value, where):
    """Return a policy document as a dict from an object, JSON text or URL-encoded JSON text."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, urllib.parse.unquote(value)):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict):
                return parsed
    raise WorldError(f"{where}: not a policy document (expected a JSON object or JSON text)")


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise WorldError(f"{path}: invalid JSON: {error}") from error


def _unwrap_list(data, *wrapper_keys):
    if isinstance(data, dict):
        for key in wrapper_keys:
            if key in data:
                return data[key]
    return data


def _tags(items):
    """Convert `[{"Key", "Value"}]` (or a plain object) into a dict."""
    if isinstance(items, dict):
        return dict(items)
    return {item["Key"]: item.get("Value", "") for item in items or []}


def parse_timestamp(value):
    """Return epoch seconds from an epoch number or an ISO-8601 string, or None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def parse_arn(arn):
    """Split an ARN into (partition, service, region, account, resource)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn}")
    return parts[1], parts[2], parts[3], parts[4], parts[5]


def stable_id(prefix, text):
    """Derive a 21-character IAM-style unique id (AROA..., AIDA...) from text."""
    digest = hashlib.sha256(text.encode()).digest()
    body = base64.b32encode(digest).decode()[: 21 - len(prefix)]
    return prefix + body


@dataclass
class Account:
    alias: str
    account_id: str
    scps: list  # list of (name, document); None means FullAWSAccess only
    organization_id: str = None


@dataclass
class Principal:
    """An IAM role or user as the case defines it."""

    kind: str  # "role" or "user"
    arn: str
    name: str
    path: str
    unique_id: str
    account_id: str
    policies: list  # list of (name, document)
    boundary: dict = None
    boundary_arn: str = None
    trust_policy: dict = None
    max_session_duration: int = 3600
    tags: dict = field(default_factory=dict)
    access_key_id: str = None
    secret_access_key: str = None
    raw: dict = field(default_factory=dict)


@dataclass
class OidcProvider:
    arn: str
    url: str  # without scheme, as IAM stores it
    client_ids: list
    account_id: str


@dataclass
class SecretVersion:
    version_id: str
    stages: list
    secret_string: str = None
    secret_binary: str = None  # base64 text
    created_date: float = None


@dataclass
class Secret:
    arn: str
    name: str
    region: str
    account_id: str
    kms_key_id: str
    resource_policy: dict
    deleted_date: float
    versions: list
    tags: dict
    raw: dict

    @property
    def partial_arn(self):
        return self.arn[:-7]


@dataclass
class ParameterVersion:
    version: int
    value: str
    labels: list


@dataclass
class Parameter:
    name: str
    arn: str
    region: str
    account_id: str
    type: str
    key_id: str
    versions: list  # ParameterVersion, any order
    tags: dict
    last_modified: float
    data_type: str = "text"

    def latest(self):
        return max(self.versions, key=lambda v: v.version)


@dataclass
class KmsKey:
    key_id: str
    arn: str
    aliases: list
    key_manager: str
    key_state: str
    policy: dict
    region: str
    account_id: str


@dataclass
class VpcEndpoint:
    endpoint_id: str
    vpc_id: str
    service: str
    principals: list
    policy: dict


def secret_access_key_for(access_key_id):
    """Derive an operator user's secret key when the case does not give one."""
    return hashlib.sha256(f"secret-preflight-emulator:{access_key_id}".encode()).hexdigest()[:40]


class World:
    """Everything the case's cloud/ folder defines, indexed for lookups."""

    def __init__(self, cloud_dir):
        self.cloud_dir = Path(cloud_dir)
        if not self.cloud_dir.is_dir():
            raise WorldError(f"{self.cloud_dir}: not a folder")
        self.ci = self._load_ci()
        self.region = self.ci.get("env", {}).get("AWS_REGION") or DEFAULT_REGION
        aws = self.cloud_dir / "aws"
        self.accounts = self._load_accounts(aws / "accounts.json")
        self.oidc_providers = self._load_oidc_providers(aws / "oidc-providers.json")
        self.roles = self._load_principals(aws / "roles", "role")
        self.users = self._load_principals(aws / "users", "user")
        self.kms_keys = self._load_kms(aws / "kms.json")
        self.secrets = self._load_secrets(aws / "secrets.json")
        self.parameters = self._load_parameters(aws / "parameters.json")
        self.vpc_endpoints = self._load_vpc_endpoints(aws / "vpc-endpoints.json")
        self.faults = self._load_faults(self.cloud_dir / "faults.json")

    # ci.json

    def _load_ci(self):
        path = self.cloud_dir / "ci.json"
        if not path.exists():
            return {"token_claims": {}}
        data = _read_json(path)
        data.setdefault("token_claims", {})
        return data

    @property
    def token_claims(self):
        claims = dict(self.ci.get("token_claims", {}))
        claims.setdefault("iss", DEFAULT_ISSUER)
        return claims

    @property
    def operator_user_arn(self):
        return ((self.ci.get("operator") or {}).get("aws") or {}).get("user")

    # accounts.json

    def _load_accounts(self, path):
        accounts = {}
        if not path.exists():
            return accounts
        data = _unwrap_list(_read_json(path), "Accounts")
        items = data.items() if isinstance(data, dict) else ((a.get("Name") or a.get("Alias"), a) for a in data)
        for alias, entry in items:
            account_id = str(entry.get("Id") or entry.get("AccountId") or "")
            if not account_id:
                raise WorldError(f"{path}: account {alias!r} has no Id")
            scps = None
            raw_scps = entry.get("ServiceControlPolicies", entry.get("SCPs"))
            if raw_scps is not None:
                scps = []
                for index, scp in enumerate(raw_scps):
                    where = f"{path}: account {alias} SCP {index}"
                    if isinstance(scp, dict) and ("Content" in scp or "PolicyDocument" in scp):
                        name = scp.get("Name") or (scp.get("PolicySummary") or {}).get("Name") or f"scp-{index}"
                        scps.append((name, load_document(scp.get("Content", scp.get("PolicyDocument")), where)))
                    else:
                        scps.append((f"scp-{index}", load_document(scp, where)))
            accounts[account_id] = Account(alias, account_id, scps, entry.get("OrganizationId"))
        return accounts

    def scps_for(self, account_id):
        account = self.accounts.get(account_id)
        return account.scps if account else None

    def organization_of(self, account_id):
        account = self.accounts.get(account_id)
        return account.organization_id if account else None

    @property
    def default_account(self):
        if self.accounts:
            return next(iter(self.accounts))
        for role in self.roles.values():
            return role.account_id
        return "111122223333"

    # oidc-providers.json

    def _load_oidc_providers(self, path):
        providers = []
        if not path.exists():
            return providers
        data = _unwrap_list(_read_json(path), "OpenIDConnectProviderList", "OpenIDConnectProviders")
        for entry in data:
            arn = entry.get("Arn")
            if not arn:
                raise WorldError(f"{path}: provider without Arn")
            url = entry.get("Url") or arn.split(":oidc-provider/", 1)[-1]
            url = url.removeprefix("https://").rstrip("/")
            providers.append(OidcProvider(arn, url, list(entry.get("ClientIDList", [])), parse_arn(arn)[3]))
        return providers

    def oidc_provider_for(self, account_id, issuer):
        host = issuer.removeprefix("https://").rstrip("/")
        for provider in self.oidc_providers:
            if provider.account_id == account_id and provider.url == host:
                return provider
        return None

    # roles/ and users/

    def _load_principals(self, folder, kind):
        principals = {}
        if not folder.is_dir():
            return principals
        for path in sorted(folder.glob("*.json")):
            entry = _read_json(path)
            entry = entry.get("Role", entry.get("User", entry))
            arn = entry.get("Arn")
            if not arn:
                raise WorldError(f"{path}: missing Arn")
            _, _, _, account_id, resource = parse_arn(arn)
            resource_path = resource.split("/", 1)[1] if "/" in resource else resource
            name = entry.get("RoleName" if kind == "role" else "UserName") or resource_path.rsplit("/", 1)[-1]
            iam_path = "/" + resource_path[: -len(name)] if resource_path.endswith(name) else "/"
            iam_path = iam_path if iam_path.endswith("/") else iam_path + "/"
            policies = []
            for index, policy in enumerate(entry.get("Policies", [])):
                where = f"{path}: Policies[{index}]"
                policy_name = policy.get("PolicyName") or policy.get("PolicyArn") or f"policy-{index}"
                document = load_document(policy.get("PolicyDocument", policy.get("Document")), where)
                if document is None:
                    raise WorldError(f"{where}: missing PolicyDocument")
                policies.append((policy_name, document))
            boundary = entry.get("PermissionsBoundary")
            boundary_arn = None
            if isinstance(boundary, dict) and "PolicyDocument" in boundary:
                boundary_arn = boundary.get("PermissionsBoundaryArn")
                boundary = boundary["PolicyDocument"]
            boundary = load_document(boundary, f"{path}: PermissionsBoundary")
            access_key_id = entry.get("AccessKeyId")
            secret = entry.get("SecretAccessKey") or (secret_access_key_for(access_key_id) if access_key_id else None)
            principal = Principal(
                kind=kind,
                arn=arn,
                name=name,
                path=iam_path,
                unique_id=entry.get("RoleId") or entry.get("UserId") or stable_id("AROA" if kind == "role" else "AIDA", arn),
                account_id=account_id,
                policies=policies,
                boundary=boundary,
                boundary_arn=boundary_arn,
                trust_policy=load_document(entry.get("AssumeRolePolicyDocument"), f"{path}: AssumeRolePolicyDocument"),
                max_session_duration=int(entry.get("MaxSessionDuration", 3600)),
                tags=_tags(entry.get("Tags")),
                access_key_id=access_key_id,
                secret_access_key=secret,
                raw=entry,
            )
            principals[arn] = principal
        return principals

    def role_by_arn(self, arn):
        role = self.roles.get(arn)
        if role:
            return role
        # A role ARN may be written without its path; IAM resolves by name.
        try:
            _, _, _, account_id, resource = parse_arn(arn)
        except ValueError:
            return None
        name = resource.rsplit("/", 1)[-1]
        for candidate in self.roles.values():
            if candidate.account_id == account_id and candidate.name == name and resource.startswith("role/"):
                return candidate if resource == f"role/{name}" else None
        return None

    def role_by_name(self, account_id, name):
        for role in self.roles.values():
            if role.account_id == account_id and role.name == name:
                return role
        return None

    def user_by_arn(self, arn):
        return self.users.get(arn)

    # kms.json

    def _load_kms(self, path):
        keys = []
        if not path.exists():
            return keys
        for index, entry in enumerate(_unwrap_list(_read_json(path), "Keys", "KeyMetadata")):
            arn = entry.get("Arn")
            if not arn:
                raise WorldError(f"{path}: key {index} has no Arn")
            _, _, region, account_id, resource = parse_arn(arn)
            aliases = [a["AliasName"] if isinstance(a, dict) else a for a in entry.get("Aliases", [])]
            keys.append(
                KmsKey(
                    key_id=entry.get("KeyId") or resource.split("/", 1)[-1],
                    arn=arn,
                    aliases=aliases,
                    key_manager=entry.get("KeyManager", "CUSTOMER"),
                    key_state=entry.get("KeyState", "Enabled"),
                    policy=load_document(entry.get("KeyPolicy", entry.get("Policy")), f"{path}: key {index} KeyPolicy"),
                    region=region,
                    account_id=account_id,
                )
            )
        return keys

    def find_kms_key(self, reference, region, account_id):
        """Find a key by id, key ARN, alias name or alias ARN, as KMS resolves them."""
        if reference.startswith("arn:"):
            _, _, region, account_id, resource = parse_arn(reference)
            reference = resource if resource.startswith("alias/") else resource.split("/", 1)[-1]
        for key in self.kms_keys:
            if key.region != region or key.account_id != account_id:
                continue
            if reference == key.key_id or reference in key.aliases:
                return key
        return None

    # secrets.json

    def _load_secrets(self, path):
        secrets = []
        if not path.exists():
            return secrets
        for index, entry in enumerate(_unwrap_list(_read_json(path), "SecretList", "Secrets")):
            where = f"{path}: secret {index}"
            arn = entry.get("ARN")
            if not arn:
                raise WorldError(f"{where}: missing ARN")
            _, _, region, account_id, resource = parse_arn(arn)
            full_name = resource.split(":", 1)[-1]
            name = entry.get("Name") or full_name[:-7]
            stages_by_version = entry.get("VersionIdsToStages") or {
                str(uuid.uuid5(uuid.NAMESPACE_URL, arn)): ["AWSCURRENT"]
            }
            other_values = entry.get("Versions") or {}
            created = parse_timestamp(entry.get("CreatedDate")) or 1767225600.0
            versions = []
            for version_id, stages in stages_by_version.items():
                values = other_values.get(version_id) or entry
                versions.append(
                    SecretVersion(
                        version_id=version_id,
                        stages=list(stages),
                        secret_string=values.get("SecretString"),
                        secret_binary=values.get("SecretBinary"),
                        created_date=parse_timestamp(values.get("CreatedDate")) or created,
                    )
                )
            secrets.append(
                Secret(
                    arn=arn,
                    name=name,
                    region=region,
                    account_id=account_id,
                    kms_key_id=entry.get("KmsKeyId"),
                    resource_policy=load_document(entry.get("ResourcePolicy"), f"{where}: ResourcePolicy"),
                    deleted_date=parse_timestamp(entry.get("DeletedDate")),
                    versions=versions,
                    tags=_tags(entry.get("Tags")),
                    raw=entry,
                )
            )
        return secrets

    # parameters.json

    def _load_parameters(self, path):
        parameters = []
        if not path.exists():
            return parameters
        for index, entry in enumerate(_unwrap_list(_read_json(path), "Parameters")):
            name = entry.get("Name")
            if not name:
                raise WorldError(f"{path}: parameter {index} has no Name")
            arn = entry.get("ARN") or f"arn:aws:ssm:{self.region}:{self.default_account}:parameter/{name.lstrip('/')}"
            _, _, region, account_id, _ = parse_arn(arn)
            versions = [ParameterVersion(int(entry.get("Version", 1)), entry.get("Value", ""), list(entry.get("Labels", [])))]
            for old in entry.get("History", []):
                versions.append(ParameterVersion(int(old["Version"]), old.get("Value", ""), list(old.get("Labels", []))))
            parameters.append(
                Parameter(
                    name=name,
                    arn=arn,
                    region=region,
                    account_id=account_id,
                    type=entry.get("Type", "String"),
                    key_id=entry.get("KeyId"),
                    versions=versions,
                    tags=_tags(entry.get("Tags")),
                    last_modified=parse_timestamp(entry.get("LastModifiedDate")) or 1767225600.0,
                    data_type=entry.get("DataType", "text"),
                )
            )
        return parameters

    # vpc-endpoints.json

    def _load_vpc_endpoints(self, path):
        endpoints = []
        if not path.exists():
            return endpoints
        for index, entry in enumerate(_unwrap_list(_read_json(path), "VpcEndpoints")):
            service = entry.get("ServiceName", "").rsplit(".", 1)[-1]
            endpoints.append(
                VpcEndpoint(
                    endpoint_id=entry["VpcEndpointId"],
                    vpc_id=entry.get("VpcId", ""),
                    service=service,
                    principals=list(entry.get("Principals", [])),
                    policy=load_document(entry.get("PolicyDocument"), f"{path}: endpoint {index} PolicyDocument")
                    or {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
                )
            )
        return endpoints

    def vpc_endpoint_for(self, service, principal_arns):
        for endpoint in self.vpc_endpoints:
            if endpoint.service == service and any(arn in endpoint.principals for arn in principal_arns):
                return endpoint
        return None

    # faults.json

    def _load_faults(self, path):
        if not path.exists():
            return []
        data = _read_json(path)
        if not isinstance(data, list):
            raise WorldError(f"{path}: expected a list of fault rules")
        for index, rule in enumerate(data):
            try:
                faults.validate_rule(index, rule)
            except faults.FaultRuleError as error:
                raise WorldError(f"{path}: {error}") from error
        return data

    # secret values, for tests that scan for leaks

    def canary_values(self):
        values = []
        for secret in self.secrets:
            for version in secret.versions:
                values.extend(v for v in (version.secret_string, version.secret_binary) if v)
        for parameter in self.parameters:
            if parameter.type == "SecureString":
                values.extend(v.value for v in parameter.versions if v.value)
        return values
