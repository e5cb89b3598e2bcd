"""The running emulator over HTTPS: token endpoint, STS web identity, SigV4 errors, request log."""

import json
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ElementTree

from harness import FIXTURES, RunningEmulator

READER = "arn:aws:iam::111122223333:role/ci/preflight-reader"
NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}


def xml_error(body):
    root = ElementTree.fromstring(body)
    return root.findtext("sts:Error/sts:Code", namespaces=NS), root.findtext("sts:Error/sts:Message", namespaces=NS)


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "basic" / "cloud").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def web_identity(self, token=None, role=READER, **extra):
        params = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role,
                  "RoleSessionName": "gha-1", "WebIdentityToken": token or self.emulator.github_token()}
        params.update(extra)
        return self.emulator.post_form(params)

    def session(self, **extra):
        status, _, body = self.web_identity(**extra)
        self.assertEqual(status, 200, body)
        root = ElementTree.fromstring(body)
        creds = root.find("sts:AssumeRoleWithWebIdentityResult/sts:Credentials", NS)
        return tuple(creds.findtext(f"sts:{name}", namespaces=NS) for name in ("AccessKeyId", "SecretAccessKey", "SessionToken"))

    def get_secret(self, credentials, secret_id):
        status, headers, body = self.emulator.post_json(
            "secretsmanager.GetSecretValue", {"SecretId": secret_id}, credentials, "secretsmanager")
        return status, headers, json.loads(body)

    # GitHub token endpoint

    def test_token_endpoint_rejects_missing_bearer(self):
        request = urllib.request.Request(self.emulator.env["ACTIONS_ID_TOKEN_REQUEST_URL"])
        status, _, _ = self.emulator.open(request)
        self.assertEqual(status, 401)

    def test_jwks_and_discovery_served(self):
        status, _, body = self.emulator.open(urllib.request.Request(self.emulator.endpoint + "/.well-known/openid-configuration"))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["issuer"], "https://token.actions.githubusercontent.com")
        status, _, body = self.emulator.open(urllib.request.Request(self.emulator.endpoint + "/.well-known/jwks"))
        self.assertEqual(json.loads(body)["keys"][0]["kty"], "RSA")

    # AssumeRoleWithWebIdentity

    def test_web_identity_success_shape(self):
        status, headers, body = self.web_identity()
        self.assertEqual(status, 200)
        root = ElementTree.fromstring(body)
        result = root.find("sts:AssumeRoleWithWebIdentityResult", NS)
        self.assertEqual(result.findtext("sts:AssumedRoleUser/sts:Arn", namespaces=NS),
                         "arn:aws:sts::111122223333:assumed-role/preflight-reader/gha-1")
        self.assertEqual(result.findtext("sts:SubjectFromWebIdentityToken", namespaces=NS), "repo:acme/shop:environment:preflight")
        self.assertEqual(result.findtext("sts:Audience", namespaces=NS), "sts.amazonaws.com")
        self.assertTrue(result.findtext("sts:Credentials/sts:AccessKeyId", namespaces=NS).startswith("ASIA"))
        self.assertIsNotNone(root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=NS))

    def test_web_identity_wrong_audience(self):
        status, _, body = self.web_identity(token=self.emulator.github_token("api://AzureADTokenExchange"))
        self.assertEqual(status, 400)
        self.assertEqual(xml_error(body), ("InvalidIdentityToken", "Incorrect token audience"))

    def test_web_identity_no_provider_in_account(self):
        status, _, body = self.web_identity(role="arn:aws:iam::444455556666:role/anything")
        self.assertEqual(status, 400)
        self.assertEqual(xml_error(body), (
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com"))

    def test_web_identity_trust_denied(self):
        status, _, body = self.web_identity(role="arn:aws:iam::111122223333:role/no-trust")
        self.assertEqual(status, 403)
        self.assertEqual(xml_error(body), ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))

    def test_web_identity_duration_above_role_max(self):
        status, _, body = self.web_identity(DurationSeconds="7200")
        self.assertEqual(status, 400)
        self.assertEqual(xml_error(body)[0], "ValidationError")

    def test_web_identity_bad_session_name(self):
        status, _, body = self.web_identity(RoleSessionName="bad name")
        self.assertEqual(status, 400)
        self.assertIn("roleSessionName", xml_error(body)[1])

    def test_session_policy_narrows_session(self):
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]}
        credentials = self.session(Policy=json.dumps(policy))
        status, _, body = self.get_secret(credentials, "shop/db-password")
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertTrue(body["Message"].endswith("because no session policy allows the secretsmanager:GetSecretValue action"))

    # Signed requests

    def test_secret_read_and_request_id(self):
        status, headers, body = self.get_secret(self.session(), "shop/db-password")
        self.assertEqual(status, 200)
        self.assertEqual(body["SecretString"], "canary-db-password-7f3e")
        self.assertTrue(headers["x-amzn-RequestId"])

    def test_version_stage_selection(self):
        status, _, body = self.emulator.post_json(
            "secretsmanager.GetSecretValue", {"SecretId": "shop/db-password", "VersionStage": "AWSPREVIOUS"},
            self.session(), "secretsmanager")
        self.assertEqual(json.loads(body)["SecretString"], "canary-db-password-old-19ab")

    def test_partial_arn_lookup(self):
        status, _, body = self.get_secret(self.session(), "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/db-password")
        self.assertEqual(status, 200)
        self.assertEqual(body["Name"], "shop/db-password")

    def test_missing_secret_denied_before_not_found(self):
        status, _, body = self.get_secret(self.session(), "other/missing")
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertIn("on resource: other/missing because no identity-based policy", body["Message"])
        status, _, body = self.get_secret(self.session(), "shop/missing")
        self.assertEqual(body, {"__type": "ResourceNotFoundException", "Message": "Secrets Manager can't find the specified secret."})

    def test_describe_deleted_secret(self):
        status, _, body = self.emulator.post_json(
            "secretsmanager.DescribeSecret", {"SecretId": "shop/old"}, self.session(), "secretsmanager")
        self.assertEqual(status, 200)
        self.assertIn("DeletedDate", json.loads(body))

    def test_ssm_get_parameter_version_selector(self):
        status, _, body = self.emulator.post_json(
            "AmazonSSM.GetParameter", {"Name": "/shop/api-token:1", "WithDecryption": True}, self.session(), "ssm")
        parameter = json.loads(body)["Parameter"]
        self.assertEqual(parameter["Value"], "canary-api-token-v1-4e4e")
        self.assertEqual(parameter["Selector"], ":1")

    def test_ssm_secure_string_without_decryption_hides_value(self):
        status, _, body = self.emulator.post_json(
            "AmazonSSM.GetParameter", {"Name": "/shop/api-token"}, self.session(), "ssm")
        self.assertNotIn(b"canary", body)

    def test_ssm_parameter_not_found(self):
        status, _, body = self.emulator.post_json("AmazonSSM.GetParameter", {"Name": "/shop/nope"}, self.session(), "ssm")
        self.assertEqual((status, json.loads(body)["__type"]), (400, "ParameterNotFound"))

    def test_iam_get_role_trust_policy_url_encoded(self):
        params = {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "shop-api-exec"}
        status, _, body = self.emulator.post_form(params, self.session(), service="iam")
        self.assertEqual(status, 200, body)
        self.assertIn(b"%22Statement%22", body)

    def test_iam_get_role_unknown(self):
        params = {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "nope"}
        status, _, body = self.emulator.post_form(params, self.session(), service="iam")
        self.assertEqual(status, 404)
        self.assertIn(b"<Code>NoSuchEntity</Code>", body)

    def test_wrong_secret_key(self):
        key_id, _, token = self.session()
        status, _, body = self.get_secret((key_id, "x" * 40, token), "shop/db-password")
        self.assertEqual((status, body["__type"]), (400, "InvalidSignatureException"))
        status, _, body = self.emulator.post_form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, (key_id, "x" * 40, token))
        self.assertEqual((status, xml_error(body)[0]), (403, "SignatureDoesNotMatch"))

    def test_unknown_access_key(self):
        status, _, body = self.get_secret(("ASIANOTISSUEDBYUS01", "x" * 40, "t"), "shop/db-password")
        self.assertEqual((status, body["__type"]), (400, "UnrecognizedClientException"))
        status, _, body = self.emulator.post_form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, ("AKIANOPE", "x", None))
        self.assertEqual((status, xml_error(body)[0]), (403, "InvalidClientTokenId"))

    def test_chained_session_over_one_hour(self):
        params = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::111122223333:role/shop-api-exec",
                  "RoleSessionName": "chain", "DurationSeconds": "7200"}
        status, _, body = self.emulator.post_form(params, self.session())
        self.assertEqual(xml_error(body), ("ValidationError",
                         "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."))

    def test_request_log_records_requests(self):
        self.get_secret(self.session(), "shop/db-password")
        lines = self.emulator.request_log.read_text().splitlines()
        entry = json.loads(lines[-1])
        self.assertEqual(entry["method"], "POST")
        self.assertIn("shop/db-password", entry["body"])


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "faults" / "cloud").__enter__()
        operator = cls.emulator.env
        cls.operator = (operator["AWS_ACCESS_KEY_ID"], operator["AWS_SECRET_ACCESS_KEY"], None)

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def test_throttle_first_then_normal(self):
        codes = []
        for _ in range(3):
            status, _, body = self.emulator.post_json(
                "secretsmanager.GetSecretValue", {"SecretId": "shop/db-password"}, self.operator, "secretsmanager")
            codes.append((status, json.loads(body)["__type"]))
        self.assertEqual(codes[0], (400, "ThrottlingException"))
        self.assertEqual(codes[1], (400, "ThrottlingException"))
        self.assertEqual(codes[2], (400, "AccessDeniedException"))

    def test_status_fault(self):
        status, _, body = self.emulator.post_json(
            "secretsmanager.DescribeSecret", {"SecretId": "shop/db-password"}, self.operator, "secretsmanager")
        self.assertEqual((status, json.loads(body)["__type"]), (503, "InternalServiceError"))

    def test_retry_after_on_429(self):
        status, headers, _ = self.emulator.post_json("AmazonSSM.GetParameter", {"Name": "/shop/db-url"}, self.operator, "ssm")
        self.assertEqual(status, 429)
        self.assertEqual(headers["Retry-After"], "3")

    def test_reset_connection(self):
        with self.assertRaises((ConnectionError, OSError)):
            self.emulator.post_json("AmazonSSM.GetParameters", {"Names": ["/shop/db-url"]}, self.operator, "ssm")

    def test_throttle_always_on_query_service(self):
        started = time.time()
        for _ in range(3):
            status, _, body = self.emulator.post_form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, self.operator)
            self.assertEqual(status, 400)
            self.assertEqual(xml_error(body), ("Throttling", "Rate exceeded"))
        self.assertGreaterEqual(time.time() - started, 0.6)

    def test_query_status_fault(self):
        params = {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "shop-api-exec"}
        status, _, body = self.emulator.post_form(params, self.operator, service="iam")
        self.assertEqual(status, 500)
        self.assertIn(b"<Code>InternalFailure</Code>", body)


if __name__ == "__main__":
    unittest.main()
