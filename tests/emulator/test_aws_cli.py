"""Debian's AWS CLI (real botocore) against the emulator: signatures and responses must pass it."""

import json
import os
import subprocess
import unittest

from harness import FIXTURES, RunningEmulator, cli_env
from world import secret_access_key_for

AWS_CLI = "/usr/bin/aws"
READER = "arn:aws:iam::111122223333:role/ci/preflight-reader"


@unittest.skipUnless(os.path.exists(AWS_CLI), "Debian's awscli is not installed")
class AwsCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "basic" / "cloud").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def aws(self, *args, credentials=None):
        command = [AWS_CLI, *args, "--endpoint-url", self.emulator.endpoint,
                   "--ca-bundle", self.emulator.env["AWS_CA_BUNDLE"], "--output", "json"]
        return subprocess.run(command, env=cli_env(self.emulator, credentials), capture_output=True, text=True, timeout=60)

    def web_identity_session(self, role=READER, **options):
        extra = [item for key, value in options.items() for item in (f"--{key}", value)]
        result = self.aws("sts", "assume-role-with-web-identity", "--role-arn", role, "--role-session-name", "gha-cli",
                          "--web-identity-token", self.emulator.github_token(), *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        credentials = json.loads(result.stdout)["Credentials"]
        return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]

    def test_assume_role_with_web_identity(self):
        result = self.aws("sts", "assume-role-with-web-identity", "--role-arn", READER, "--role-session-name", "gha-cli",
                          "--web-identity-token", self.emulator.github_token(), "--duration-seconds", "900")
        self.assertEqual(result.returncode, 0, result.stderr)
        output = json.loads(result.stdout)
        self.assertEqual(output["AssumedRoleUser"]["Arn"], "arn:aws:sts::111122223333:assumed-role/preflight-reader/gha-cli")
        self.assertEqual(output["Provider"], "https://token.actions.githubusercontent.com")

    def test_assume_role_with_web_identity_denied(self):
        result = self.aws("sts", "assume-role-with-web-identity", "--role-arn", "arn:aws:iam::111122223333:role/no-trust",
                          "--role-session-name", "gha-cli", "--web-identity-token", self.emulator.github_token())
        self.assertEqual(result.returncode, 254)
        self.assertIn("(AccessDenied) when calling the AssumeRoleWithWebIdentity operation: "
                      "Not authorized to perform sts:AssumeRoleWithWebIdentity", result.stderr)

    def test_get_secret_value(self):
        result = self.aws("secretsmanager", "get-secret-value", "--secret-id", "shop/db-password",
                          credentials=self.web_identity_session())
        self.assertEqual(result.returncode, 0, result.stderr)
        output = json.loads(result.stdout)
        self.assertEqual(output["SecretString"], "canary-db-password-7f3e")
        self.assertEqual(output["VersionStages"], ["AWSCURRENT"])

    def test_get_secret_value_denied_explicitly(self):
        result = self.aws("secretsmanager", "get-secret-value", "--secret-id", "shop/forbidden",
                          credentials=self.web_identity_session())
        self.assertEqual(result.returncode, 254)
        self.assertIn("(AccessDeniedException) when calling the GetSecretValue operation: User: "
                      "arn:aws:sts::111122223333:assumed-role/preflight-reader/gha-cli is not authorized to perform: "
                      "secretsmanager:GetSecretValue on resource: shop/forbidden with an explicit deny in an "
                      "identity-based policy", result.stderr)

    def test_get_secret_value_kms_denied(self):
        result = self.aws("secretsmanager", "get-secret-value", "--secret-id", "shop/locked",
                          credentials=self.web_identity_session())
        self.assertIn("(AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed",
                      result.stderr)

    def test_get_secret_value_marked_for_deletion(self):
        result = self.aws("secretsmanager", "get-secret-value", "--secret-id", "shop/old",
                          credentials=self.web_identity_session())
        self.assertIn("(InvalidRequestException)", result.stderr)

    def test_describe_secret(self):
        result = self.aws("secretsmanager", "describe-secret", "--secret-id", "shop/stripe",
                          credentials=self.web_identity_session())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["KmsKeyId"], "alias/shop")

    def test_ssm_get_parameters_with_decryption(self):
        result = self.aws("ssm", "get-parameters", "--with-decryption", "--names", "/shop/api-token", "/shop/db-url",
                          "/shop/absent", credentials=self.web_identity_session())
        self.assertEqual(result.returncode, 0, result.stderr)
        output = json.loads(result.stdout)
        values = {p["Name"]: p["Value"] for p in output["Parameters"]}
        self.assertEqual(values["/shop/api-token"], "canary-api-token-v2-3d3d")
        self.assertEqual(output["InvalidParameters"], ["/shop/absent"])

    def test_ssm_get_parameters_kms_denied(self):
        result = self.aws("ssm", "get-parameters", "--with-decryption", "--names", "/shop/signing-key",
                          credentials=self.web_identity_session())
        self.assertEqual(result.returncode, 254)
        self.assertIn("kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/9999bbbb-2222-3333-4444-555566667777 "
                      "because no resource-based policy allows the kms:Decrypt action (Service: AWSKMS;", result.stderr)

    def test_ssm_denied_by_boundary_after_role_chaining(self):
        reader = self.web_identity_session()
        result = self.aws("sts", "assume-role", "--role-arn", "arn:aws:iam::111122223333:role/shop-api-exec",
                          "--role-session-name", "chained", credentials=reader)
        self.assertEqual(result.returncode, 0, result.stderr)
        creds = json.loads(result.stdout)["Credentials"]
        chained = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        result = self.aws("ssm", "get-parameters", "--names", "/shop/db-url", credentials=chained)
        self.assertIn("assumed-role/shop-api-exec/chained is not authorized to perform: ssm:GetParameters on resource: "
                      "arn:aws:ssm:us-east-1:111122223333:parameter/shop/db-url because no permissions boundary allows "
                      "the ssm:GetParameters action", result.stderr)

    def test_get_caller_identity_operator(self):
        env = self.emulator.env
        result = self.aws("sts", "get-caller-identity", credentials=(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], None))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["Arn"], "arn:aws:iam::111122223333:user/ci-deployer")

    def test_iam_get_role_operator(self):
        env = self.emulator.env
        result = self.aws("iam", "get-role", "--role-name", "shop-api-exec",
                          credentials=(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], None))
        self.assertEqual(result.returncode, 0, result.stderr)
        trust = json.loads(result.stdout)["Role"]["AssumeRolePolicyDocument"]
        self.assertEqual(trust["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::111122223333:role/ci/preflight-reader")

    def test_wrong_secret_key_rejected(self):
        key_id, _, token = self.web_identity_session()
        result = self.aws("secretsmanager", "get-secret-value", "--secret-id", "shop/db-password",
                          credentials=(key_id, "A" * 40, token))
        self.assertIn("(InvalidSignatureException)", result.stderr)



@unittest.skipUnless(os.path.exists(AWS_CLI), "Debian's awscli is not installed")
class AwsCliFindTest(unittest.TestCase):
    """list-secrets (paginated by the CLI) and SSM's reference path, on the `find` world.

    Debian's awscli 2.9.19 has no batch-get-secret-value command, so
    BatchGetSecretValue is held only against test_secrets_find.py.
    """

    LISTER = ("AKIAFINDLISTER000001", secret_access_key_for("AKIAFINDLISTER000001"), None)
    SSM_ONLY = ("AKIAFINDSSMONLY00001", secret_access_key_for("AKIAFINDSSMONLY00001"), None)

    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "find" / "cloud").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def aws(self, *args, credentials):
        command = [AWS_CLI, *args, "--endpoint-url", self.emulator.endpoint,
                   "--ca-bundle", self.emulator.env["AWS_CA_BUNDLE"], "--output", "json"]
        return subprocess.run(command, env=cli_env(self.emulator, credentials), capture_output=True, text=True, timeout=60)

    def test_list_secrets_with_filters_and_pages(self):
        result = self.aws("secretsmanager", "list-secrets", "--filters", "Key=tag-key,Values=team",
                          "Key=tag-value,Values=shop", "--page-size", "2", credentials=self.LISTER)
        self.assertEqual(result.returncode, 0, result.stderr)
        names = [s["Name"] for s in json.loads(result.stdout)["SecretList"]]
        self.assertEqual(names, ["team/a", "team/b", "team/locked-c"])

    def test_list_secrets_denied(self):
        result = self.aws("secretsmanager", "list-secrets", credentials=self.SSM_ONLY)
        self.assertEqual(result.returncode, 254)
        self.assertIn("(AccessDeniedException) when calling the ListSecrets operation: User: "
                      "arn:aws:iam::111122223333:user/ssm-only is not authorized to perform: secretsmanager:ListSecrets "
                      "because no identity-based policy allows the secretsmanager:ListSecrets action", result.stderr)

    def test_ssm_reference_reads_secret(self):
        result = self.aws("ssm", "get-parameters", "--with-decryption", "--names", "/aws/reference/secretsmanager/team/a",
                          credentials=self.LISTER)
        self.assertEqual(result.returncode, 0, result.stderr)
        parameter = json.loads(result.stdout)["Parameters"][0]
        self.assertEqual(parameter["Value"], "canary-find-a-1c2d")
        self.assertEqual(parameter["ARN"], "arn:aws:secretsmanager:us-east-1:111122223333:secret:team/a-AaAaAa")

    def test_ssm_reference_denied_by_secrets_manager(self):
        result = self.aws("ssm", "get-parameter", "--with-decryption", "--name", "/aws/reference/secretsmanager/team/a",
                          credentials=self.SSM_ONLY)
        self.assertEqual(result.returncode, 254)
        self.assertIn("(AccessDeniedException) when calling the GetParameter operation: User: "
                      "arn:aws:iam::111122223333:user/ssm-only is not authorized to perform: "
                      "secretsmanager:GetSecretValue on resource: team/a", result.stderr)


if __name__ == "__main__":
    unittest.main()
