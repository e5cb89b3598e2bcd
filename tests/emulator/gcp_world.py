"""Load a case's cloud/gcp/ folder: projects, service accounts, pool providers and secrets.

The formats are described under "Google Cloud" in README.md next to this file.
"""

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import gcp_cel
from world import WorldError

PROVIDER_NAME = re.compile(
    r"^projects/(?P<number>\d+)/locations/global/workloadIdentityPools/(?P<pool>[^/]+)/providers/(?P<provider>[^/]+)$"
)
SECRET_NAME = re.compile(r"^projects/(?P<project>[^/]+)/secrets/(?P<secret>[A-Za-z0-9_-]{1,255})$")
SA_DOMAIN = ".iam.gserviceaccount.com"
DEFAULT_MAPPING = {"google.subject": "assertion.sub"}


@dataclass
class Project:
    project_id: str
    number: str
    bindings: list


@dataclass
class ServiceAccount:
    email: str
    project_id: str
    bindings: list
    unique_id: str
    disabled: bool = False


@dataclass
class Provider:
    name: str
    project_number: str
    pool: str
    issuer_uri: str
    allowed_audiences: list
    mapping: dict  # target attribute -> (source text, compiled expression)
    condition_text: str = None
    condition: tuple = None
    disabled: bool = False

    @property
    def pool_name(self):
        return f"projects/{self.project_number}/locations/global/workloadIdentityPools/{self.pool}"


@dataclass
class SecretVersion:
    number: int
    state: str
    data: bytes
    create_time: str = None


@dataclass
class Secret:
    project_number: str
    secret_id: str
    bindings: list
    versions: dict  # number -> SecretVersion
    raw: dict = field(default_factory=dict)

    @property
    def name(self):
        return f"projects/{self.project_number}/secrets/{self.secret_id}"

    @property
    def latest_number(self):
        return max(self.versions) if self.versions else None


def _read_list(path, *wrapper_keys):
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise WorldError(f"{path}: invalid JSON: {error}") from error
    if isinstance(data, dict):
        for key in wrapper_keys:
            if key in data:
                data = data[key]
                break
    if not isinstance(data, list):
        raise WorldError(f"{path}: expected a JSON list")
    return data


def _bindings(entry, where):
    """Return the binding list of an entry's `iamPolicy` or top-level `bindings`."""
    policy = entry.get("iamPolicy")
    if policy is None:
        bindings = entry.get("bindings") or []
    elif isinstance(policy, list):
        bindings = policy
    else:
        bindings = policy.get("bindings") or []
    for binding in bindings:
        if not isinstance(binding, dict) or "role" not in binding or not isinstance(binding.get("members", []), list):
            raise WorldError(f"{where}: each binding needs \"role\" and a \"members\" list")
    return bindings


def _payload_bytes(value, where):
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dict) and "data" in value:
        try:
            return base64.b64decode(value["data"], validate=True)
        except ValueError as error:
            raise WorldError(f"{where}: payload.data is not valid base64") from error
    raise WorldError(f"{where}: payload must be a string or {{\"data\": \"<base64>\"}}")


class GcpWorld:
    """Everything cloud/gcp/ defines, indexed by project id and number."""

    def __init__(self, gcp_dir):
        self.gcp_dir = Path(gcp_dir)
        self.projects = self._load_projects(self.gcp_dir / "projects.json")
        self.service_accounts = self._load_service_accounts(self.gcp_dir / "service-accounts.json")
        self.providers = self._load_providers(self.gcp_dir / "workload-identity-pools.json")
        self.secrets = self._load_secrets(self.gcp_dir / "secrets.json")

    def project(self, id_or_number):
        """Return the project with this id or number, or None."""
        for project in self.projects:
            if id_or_number in (project.project_id, project.number):
                return project
        return None

    def service_account(self, email):
        return self.service_accounts.get(email.lower())

    def provider(self, name):
        return self.providers.get(name)

    def secret(self, project_number, secret_id):
        return self.secrets.get((project_number, secret_id))

    def _load_projects(self, path):
        projects = []
        for index, entry in enumerate(_read_list(path, "projects")):
            where = f"{path} entry {index}"
            project_id = entry.get("projectId")
            number = str(entry.get("projectNumber", ""))
            if not project_id or not number.isdigit():
                raise WorldError(f"{where}: \"projectId\" and a numeric \"projectNumber\" are required")
            projects.append(Project(project_id, number, _bindings(entry, where)))
        return projects

    def _load_service_accounts(self, path):
        accounts = {}
        for index, entry in enumerate(_read_list(path, "accounts", "serviceAccounts")):
            where = f"{path} entry {index}"
            email = entry.get("email")
            if not email or "@" not in email:
                raise WorldError(f"{where}: \"email\" is required")
            project_id = entry.get("projectId")
            if not project_id and email.endswith(SA_DOMAIN):
                project_id = email.split("@", 1)[1][: -len(SA_DOMAIN)]
            if self.project(project_id or "") is None:
                raise WorldError(f"{where}: project {project_id!r} of {email} is not in projects.json")
            unique_id = str(entry.get("uniqueId") or int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**21)
            accounts[email.lower()] = ServiceAccount(
                email, self.project(project_id).project_id, _bindings(entry, where), unique_id, bool(entry.get("disabled"))
            )
        return accounts

    def _load_providers(self, path):
        providers = {}
        for index, entry in enumerate(_read_list(path, "workloadIdentityPoolProviders", "providers")):
            where = f"{path} entry {index}"
            name = entry.get("name") or ""
            match = PROVIDER_NAME.match(name)
            if not match:
                raise WorldError(
                    f"{where}: \"name\" must be projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>"
                )
            oidc = entry.get("oidc") or {}
            issuer_uri = entry.get("issuerUri") or oidc.get("issuerUri")
            if not issuer_uri:
                raise WorldError(f"{where}: \"issuerUri\" is required")
            mapping_texts = entry.get("attributeMapping") or DEFAULT_MAPPING
            if "google.subject" not in mapping_texts:
                raise WorldError(f"{where}: attributeMapping must map \"google.subject\"")
            try:
                mapping = {target: (text, gcp_cel.compile_expression(text)) for target, text in mapping_texts.items()}
                condition_text = entry.get("attributeCondition") or None
                condition = gcp_cel.compile_expression(condition_text) if condition_text else None
            except gcp_cel.CelError as error:
                raise WorldError(f"{where}: {error}") from error
            disabled = bool(entry.get("disabled")) or entry.get("state", "ACTIVE") != "ACTIVE"
            providers[name] = Provider(
                name,
                match.group("number"),
                match.group("pool"),
                issuer_uri,
                list(entry.get("allowedAudiences") or oidc.get("allowedAudiences") or []),
                mapping,
                condition_text,
                condition,
                disabled,
            )
        return providers

    def _load_secrets(self, path):
        secrets = {}
        for index, entry in enumerate(_read_list(path, "secrets")):
            where = f"{path} entry {index}"
            match = SECRET_NAME.match(entry.get("name") or "")
            project = self.project(match.group("project")) if match else None
            if project is None:
                raise WorldError(f"{where}: \"name\" must be projects/<id or number in projects.json>/secrets/<secret id>")
            versions = {}
            for version_entry in entry.get("versions") or []:
                version_where = f"{where} version {version_entry.get('name')!r}"
                number_text = str(version_entry.get("name", "")).rsplit("/", 1)[-1]
                if not number_text.isdigit() or int(number_text) < 1:
                    raise WorldError(f"{version_where}: \"name\" must be a version number or a full version name")
                state = version_entry.get("state", "ENABLED")
                if state not in ("ENABLED", "DISABLED", "DESTROYED"):
                    raise WorldError(f"{version_where}: \"state\" must be ENABLED, DISABLED or DESTROYED")
                data = _payload_bytes(version_entry.get("payload"), version_where)
                versions[int(number_text)] = SecretVersion(int(number_text), state, data, version_entry.get("createTime"))
            secret = Secret(project.number, match.group("secret"), _bindings(entry, where), versions, entry)
            secrets[(project.number, secret.secret_id)] = secret
        return secrets

    def canary_values(self):
        """Return every payload as text, for tests that scan output for leaks."""
        values = []
        for secret in self.secrets.values():
            for version in secret.versions.values():
                if version.data:
                    values.append(version.data.decode("utf-8", errors="replace"))
        return values
