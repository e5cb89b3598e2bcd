"""Entra ID token exchange, Key Vault GetSecret and the ARM credential list (fixtures/azure)."""

import json
import time
import unittest
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from harness import FIXTURES, RunningEmulator

TENANT = "11111111-2222-3333-4444-555555555555"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
VAULT_SCOPE = "https://vault.azure.net/.default"
ARM_SCOPE = "https://management.azure.com/.default"
GITHUB_AUDIENCE = "api://AzureADTokenExchange"

SHOP_CI = "c0000000-0000-0000-0000-000000000001"
SUBJECT_CASE = "c0000000-0000-0000-0000-000000000002"
OTHER_AUDIENCE = "c0000000-0000-0000-0000-000000000003"
OTHER_ISSUER = "c0000000-0000-0000-0000-000000000004"
OWNER = "c0000000-0000-0000-0000-000000000005"
POLICY_READER = "c0000000-0000-0000-0000-000000000006"
OUTSIDE = "c0000000-0000-0000-0000-000000000007"
API_KEY_ONLY = "c0000000-0000-0000-0000-000000000008"
OTHER_SUBJECT = "c0000000-0000-0000-0000-00000000000a"
SHOP_API_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/shop/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shop-api"
)


class AzureTestCase(unittest.TestCase):
    fixture = "azure"

    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / cls.fixture / "cloud").__enter__()
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def request_token(self, client_id, scope=VAULT_SCOPE, assertion=None, tenant=TENANT, **overrides):
        form = {
            "client_id": client_id,
            "scope": scope,
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion or self.emulator.github_token(GITHUB_AUDIENCE),
        }
        form.update(overrides)
        form = {name: value for name, value in form.items() if value is not None}
        url = f"{self.emulator.env['AZURE_AUTHORITY_HOST']}{tenant}/oauth2/v2.0/token"
        request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        status, headers, body = self.emulator.open(request)
        return status, headers, json.loads(body)

    def access_token(self, client_id, scope=VAULT_SCOPE):
        key = (client_id, scope)
        if key not in self.tokens:
            status, _, body = self.request_token(client_id, scope)
            self.assertEqual(status, 200, body)
            self.tokens[key] = body["access_token"]
        return self.tokens[key]

    def get_secret(self, vault, path, client_id=None, token=None, query="api-version=7.4"):
        url = self.emulator.env["SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE"].replace("{vault}", vault) + f"/secrets/{path}?{query}"
        headers = {}
        if client_id:
            token = self.access_token(client_id)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, response_headers, body = self.emulator.open(urllib.request.Request(url, headers=headers))
        return status, response_headers, json.loads(body)

    def list_credentials(self, identity_id, client_id=None, query="api-version=2023-01-31"):
        url = self.emulator.env["SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL"] + identity_id.lstrip("/") + f"/federatedIdentityCredentials?{query}"
        headers = {}
        if client_id:
            headers["Authorization"] = "Bearer " + self.access_token(client_id, ARM_SCOPE)
        status, _, body = self.emulator.open(urllib.request.Request(url, headers=headers))
        return status, json.loads(body)

    def assert_aad_error(self, response, status, error, code):
        actual_status, _, body = response
        self.assertEqual(actual_status, status, body)
        self.assertEqual(body["error"], error)
        self.assertEqual(body["error_codes"], [code])
        self.assertTrue(body["error_description"].startswith(f"AADSTS{code}: "), body["error_description"])
        self.assertIn("Trace ID: ", body["error_description"])
        self.assertIn("trace_id", body)
        self.assertIn("correlation_id", body)
        return body["error_description"]

    def assert_forbidden(self, response, inner):
        status, _, body = response
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "Forbidden")
        self.assertEqual(body["error"]["innererror"]["code"], inner)
        return body["error"]["message"]


class EntraTokenTest(AzureTestCase):
    def test_federated_match_issues_token(self):
        status, _, body = self.request_token(SHOP_CI)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3599)
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        self.assertEqual(claims["oid"], "90000000-0000-0000-0000-000000000001")
        self.assertEqual(claims["tid"], TENANT)
        self.assertEqual(claims["appid"], SHOP_CI)
        self.assertEqual(claims["aud"], "https://vault.azure.net")

    def test_tenant_domain_accepted(self):
        status, _, body = self.request_token(SHOP_CI, tenant="acme.onmicrosoft.com")
        self.assertEqual(status, 200, body)

    def test_subject_case_mismatch(self):
        description = self.assert_aad_error(self.request_token(SUBJECT_CASE), 401, "invalid_client", 7002138)
        self.assertIn("case-insensitive comparison", description)

    def test_subject_mismatch(self):
        description = self.assert_aad_error(self.request_token(OTHER_SUBJECT), 401, "invalid_client", 700213)
        self.assertIn("presented assertion subject 'repo:acme/shop:environment:preflight'", description)

    def test_audience_mismatch(self):
        description = self.assert_aad_error(self.request_token(OTHER_AUDIENCE), 400, "invalid_request", 70021)
        self.assertIn("Assertion Audience: 'api://AzureADTokenExchange'", description)

    def test_github_audience_not_listed(self):
        assertion = self.emulator.github_token("sts.amazonaws.com")
        self.assert_aad_error(self.request_token(SHOP_CI, assertion=assertion), 400, "invalid_request", 70021)

    def test_issuer_mismatch(self):
        description = self.assert_aad_error(self.request_token(OTHER_ISSUER), 401, "invalid_client", 700211)
        self.assertIn("'https://token.actions.githubusercontent.com'", description)

    def test_unknown_client(self):
        description = self.assert_aad_error(
            self.request_token("c0000000-0000-0000-0000-0000000000ff"), 400, "unauthorized_client", 700016
        )
        self.assertIn("c0000000-0000-0000-0000-0000000000ff", description)

    def test_unknown_tenant(self):
        self.assert_aad_error(self.request_token(SHOP_CI, tenant="99999999-0000-0000-0000-000000000000"),
                              400, "invalid_request", 90002)

    def test_malformed_assertion(self):
        self.assert_aad_error(self.request_token(SHOP_CI, assertion="not-a-jwt"), 400, "invalid_request", 50027)

    def test_foreign_signature(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        claims = {"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/shop:environment:preflight",
                  "aud": GITHUB_AUDIENCE, "exp": int(time.time()) + 300}
        foreign = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "foreign"})
        self.assert_aad_error(self.request_token(SHOP_CI, assertion=foreign), 401, "invalid_client", 700027)

    def test_missing_assertion(self):
        self.assert_aad_error(self.request_token(SHOP_CI, client_assertion=None), 401, "invalid_client", 7000218)

    def test_scope_without_default(self):
        self.assert_aad_error(self.request_token(SHOP_CI, scope="https://vault.azure.net"), 400, "invalid_scope", 1002012)

    def test_request_log_redacted(self):
        self.request_token(SHOP_CI)
        self.get_secret("shop-kv", "api-key", SHOP_CI)
        log = self.emulator.request_log.read_text()
        self.assertIn("client_assertion=<redacted>", log)
        self.assertNotIn("eyJ", log)


class KeyVaultTest(AzureTestCase):
    def test_challenge_without_token(self):
        status, headers, body = self.get_secret("shop-kv", "db-password")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "Unauthorized")
        self.assertEqual(body["error"]["message"], "AKV10000: Request is missing a Bearer or PoP token.")
        self.assertEqual(
            headers["WWW-Authenticate"],
            f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", resource="https://vault.azure.net"',
        )

    def test_invalid_token(self):
        status, _, body = self.get_secret("shop-kv", "db-password", token="garbage")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "Unauthorized")

    def test_management_token_rejected(self):
        status, _, body = self.get_secret("shop-kv", "db-password", token=self.access_token(SHOP_CI, ARM_SCOPE))
        self.assertEqual(status, 401)
        self.assertIn("AKV10022", body["error"]["message"])

    def test_rbac_allowed_current_version(self):
        status, headers, body = self.get_secret("shop-kv", "db-password", SHOP_CI)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-db-current")
        self.assertEqual(body["id"], "https://shop-kv.vault.azure.net/secrets/db-password/4387e9f3d6e14c459867679a90fd0f79")
        self.assertTrue(body["attributes"]["enabled"])
        self.assertEqual(body["contentType"], "text/plain")
        self.assertEqual(body["tags"], {"team": "shop"})
        self.assertIn("x-ms-request-id", headers)

    def test_trailing_slash_is_current(self):
        status, _, body = self.get_secret("shop-kv", "db-password/", SHOP_CI)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-db-current")

    def test_specific_version(self):
        status, _, body = self.get_secret("shop-kv", "db-password/4387e9f3d6e14c459867679a90fd0f79", SHOP_CI, query="api%2Dversion=7.5")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-db-current")

    def test_disabled_version(self):
        message = self.assert_forbidden(self.get_secret("shop-kv", "db-password/0f2c6e8a1b3d4f5a6b7c8d9e0f1a2b3c", SHOP_CI),
                                        "SecretDisabled")
        self.assertEqual(message, "Operation get is not allowed on a disabled secret.")

    def test_disabled_secret(self):
        self.assert_forbidden(self.get_secret("shop-kv", "retired-key", SHOP_CI), "SecretDisabled")

    def test_secret_not_found(self):
        status, _, body = self.get_secret("shop-kv", "missing", SHOP_CI)
        self.assertEqual(status, 404, body)
        self.assertEqual(body["error"]["code"], "SecretNotFound")
        self.assertIn("A secret with (name/id) missing was not found in this key vault.", body["error"]["message"])

    def test_version_not_found(self):
        status, _, body = self.get_secret("shop-kv", "db-password/00000000000000000000000000000000", SHOP_CI)
        self.assertEqual(status, 404, body)
        self.assertEqual(body["error"]["code"], "SecretNotFound")

    def test_rbac_denied_without_role(self):
        message = self.assert_forbidden(self.get_secret("shop-kv", "db-password", POLICY_READER), "ForbiddenByRbac")
        self.assertIn("Caller: appid=c0000000-0000-0000-0000-000000000006;oid=90000000-0000-0000-0000-000000000006;", message)
        self.assertIn("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'", message)
        self.assertIn("/resourcegroups/shop/providers/microsoft.keyvault/vaults/shop-kv/secrets/db-password'", message)
        self.assertIn("DecisionReason: 'DeniedWithNoValidRBAC'", message)

    def test_authorization_before_existence(self):
        self.assert_forbidden(self.get_secret("shop-kv", "missing", POLICY_READER), "ForbiddenByRbac")

    def test_owner_cannot_read(self):
        self.assert_forbidden(self.get_secret("shop-kv", "db-password", OWNER), "ForbiddenByRbac")

    def test_secret_scope_assignment(self):
        status, _, body = self.get_secret("shop-kv", "api-key", API_KEY_ONLY)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-api-key")
        self.assert_forbidden(self.get_secret("shop-kv", "db-password", API_KEY_ONLY), "ForbiddenByRbac")

    def test_access_policy_allowed(self):
        status, _, body = self.get_secret("legacy-kv", "smtp-password", POLICY_READER)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-smtp")

    def test_access_policy_without_get(self):
        message = self.assert_forbidden(self.get_secret("legacy-kv", "smtp-password", API_KEY_ONLY), "AccessDenied")
        self.assertIn("does not have secrets get permission on key vault 'legacy-kv;location=eastus'", message)

    def test_rbac_role_ignored_on_policy_vault(self):
        self.assert_forbidden(self.get_secret("legacy-kv", "smtp-password", SHOP_CI), "AccessDenied")

    def test_policy_ignored_on_rbac_vault(self):
        self.assert_forbidden(self.get_secret("shop-kv", "api-key", POLICY_READER), "ForbiddenByRbac")

    def test_firewall_allows_listed_address(self):
        status, _, body = self.get_secret("fenced-kv", "signing-key", SHOP_CI)
        self.assertEqual(status, 200, body)

    def test_firewall_denies_other_address(self):
        message = self.assert_forbidden(self.get_secret("fenced-kv", "signing-key", OUTSIDE), "ForbiddenByFirewall")
        self.assertIn("Client address: 198.51.100.7", message)

    def test_public_access_disabled(self):
        self.assert_forbidden(self.get_secret("private-kv", "token", SHOP_CI), "ForbiddenByConnection")

    def test_missing_api_version(self):
        status, _, body = self.get_secret("shop-kv", "api-key", SHOP_CI, query="")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["code"], "BadParameter")


class FederatedCredentialListTest(AzureTestCase):
    def test_reader_lists_credentials(self):
        status, body = self.list_credentials(SHOP_API_ID, SHOP_CI)
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["value"]), 1)
        credential = body["value"][0]
        self.assertEqual(credential["name"], "aks-shop-api")
        self.assertEqual(credential["properties"]["subject"], "system:serviceaccount:shop:api")
        self.assertEqual(credential["properties"]["audiences"], [GITHUB_AUDIENCE])
        self.assertEqual(credential["properties"]["issuer"],
                         "https://oidc.prod-aks.azure.com/11111111-2222-3333-4444-555555555555/abc/")

    def test_subscription_owner_lists_credentials(self):
        status, body = self.list_credentials(SHOP_API_ID, OWNER)
        self.assertEqual(status, 200, body)

    def test_data_role_cannot_list(self):
        status, body = self.list_credentials(SHOP_API_ID, OUTSIDE)
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "AuthorizationFailed")

    def test_missing_identity(self):
        status, body = self.list_credentials(SHOP_API_ID.replace("shop-api", "gone"), OWNER)
        self.assertEqual(status, 404, body)
        self.assertEqual(body["error"]["code"], "ResourceNotFound")

    def test_vault_token_rejected(self):
        url = self.emulator.env["SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL"] + SHOP_API_ID.lstrip("/") + "/federatedIdentityCredentials?api-version=2023-01-31"
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + self.access_token(SHOP_CI)})
        status, _, body = self.emulator.open(request)
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["error"]["code"], "InvalidAuthenticationTokenAudience")

    def test_missing_token(self):
        status, body = self.list_credentials(SHOP_API_ID)
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "AuthenticationFailed")


if __name__ == "__main__":
    unittest.main()
