import time
import unittest

import jwt

from github_oidc import GitHubOidcIssuer, TokenError

CLAIMS = {"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/shop:environment:preflight",
          "repository": "acme/shop", "repository_owner": "acme"}


class IssueAndVerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.issuer = GitHubOidcIssuer(CLAIMS)

    def test_token_has_claims_and_fresh_times(self):
        now = int(time.time())
        claims = self.issuer.verify(self.issuer.issue("sts.amazonaws.com", now=now))
        self.assertEqual(claims["sub"], CLAIMS["sub"])
        self.assertEqual(claims["aud"], "sts.amazonaws.com")
        self.assertEqual(claims["iat"], now)
        self.assertEqual(claims["exp"], now + 300)
        self.assertLess(claims["nbf"], now)
        self.assertIn("jti", claims)

    def test_header_names_key(self):
        header = jwt.get_unverified_header(self.issuer.issue("x"))
        self.assertEqual(header["alg"], "RS256")
        self.assertEqual(header["kid"], self.issuer.kid)

    def test_jwks_verifies_token(self):
        jwk = self.issuer.jwks()["keys"][0]
        key = jwt.PyJWK(jwk).key
        claims = jwt.decode(self.issuer.issue("aud-1"), key, algorithms=["RS256"], audience="aud-1")
        self.assertEqual(claims["repository"], "acme/shop")

    def test_default_audience_is_owner_url(self):
        claims = jwt.decode(self.issuer.issue(None), options={"verify_signature": False})
        self.assertEqual(claims["aud"], "https://github.com/acme")

    def test_expired_token(self):
        token = self.issuer.issue("x", now=time.time() - 1000)
        with self.assertRaises(TokenError) as caught:
            self.issuer.verify(token)
        self.assertEqual(caught.exception.reason, "expired")

    def test_token_from_other_key_rejected(self):
        other = GitHubOidcIssuer(CLAIMS)
        with self.assertRaises(TokenError) as caught:
            self.issuer.verify(other.issue("x"))
        self.assertEqual(caught.exception.reason, "key")

    def test_tampered_payload_rejected(self):
        header, payload, signature = self.issuer.issue("x").split(".")
        forged = jwt.encode({"sub": "repo:evil/x:ref:refs/heads/main"}, "k", algorithm="HS256").split(".")[1]
        with self.assertRaises(TokenError):
            self.issuer.verify(f"{header}.{forged}.{signature}")

    def test_request_token_check(self):
        self.assertTrue(self.issuer.check_request_token(f"Bearer {self.issuer.request_token}"))
        self.assertTrue(self.issuer.check_request_token(f"bearer {self.issuer.request_token}"))
        self.assertFalse(self.issuer.check_request_token("Bearer wrong"))
        self.assertFalse(self.issuer.check_request_token(None))


if __name__ == "__main__":
    unittest.main()
