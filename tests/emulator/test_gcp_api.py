"""End-to-end tests of the Google Cloud emulation against fixtures/gcp."""

import base64
import json
import unittest
import urllib.parse
import urllib.request

from gcp_api import crc32c
from harness import FIXTURES, RunningEmulator

POOL = "projects/123456789012/locations/global/workloadIdentityPools/github"
PROVIDER = f"{POOL}/providers/github-actions"
API_SA = "api@shop-prod.iam.gserviceaccount.com"
AUDITOR_SA = "auditor@shop-prod.iam.gserviceaccount.com"


class GcpTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "gcp" / "cloud").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def url(self, api, path):
        return self.emulator.env[f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.upper()}"] + path.lstrip("/")

    def call(self, api, path, method="GET", payload=None, token=None, form=None):
        headers = {}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url(api, path), data=data, headers=headers, method=method)
        status, response_headers, body = self.emulator.open(request)
        return status, response_headers, json.loads(body) if body else None

    def exchange(self, provider=PROVIDER, jwt_audience=None, form=False):
        github_jwt = self.emulator.github_token(jwt_audience or f"https://iam.googleapis.com/{provider}")
        fields = {
            "grantType": "urn:ietf:params:oauth:grant-type:token-exchange",
            "audience": f"//iam.googleapis.com/{provider}",
            "scope": "https://www.googleapis.com/auth/cloud-platform",
            "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token",
            "subjectTokenType": "urn:ietf:params:oauth:token-type:jwt",
            "subjectToken": github_jwt,
        }
        if form:
            snake = {"grantType": "grant_type", "requestedTokenType": "requested_token_type",
                     "subjectTokenType": "subject_token_type", "subjectToken": "subject_token"}
            return self.call("sts", "v1/token", "POST", form={snake.get(k, k): v for k, v in fields.items()})
        return self.call("sts", "v1/token", "POST", payload=fields)

    def federated_token(self):
        status, _, body = self.exchange()
        self.assertEqual(status, 200, body)
        return body["access_token"]

    def impersonate(self, email=API_SA, federated=None):
        return self.call(
            "iamcredentials", f"v1/projects/-/serviceAccounts/{email}:generateAccessToken", "POST",
            payload={"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "600s"},
            token=federated or self.federated_token(),
        )

    def sa_token(self, email=API_SA):
        status, _, body = self.impersonate(email)
        self.assertEqual(status, 200, body)
        return body["accessToken"]

    def assert_status_error(self, body, code, status, message=None):
        self.assertEqual(set(body), {"error"})
        self.assertEqual(body["error"]["code"], code)
        self.assertEqual(body["error"]["status"], status)
        if message is not None:
            self.assertEqual(body["error"]["message"], message)


class StsExchangeTest(GcpTestCase):
    def test_json_exchange_ok(self):
        status, _, body = self.exchange()
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token")
        self.assertEqual(body["expires_in"], 3599)
        self.assertTrue(body["access_token"])

    def test_form_exchange_ok(self):
        status, _, body = self.exchange(form=True)
        self.assertEqual(status, 200, body)
        self.assertIn("access_token", body)

    def test_double_slash_audience_accepted(self):
        status, _, body = self.exchange(jwt_audience=f"//iam.googleapis.com/{PROVIDER}")
        self.assertEqual(status, 200, body)

    def test_wrong_jwt_audience(self):
        status, _, body = self.exchange(jwt_audience="sts.amazonaws.com")
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_grant")
        self.assertIn("[sts.amazonaws.com]", body["error_description"])

    def test_allowed_audiences_replace_default(self):
        provider = f"{POOL}/providers/custom-audience"
        status, _, body = self.exchange(provider=provider)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_grant")
        status, _, body = self.exchange(provider=provider, jwt_audience="shop-ci")
        self.assertEqual(status, 200, body)

    def test_attribute_condition_fails(self):
        status, _, body = self.exchange(provider=f"{POOL}/providers/other-repo-only")
        self.assertEqual(status, 400)
        self.assertEqual(body, {"error": "unauthorized_client",
                                "error_description": "The given credential is rejected by the attribute condition."})

    def test_unknown_and_disabled_provider(self):
        for provider in (f"{POOL}/providers/missing", f"{POOL}/providers/retired"):
            status, _, body = self.exchange(provider=provider)
            self.assertEqual(status, 400)
            self.assertEqual(body["error"], "invalid_target", provider)

    def test_pool_as_audience_rejected(self):
        status, _, body = self.exchange(provider=POOL)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_request")
        self.assertTrue(body["error_description"].startswith('Invalid value for "audience".'))

    def test_tampered_jwt_rejected(self):
        github_jwt = self.emulator.github_token(f"https://iam.googleapis.com/{PROVIDER}")
        header, payload, signature = github_jwt.split(".")
        status, _, body = self.call("sts", "v1/token", "POST", payload={
            "grantType": "urn:ietf:params:oauth:grant-type:token-exchange",
            "audience": f"//iam.googleapis.com/{PROVIDER}",
            "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token",
            "subjectTokenType": "urn:ietf:params:oauth:token-type:jwt",
            "subjectToken": f"{header}.{payload}.{signature[:-4]}AAAA"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "invalid_grant")


class GenerateAccessTokenTest(GcpTestCase):
    def test_principal_set_allowed(self):
        status, _, body = self.impersonate(API_SA)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["accessToken"].startswith("ya29."))
        self.assertRegex(body["expireTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_subject_principal_allowed(self):
        status, _, body = self.impersonate(AUDITOR_SA)
        self.assertEqual(status, 200, body)

    def test_other_repository_denied(self):
        status, _, body = self.impersonate("other@shop-prod.iam.gserviceaccount.com")
        self.assertEqual(status, 403)
        self.assert_status_error(body, 403, "PERMISSION_DENIED",
                                 "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
        detail = body["error"]["details"][0]
        self.assertEqual(detail["@type"], "type.googleapis.com/google.rpc.ErrorInfo")
        self.assertEqual(detail["reason"], "IAM_PERMISSION_DENIED")
        self.assertEqual(detail["metadata"]["permission"], "iam.serviceAccounts.getAccessToken")

    def test_unknown_account_is_403(self):
        status, _, body = self.impersonate("nobody@shop-prod.iam.gserviceaccount.com")
        self.assertEqual(status, 403)
        self.assert_status_error(body, 403, "PERMISSION_DENIED")

    def test_lifetime_over_an_hour(self):
        status, _, body = self.call(
            "iamcredentials", f"v1/projects/-/serviceAccounts/{API_SA}:generateAccessToken", "POST",
            payload={"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "7200s"},
            token=self.federated_token())
        self.assertEqual(status, 400)
        self.assert_status_error(body, 400, "INVALID_ARGUMENT", "The access token lifetime cannot exceed 3600 seconds.")

    def test_missing_and_invalid_credentials(self):
        path = f"v1/projects/-/serviceAccounts/{API_SA}:generateAccessToken"
        status, headers, body = self.call("iamcredentials", path, "POST", payload={"scope": ["x"]})
        self.assertEqual(status, 401)
        self.assert_status_error(body, 401, "UNAUTHENTICATED")
        self.assertTrue(body["error"]["message"].startswith("Request is missing required authentication credential."))
        self.assertIn("WWW-Authenticate", headers)
        status, _, body = self.call("iamcredentials", path, "POST", payload={"scope": ["x"]}, token="ya29.forged")
        self.assertEqual(status, 401)
        self.assertTrue(body["error"]["message"].startswith("Request had invalid authentication credentials."))


class SecretAccessTest(GcpTestCase):
    def access(self, project, secret, version, token):
        return self.call("secretmanager", f"v1/projects/{project}/secrets/{secret}/versions/{version}:access", token=token)

    def test_access_through_project_binding(self):
        status, _, body = self.access("shop-prod", "db-password", "latest", self.sa_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(body["name"], "projects/123456789012/secrets/db-password/versions/2")
        data = base64.b64decode(body["payload"]["data"])
        self.assertEqual(data, b"canary-gcp-db-password-v2")
        self.assertEqual(body["payload"]["dataCrc32c"], str(crc32c(data)))

    def test_project_number_resolves(self):
        status, _, body = self.access("123456789012", "db-password", "2", self.sa_token())
        self.assertEqual(status, 200, body)

    def test_direct_wif_secret_binding(self):
        status, _, body = self.access("shop-prod", "direct", "1", self.federated_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(base64.b64decode(body["payload"]["data"]), b"canary-gcp-direct-v1")

    def test_federated_denied_without_binding(self):
        status, _, body = self.access("shop-prod", "db-password", "latest", self.federated_token())
        self.assertEqual(status, 403)
        self.assert_status_error(
            body, 403, "PERMISSION_DENIED",
            "Permission 'secretmanager.versions.access' denied for resource "
            "'projects/shop-prod/secrets/db-password/versions/latest' (or it may not exist).")

    def test_missing_secret_denied_without_permission(self):
        status, _, body = self.access("other-proj", "nope", "1", self.sa_token())
        self.assertEqual(status, 403)
        self.assertIn("'projects/other-proj/secrets/nope/versions/1'", body["error"]["message"])

    def test_missing_secret_not_found_when_permitted(self):
        status, _, body = self.access("shop-prod", "nope", "latest", self.sa_token())
        self.assertEqual(status, 404)
        self.assert_status_error(body, 404, "NOT_FOUND",
                                 "Secret [projects/123456789012/secrets/nope] not found or has no versions.")

    def test_secret_without_versions(self):
        status, _, body = self.access("shop-prod", "empty", "latest", self.sa_token())
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["message"], "Secret [projects/123456789012/secrets/empty] not found or has no versions.")

    def test_missing_version(self):
        status, _, body = self.access("shop-prod", "db-password", "9", self.sa_token())
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["message"], "Secret Version [projects/123456789012/secrets/db-password/versions/9] not found.")

    def test_destroyed_version(self):
        status, _, body = self.access("shop-prod", "db-password", "1", self.sa_token())
        self.assertEqual(status, 400)
        self.assert_status_error(body, 400, "FAILED_PRECONDITION",
                                 "Secret Version [projects/123456789012/secrets/db-password/versions/1] is in DESTROYED state.")

    def test_latest_disabled_fails(self):
        status, _, body = self.access("shop-prod", "rotating", "latest", self.sa_token())
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["message"],
                         "Secret Version [projects/123456789012/secrets/rotating/versions/2] is in DISABLED state.")

    def test_older_enabled_version_readable(self):
        status, _, body = self.access("shop-prod", "rotating", "1", self.sa_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(base64.b64decode(body["payload"]["data"]), b"canary-gcp-rotating-v1")


class SecretMetadataTest(GcpTestCase):
    def test_viewer_can_get_not_access(self):
        token = self.federated_token()
        status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/db-password", token=token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["name"], "projects/123456789012/secrets/db-password")
        self.assertEqual(body["labels"], {"team": "shop"})
        self.assertEqual(body["replication"], {"automatic": {}})

    def test_accessor_cannot_get(self):
        status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/db-password", token=self.sa_token())
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["message"],
                         "Permission 'secretmanager.secrets.get' denied for resource 'projects/shop-prod/secrets/db-password' (or it may not exist).")

    def test_version_metadata(self):
        status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/rotating/versions/latest",
                                    token=self.federated_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(body["state"], "DISABLED")
        self.assertEqual(body["name"], "projects/123456789012/secrets/rotating/versions/2")

    def test_secret_get_iam_policy(self):
        token = self.sa_token(AUDITOR_SA)
        for method in ("GET", "POST"):
            status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/direct:getIamPolicy", method,
                                        payload={} if method == "POST" else None, token=token)
            self.assertEqual(status, 200, body)
            self.assertEqual(body["bindings"][0]["role"], "roles/secretmanager.secretAccessor")

    def test_secret_get_iam_policy_denied(self):
        status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/direct:getIamPolicy", token=self.sa_token())
        self.assertEqual(status, 403)
        self.assertIn("'secretmanager.secrets.getIamPolicy'", body["error"]["message"])

    def test_test_iam_permissions(self):
        wanted = ["secretmanager.versions.access", "secretmanager.secrets.get"]
        status, _, body = self.call("secretmanager", "v1/projects/shop-prod/secrets/db-password:testIamPermissions", "POST",
                                    payload={"permissions": wanted}, token=self.sa_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"permissions": ["secretmanager.versions.access"]})
        status, _, body = self.call("secretmanager", "v1/projects/other-proj/secrets/locked:testIamPermissions", "POST",
                                    payload={"permissions": wanted}, token=self.sa_token())
        self.assertEqual(body, {})


class ServiceAccountPolicyTest(GcpTestCase):
    def test_reviewer_reads_gke_binding(self):
        status, _, body = self.call("iam", f"v1/projects/shop-prod/serviceAccounts/{API_SA}:getIamPolicy", "POST",
                                    payload={}, token=self.sa_token(AUDITOR_SA))
        self.assertEqual(status, 200, body)
        members = body["bindings"][0]["members"]
        self.assertIn("serviceAccount:shop-prod.svc.id.goog[shop/api]", members)

    def test_without_permission_denied(self):
        status, _, body = self.call("iam", f"v1/projects/-/serviceAccounts/{API_SA}:getIamPolicy", "POST",
                                    payload={}, token=self.sa_token())
        self.assertEqual(status, 403)
        self.assert_status_error(body, 403, "PERMISSION_DENIED",
                                 "Permission 'iam.serviceAccounts.getIamPolicy' denied on resource (or it may not exist).")


class TroubleshooterTest(GcpTestCase):
    def troubleshoot(self, principal, resource, permission, token, version="v1"):
        return self.call("policytroubleshooter", f"{version}/iam:troubleshoot", "POST", token=token, payload={
            "accessTuple": {"principal": principal, "fullResourceName": resource, "permission": permission}})

    def test_gke_principal_granted_on_sa(self):
        gke = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/shop-prod.svc.id.goog/subject/ns/shop/sa/api"
        status, _, body = self.troubleshoot(gke, f"//iam.googleapis.com/projects/shop-prod/serviceAccounts/{API_SA}",
                                            "iam.serviceAccounts.getAccessToken", self.sa_token(AUDITOR_SA))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["access"], "GRANTED")
        sa_policy = body["explainedPolicies"][1]
        self.assertEqual(sa_policy["access"], "GRANTED")
        membership = sa_policy["bindingExplanations"][0]["memberships"]["serviceAccount:shop-prod.svc.id.goog[shop/api]"]
        self.assertEqual(membership["membership"], "MEMBERSHIP_INCLUDED")

    def test_inherited_grant_and_denial(self):
        token = self.sa_token(AUDITOR_SA)
        resource = "//secretmanager.googleapis.com/projects/shop-prod/secrets/db-password"
        status, _, body = self.troubleshoot(API_SA, resource, "secretmanager.versions.access", token)
        self.assertEqual(body["access"], "GRANTED")
        self.assertEqual(body["explainedPolicies"][0]["access"], "GRANTED")
        status, _, body = self.troubleshoot("someone@example.com", resource, "secretmanager.versions.access", token)
        self.assertEqual(body["access"], "NOT_GRANTED")

    def test_v3_names(self):
        status, _, body = self.troubleshoot(API_SA, "//secretmanager.googleapis.com/projects/shop-prod/secrets/db-password",
                                            "secretmanager.versions.access", self.sa_token(AUDITOR_SA), version="v3")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["overallAccessState"], "CAN_ACCESS")
        self.assertEqual(body["allowPolicyExplanation"]["allowAccessState"], "ALLOW_ACCESS_STATE_GRANTED")

    def test_caller_without_reviewer_role(self):
        status, _, body = self.troubleshoot(API_SA, "//secretmanager.googleapis.com/projects/shop-prod/secrets/db-password",
                                            "secretmanager.versions.access", self.federated_token())
        self.assertEqual(status, 200, body)
        self.assertEqual(body["access"], "UNKNOWN_INFO_DENIED")
        self.assertNotIn("policy", body["explainedPolicies"][0])

    def test_missing_permission_field(self):
        status, _, body = self.call("policytroubleshooter", "v1/iam:troubleshoot", "POST", token=self.sa_token(AUDITOR_SA),
                                    payload={"accessTuple": {"principal": API_SA, "fullResourceName": "//iam.googleapis.com/projects/shop-prod"}})
        self.assertEqual(status, 400)
        self.assert_status_error(body, 400, "INVALID_ARGUMENT")


class RequestLogTest(GcpTestCase):
    def test_tokens_redacted(self):
        federated = self.federated_token()
        self.call("secretmanager", "v1/projects/shop-prod/secrets/direct/versions/1:access", token=federated)
        log_text = self.emulator.request_log.read_text()
        self.assertNotIn(federated, log_text)
        entries = [json.loads(line) for line in log_text.splitlines()]
        sts = [entry for entry in entries if entry["path"] == "/_gcp/sts/v1/token"]
        self.assertTrue(sts)
        self.assertEqual(json.loads(sts[0]["body"])["subjectToken"], "<redacted>")
        for entry in entries:
            if entry["path"].startswith("/_gcp/"):
                for name, value in entry["headers"]:
                    if name.lower() == "authorization":
                        self.assertEqual(value, "<redacted>")


if __name__ == "__main__":
    unittest.main()
