"""GitHub Actions' OIDC token issuer: token endpoint, discovery document and JWKS.

Tokens carry the case's claims with GitHub's issuer URL, but are signed by a
key generated per emulator run, so only relying parties that fetch this
emulator's JWKS (the emulated STS here) can verify them.
"""

import json
import secrets
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TOKEN_LIFETIME_SECONDS = 300
# GitHub's own tokens have nbf 600 s before iat, which tolerates runner clock skew.
NOT_BEFORE_SKEW_SECONDS = 600


class TokenError(Exception):
    """A JWT that fails verification; `reason` says which check failed."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


class GitHubOidcIssuer:
    def __init__(self, claims):
        self.claims = dict(claims)
        self.issuer = self.claims["iss"]
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(16)
        self.request_token = secrets.token_urlsafe(32)

    def jwks(self):
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def openid_configuration(self, base_url):
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{base_url}/.well-known/jwks",
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": sorted(set(self.claims) | {"aud", "exp", "iat", "nbf", "jti"}),
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    def default_audience(self):
        owner = self.claims.get("repository_owner") or str(self.claims.get("repository", "")).split("/")[0]
        return f"https://github.com/{owner}"

    def issue(self, audience=None, now=None, lifetime=TOKEN_LIFETIME_SECONDS):
        """Return a signed JWT with the case's claims and fresh time claims."""
        now = int(now if now is not None else time.time())
        payload = dict(self.claims)
        payload.update(
            {
                "aud": audience or self.default_audience(),
                "iat": now,
                "nbf": now - NOT_BEFORE_SKEW_SECONDS,
                "exp": now + lifetime,
                "jti": str(uuid.uuid4()),
            }
        )
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def check_request_token(self, authorization_header):
        if not authorization_header:
            return False
        scheme, _, value = authorization_header.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(value.strip(), self.request_token)

    def verify(self, token, now=None):
        """Verify signature and time claims; return the claims.

        Audience and issuer are left to the caller, because STS checks them
        against its OIDC provider entries and reports each with its own error.
        """
        now = now if now is not None else time.time()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise TokenError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)") from error
        if header.get("alg") not in ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512"):
            raise TokenError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
        if header.get("kid") != self.kid:
            raise TokenError(
                "key",
                "Couldn't retrieve verification key from your identity provider, "
                "please reference AssumeRoleWithWebIdentity documentation for requirements",
            )
        try:
            claims = jwt.decode(
                token,
                self.key.public_key(),
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError as error:
            raise TokenError("signature", "The web identity token signature could not be verified.") from error
        except jwt.InvalidTokenError as error:
            raise TokenError("malformed", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)") from error
        if "exp" in claims and now >= claims["exp"]:
            raise TokenError(
                "expired",
                f"Token expired: current date/time {int(now)} must be before the expiration date/time{int(claims['exp'])}",
            )
        if "nbf" in claims and now < claims["nbf"]:
            raise TokenError("not-yet-valid", "The web identity token is not yet valid.")
        return claims
