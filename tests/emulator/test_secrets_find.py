"""ListSecrets, BatchGetSecretValue and SSM's /aws/reference/secretsmanager/ path on the running emulator."""

import json
import unittest

from harness import FIXTURES, RunningEmulator
from world import secret_access_key_for

ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:111122223333:secret:"
REFERENCE = "/aws/reference/secretsmanager/"


def user(access_key_id):
    return access_key_id, secret_access_key_for(access_key_id), None


LISTER = user("AKIAFINDLISTER000001")
SSM_ONLY = user("AKIAFINDSSMONLY00001")
NO_LIST = user("AKIAFINDNOLIST000001")


class SecretsFindTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = RunningEmulator(FIXTURES / "find" / "cloud").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emulator.__exit__(None, None, None)

    def secretsmanager(self, operation, payload, credentials=LISTER):
        status, _, body = self.emulator.post_json(f"secretsmanager.{operation}", payload, credentials, "secretsmanager")
        return status, json.loads(body)

    def ssm(self, operation, payload, credentials=LISTER):
        status, _, body = self.emulator.post_json(f"AmazonSSM.{operation}", payload, credentials, "ssm")
        return status, json.loads(body)

    # ListSecrets

    def test_list_by_name_prefix_skips_deleted(self):
        status, body = self.secretsmanager("ListSecrets", {"Filters": [{"Key": "name", "Values": ["team/"]}]})
        self.assertEqual(status, 200, body)
        self.assertEqual([s["Name"] for s in body["SecretList"]], ["team/a", "team/b", "team/locked-c"])
        self.assertNotIn("NextToken", body)

    def test_list_entries_carry_no_value(self):
        _, body = self.secretsmanager("ListSecrets", {})
        text = json.dumps(body)
        self.assertNotIn("canary-find", text)
        self.assertEqual(body["SecretList"][0]["ARN"], ARN_PREFIX + "other/d-DdDdDd")

    def test_list_includes_deleted_on_request(self):
        _, body = self.secretsmanager("ListSecrets", {"IncludePlannedDeletion": True,
                                                      "Filters": [{"Key": "name", "Values": ["team/g"]}]})
        self.assertEqual([s["Name"] for s in body["SecretList"]], ["team/gone"])
        self.assertIn("DeletedDate", body["SecretList"][0])

    def test_list_by_tag_key_and_value(self):
        filters = [{"Key": "tag-key", "Values": ["team"]}, {"Key": "tag-value", "Values": ["ops"]}]
        _, body = self.secretsmanager("ListSecrets", {"Filters": filters})
        self.assertEqual([s["Name"] for s in body["SecretList"]], ["other/d"])

    def test_list_negated_and_case_rules(self):
        _, body = self.secretsmanager("ListSecrets", {"Filters": [{"Key": "name", "Values": ["!team/"]}]})
        self.assertEqual([s["Name"] for s in body["SecretList"]], ["other/d"])
        _, body = self.secretsmanager("ListSecrets", {"Filters": [{"Key": "name", "Values": ["TEAM/"]}]})
        self.assertEqual(body["SecretList"], [])
        _, body = self.secretsmanager("ListSecrets", {"Filters": [{"Key": "description", "Values": ["ops tool"]}]})
        self.assertEqual([s["Name"] for s in body["SecretList"]], ["other/d"])

    def test_list_pages(self):
        _, first = self.secretsmanager("ListSecrets", {"MaxResults": 2})
        self.assertEqual(len(first["SecretList"]), 2)
        _, second = self.secretsmanager("ListSecrets", {"MaxResults": 2, "NextToken": first["NextToken"]})
        self.assertEqual([s["Name"] for s in second["SecretList"]], ["team/b", "team/locked-c"])
        self.assertNotIn("NextToken", second)

    def test_list_rejects_unknown_filter_key(self):
        status, body = self.secretsmanager("ListSecrets", {"Filters": [{"Key": "owner", "Values": ["x"]}]})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")

    def test_list_denied_names_no_resource(self):
        status, body = self.secretsmanager("ListSecrets", {}, credentials=SSM_ONLY)
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertEqual(body["Message"],
                         "User: arn:aws:iam::111122223333:user/ssm-only is not authorized to perform: "
                         "secretsmanager:ListSecrets because no identity-based policy allows the "
                         "secretsmanager:ListSecrets action")

    # BatchGetSecretValue

    def test_batch_by_filter_reports_denied_secret_in_errors(self):
        status, body = self.secretsmanager("BatchGetSecretValue", {"Filters": [{"Key": "tag-value", "Values": ["shop"]}]})
        self.assertEqual(status, 200, body)
        self.assertEqual([v["Name"] for v in body["SecretValues"]], ["team/a", "team/b"])
        self.assertEqual(body["SecretValues"][1]["SecretString"], "canary-find-b-3e4f")
        self.assertEqual(len(body["Errors"]), 1)
        error = body["Errors"][0]
        self.assertEqual(error["SecretId"], ARN_PREFIX + "team/locked-c-CcCcCc")
        self.assertEqual(error["ErrorCode"], "AccessDeniedException")
        self.assertTrue(error["Message"].endswith("with an explicit deny in an identity-based policy"))

    def test_batch_by_filter_needs_list_secrets(self):
        status, body = self.secretsmanager("BatchGetSecretValue", {"Filters": [{"Key": "name", "Values": ["team/"]}]},
                                           credentials=NO_LIST)
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertIn("perform: secretsmanager:ListSecrets because", body["Message"])

    def test_batch_needs_batch_permission(self):
        status, body = self.secretsmanager("BatchGetSecretValue", {"SecretIdList": ["team/a"]}, credentials=SSM_ONLY)
        self.assertEqual(status, 400)
        self.assertIn("perform: secretsmanager:BatchGetSecretValue because", body["Message"])

    def test_batch_by_ids_without_list_permission(self):
        status, body = self.secretsmanager("BatchGetSecretValue", {"SecretIdList": ["other/d", "team/missing"]},
                                           credentials=NO_LIST)
        self.assertEqual(status, 200, body)
        self.assertEqual([v["Name"] for v in body["SecretValues"]], ["other/d"])
        self.assertEqual(body["Errors"], [{"SecretId": "team/missing", "ErrorCode": "ResourceNotFoundException",
                                           "Message": "Secrets Manager can't find the specified secret."}])

    def test_batch_by_ids_deleted_secret(self):
        _, body = self.secretsmanager("BatchGetSecretValue", {"SecretIdList": ["team/gone"]})
        self.assertEqual(body["Errors"][0]["ErrorCode"], "InvalidRequestException")

    def test_batch_requires_ids_or_filters_not_both(self):
        for payload in ({}, {"SecretIdList": ["team/a"], "Filters": [{"Key": "name", "Values": ["team/"]}]}):
            status, body = self.secretsmanager("BatchGetSecretValue", payload)
            self.assertEqual(status, 400)
            self.assertEqual(body["__type"], "InvalidParameterException")

    def test_batch_pages_by_twenty_or_less(self):
        _, first = self.secretsmanager("BatchGetSecretValue", {"Filters": [{"Key": "name", "Values": ["team/"]}],
                                                               "MaxResults": 2})
        self.assertEqual(len(first["SecretValues"]) + len(first["Errors"]), 2)
        self.assertIn("NextToken", first)
        status, body = self.secretsmanager("BatchGetSecretValue", {"Filters": [{"Key": "name", "Values": ["team/"]}],
                                                                   "MaxResults": 21})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")

    # SSM /aws/reference/secretsmanager/

    def test_reference_returns_secret_as_parameter(self):
        status, body = self.ssm("GetParameters", {"Names": [REFERENCE + "team/a"], "WithDecryption": True})
        self.assertEqual(status, 200, body)
        parameter = body["Parameters"][0]
        self.assertEqual(parameter["Value"], "canary-find-a-1c2d")
        self.assertEqual(parameter["Type"], "SecureString")
        self.assertEqual(parameter["ARN"], ARN_PREFIX + "team/a-AaAaAa")
        self.assertEqual(parameter["Version"], 0)
        self.assertEqual(json.loads(parameter["SourceResult"])["Name"], "team/a")
        self.assertEqual(body["InvalidParameters"], [])

    def test_reference_selects_staging_label(self):
        status, body = self.ssm("GetParameter", {"Name": REFERENCE + "team/b:AWSPREVIOUS", "WithDecryption": True})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["Parameter"]["Value"], "canary-find-b-previous-5a6b")
        self.assertEqual(body["Parameter"]["Selector"], ":AWSPREVIOUS")

    def test_reference_needs_get_secret_value(self):
        status, body = self.ssm("GetParameters", {"Names": [REFERENCE + "team/a"], "WithDecryption": True},
                                credentials=SSM_ONLY)
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "AccessDeniedException")
        self.assertTrue(body["Message"].startswith(
            "User: arn:aws:iam::111122223333:user/ssm-only is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: team/a because no identity-based policy allows"))
        self.assertIn("(Service: AWSSecretsManager; Status Code: 400; Error Code: AccessDeniedException;", body["Message"])

    def test_reference_needs_ssm_permission_on_the_path(self):
        status, body = self.secretsmanager("GetSecretValue", {"SecretId": "team/a"}, credentials=NO_LIST)
        self.assertEqual(status, 200)
        status, body = self.ssm("GetParameters", {"Names": [REFERENCE + "team/a"], "WithDecryption": True},
                                credentials=NO_LIST)
        self.assertEqual(status, 400)
        self.assertIn("perform: ssm:GetParameters on resource: "
                      "arn:aws:ssm:us-east-1:111122223333:parameter/aws/reference/secretsmanager/team/a", body["Message"])

    def test_reference_denied_by_explicit_deny(self):
        status, body = self.ssm("GetParameter", {"Name": REFERENCE + "team/locked-c", "WithDecryption": True})
        self.assertEqual(status, 400)
        self.assertIn("with an explicit deny in an identity-based policy", body["Message"])

    def test_reference_to_missing_secret(self):
        status, body = self.ssm("GetParameters", {"Names": [REFERENCE + "team/missing"], "WithDecryption": True})
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"Parameters": [], "InvalidParameters": [REFERENCE + "team/missing"]})
        status, body = self.ssm("GetParameter", {"Name": REFERENCE + "team/missing", "WithDecryption": True})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ParameterNotFound")

    def test_reference_without_decryption(self):
        status, body = self.ssm("GetParameters", {"Names": [REFERENCE + "team/a"]})
        self.assertEqual(status, 400)
        self.assertEqual(body["Message"], "WithDecryption flag must be True for retrieving a Secret Manager secret.")

    def test_reference_with_two_selectors(self):
        status, body = self.ssm("GetParameter", {"Name": REFERENCE + "team/a:x:y", "WithDecryption": True})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")


if __name__ == "__main__":
    unittest.main()
