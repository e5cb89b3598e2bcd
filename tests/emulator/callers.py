"""Credentials the emulator issued, and the caller each one authenticates.

A caller is either an STS session of a role (from AssumeRoleWithWebIdentity or
AssumeRole) or an IAM user with a long-term access key (the operator). Only
these credentials pass SigV4 verification.
"""

import datetime
import secrets
import string
import threading
import time
from dataclasses import dataclass

from policy import PrincipalRef

_KEY_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class Caller:
    kind: str  # "assumed-role" or "user"
    entity: object  # world.Principal (the role or the user)
    access_key_id: str
    secret_access_key: str
    session_token: str = None
    session_name: str = None
    session_policy: dict = None
    expiration: float = None  # epoch seconds; None for long-term keys
    issued_at: float = None
    federated_provider: str = None  # OIDC provider ARN for web-identity sessions
    chained: bool = False  # created by AssumeRole from another session

    @property
    def account_id(self):
        return self.entity.account_id

    @property
    def arn(self):
        """The ARN AWS puts in `User: ...` messages and GetCallerIdentity."""
        if self.kind == "assumed-role":
            return f"arn:aws:sts::{self.account_id}:assumed-role/{self.entity.name}/{self.session_name}"
        return self.entity.arn

    @property
    def user_id(self):
        if self.kind == "assumed-role":
            return f"{self.entity.unique_id}:{self.session_name}"
        return self.entity.unique_id

    def principal_ref(self):
        if self.kind == "assumed-role":
            return PrincipalRef(self.account_id, role_arn=self.entity.arn, exact_arns=(self.arn,))
        return PrincipalRef(self.account_id, exact_arns=(self.entity.arn,))

    def context_keys(self, world, region, source_ip, vpc_endpoint=None):
        """Return the global condition keys of a request made by this caller."""
        now = time.time()
        keys = {
            "aws:principalarn": [self.entity.arn],
            "aws:principalaccount": [self.account_id],
            "aws:principaltype": ["AssumedRole" if self.kind == "assumed-role" else "User"],
            "aws:userid": [self.user_id],
            "aws:securetransport": ["true"],
            "aws:currenttime": [datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")],
            "aws:epochtime": [str(int(now))],
            "aws:requestedregion": [region],
            "aws:principalisawsservice": ["false"],
            "aws:viaawsservice": ["false"],
            "aws:multifactorauthpresent": ["false"],
        }
        if self.kind == "user":
            keys["aws:username"] = [self.entity.name]
        if self.issued_at:
            keys["aws:tokenissuetime"] = [
                datetime.datetime.fromtimestamp(self.issued_at, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            ]
        if self.federated_provider:
            keys["aws:federatedprovider"] = [self.federated_provider]
        for tag_key, tag_value in self.entity.tags.items():
            keys[f"aws:principaltag/{tag_key.lower()}"] = [tag_value]
        organization = world.organization_of(self.account_id)
        if organization:
            keys["aws:principalorgid"] = [organization]
        if vpc_endpoint:
            keys["aws:sourcevpce"] = [vpc_endpoint.endpoint_id]
            if vpc_endpoint.vpc_id:
                keys["aws:sourcevpc"] = [vpc_endpoint.vpc_id]
        else:
            keys["aws:sourceip"] = [source_ip]
        return keys


def new_access_key_id(prefix="ASIA"):
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret_access_key():
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def new_session_token():
    return "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(180)


class CredentialStore:
    """Thread-safe map from access key id to the caller it authenticates."""

    def __init__(self, world):
        self._lock = threading.Lock()
        self._callers = {}
        for user in world.users.values():
            if user.access_key_id:
                self._callers[user.access_key_id] = Caller(
                    kind="user",
                    entity=user,
                    access_key_id=user.access_key_id,
                    secret_access_key=user.secret_access_key,
                )

    def issue_session(self, role, session_name, duration_seconds, session_policy=None, federated_provider=None, chained=False):
        now = time.time()
        caller = Caller(
            kind="assumed-role",
            entity=role,
            access_key_id=new_access_key_id(),
            secret_access_key=new_secret_access_key(),
            session_token=new_session_token(),
            session_name=session_name,
            session_policy=session_policy,
            expiration=now + duration_seconds,
            issued_at=now,
            federated_provider=federated_provider,
            chained=chained,
        )
        with self._lock:
            self._callers[caller.access_key_id] = caller
        return caller

    def get(self, access_key_id):
        with self._lock:
            return self._callers.get(access_key_id)

    def secret_for(self, access_key_id):
        caller = self.get(access_key_id)
        return caller.secret_access_key if caller else None
