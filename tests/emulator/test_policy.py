import unittest

import policy
from policy import PrincipalRef, Request

ROLE_ARN = "arn:aws:iam::111122223333:role/app"
SESSION_ARN = "arn:aws:sts::111122223333:assumed-role/app/s1"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/db-AbC123"


def request(action="secretsmanager:GetSecretValue", resource=SECRET_ARN, **keys):
    lowered = {k.lower(): v if isinstance(v, list) else [v] for k, v in keys.items()}
    return Request(action, resource, lowered, PrincipalRef("111122223333", ROLE_ARN, (SESSION_ARN,)))


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**extra):
    statement = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    statement.update(extra)
    return statement


class StatementMatchTest(unittest.TestCase):
    def test_action_wildcard_case_insensitive(self):
        outcome = policy.evaluate(doc(allow(Action="SecretsManager:Get*")), request())
        self.assertTrue(outcome.allowed)

    def test_resource_question_marks(self):
        outcome = policy.evaluate(doc(allow(Resource="arn:aws:secretsmanager:*:*:secret:shop/db-??????")), request())
        self.assertTrue(outcome.allowed)

    def test_resource_question_marks_reject_partial_arn(self):
        outcome = policy.evaluate(
            doc(allow(Resource="arn:aws:secretsmanager:*:*:secret:shop/db-??????")),
            request(resource="arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/db"),
        )
        self.assertFalse(outcome.allowed)

    def test_not_action(self):
        statement = {"Effect": "Deny", "NotAction": "kms:*", "Resource": "*"}
        self.assertTrue(policy.evaluate(doc(statement), request()).denied)
        self.assertFalse(policy.evaluate(doc(statement), request(action="kms:Decrypt")).denied)

    def test_not_resource(self):
        statement = {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:secretsmanager:*:*:secret:other*"}
        self.assertTrue(policy.evaluate(doc(statement), request()).allowed)

    def test_policy_variable_in_resource(self):
        statement = allow(Resource="arn:aws:secretsmanager:*:*:secret:${aws:PrincipalTag/team}/*")
        self.assertTrue(policy.evaluate(doc(statement), request(**{"aws:PrincipalTag/team": "shop"})).allowed)
        self.assertFalse(policy.evaluate(doc(statement), request()).allowed)


class PrincipalTest(unittest.TestCase):
    def evaluate(self, principal):
        return policy.evaluate(doc(allow(Principal=principal)), request(), check_principal=True)

    def test_role_arn_matches_session(self):
        self.assertEqual(self.evaluate({"AWS": ROLE_ARN}).allow_match, policy.MATCH_ROLE)

    def test_session_arn_is_exact(self):
        self.assertEqual(self.evaluate({"AWS": [SESSION_ARN]}).allow_match, policy.MATCH_EXACT)

    def test_account_root_is_delegation(self):
        self.assertEqual(self.evaluate({"AWS": "arn:aws:iam::111122223333:root"}).allow_match, policy.MATCH_ACCOUNT)
        self.assertEqual(self.evaluate({"AWS": "111122223333"}).allow_match, policy.MATCH_ACCOUNT)

    def test_other_account_does_not_match(self):
        self.assertFalse(self.evaluate({"AWS": "arn:aws:iam::444455556666:root"}).allowed)

    def test_star(self):
        self.assertTrue(self.evaluate("*").allowed)

    def test_not_principal(self):
        statement = {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE_ARN}, "Action": "*", "Resource": "*"}
        self.assertFalse(policy.evaluate(doc(statement), request(), check_principal=True).denied)
        other = {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/x"}, "Action": "*", "Resource": "*"}
        self.assertTrue(policy.evaluate(doc(other), request(), check_principal=True).denied)

    def test_federated(self):
        provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        statement = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity"}
        req = Request("sts:AssumeRoleWithWebIdentity", ROLE_ARN, {}, PrincipalRef("", federated=provider))
        self.assertTrue(policy.evaluate(doc(statement), req, check_principal=True).allowed)


class ConditionTest(unittest.TestCase):
    def check(self, condition, **keys):
        return policy.conditions_match({"Version": "2012-10-17"}, condition, request(**keys).keys)

    def test_string_equals(self):
        self.assertTrue(self.check({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, **{"aws:PrincipalAccount": "111122223333"}))
        self.assertFalse(self.check({"StringEquals": {"aws:PrincipalAccount": "1"}}, **{"aws:PrincipalAccount": "111122223333"}))

    def test_key_names_case_insensitive(self):
        self.assertTrue(self.check({"StringEquals": {"AWS:principalaccount": "1"}}, **{"aws:PrincipalAccount": "1"}))

    def test_string_like_any_value_matches(self):
        condition = {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/other:*", "repo:acme/shop:*"]}}
        self.assertTrue(self.check(condition, **{"token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main"}))

    def test_missing_key_does_not_match(self):
        self.assertFalse(self.check({"StringEquals": {"aws:SourceVpce": "vpce-1"}}))

    def test_missing_key_satisfies_negated_operator(self):
        self.assertTrue(self.check({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))

    def test_if_exists(self):
        self.assertTrue(self.check({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}))
        self.assertFalse(self.check({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, **{"aws:SourceVpce": "vpce-2"}))

    def test_null(self):
        self.assertTrue(self.check({"Null": {"aws:SourceVpce": "true"}}))
        self.assertFalse(self.check({"Null": {"aws:SourceVpce": "false"}}))

    def test_arn_like(self):
        condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}}
        self.assertTrue(self.check(condition, **{"aws:PrincipalArn": ROLE_ARN}))

    def test_bool(self):
        self.assertTrue(self.check({"Bool": {"aws:SecureTransport": True}}, **{"aws:SecureTransport": "true"}))

    def test_ip_address(self):
        self.assertTrue(self.check({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, **{"aws:SourceIp": "127.0.0.1"}))
        self.assertFalse(self.check({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, **{"aws:SourceIp": "127.0.0.1"}))

    def test_for_any_value(self):
        condition = {"ForAnyValue:StringEquals": {"token.actions.githubusercontent.com:amr": ["b", "x"]}}
        self.assertTrue(self.check(condition, **{"token.actions.githubusercontent.com:amr": ["a", "b"]}))
        self.assertFalse(self.check(condition))

    def test_for_all_values(self):
        condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}
        self.assertTrue(self.check(condition, **{"aws:TagKeys": ["a"]}))
        self.assertFalse(self.check(condition, **{"aws:TagKeys": ["a", "c"]}))
        self.assertTrue(self.check(condition))

    def test_numeric_and_date(self):
        self.assertTrue(self.check({"NumericLessThan": {"k": "10"}}, k="9"))
        self.assertTrue(self.check({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, **{"aws:CurrentTime": "2026-01-01T00:00:00Z"}))

    def test_every_operator_must_hold(self):
        condition = {"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}
        self.assertTrue(self.check(condition, a="1", b="xy"))
        self.assertFalse(self.check(condition, a="1", b="y"))


if __name__ == "__main__":
    unittest.main()
