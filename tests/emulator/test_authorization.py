"""Denial layers and their exact messages, evaluated in-process on the basic fixture."""

import dataclasses
import unittest

import authorization
from callers import Caller
from harness import FIXTURES
from world import World

ACCOUNT = "111122223333"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/db-password-AbC123"


def session(world, role_name, policy=None):
    role = world.role_by_name(ACCOUNT, role_name)
    return Caller("assumed-role", role, "ASIATEST", "secret", "token", session_name="s1", session_policy=policy)


class AuthorizationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.world = World(FIXTURES / "basic" / "cloud")

    def decide(self, caller, action, resource, resource_account=ACCOUNT, **kwargs):
        endpoint = kwargs.pop("vpc_endpoint", None)
        keys = caller.context_keys(self.world, "us-east-1", "127.0.0.1", endpoint)
        return authorization.authorize(
            self.world, caller, action, resource, resource_account, keys, vpc_endpoint=endpoint, **kwargs
        )

    def message(self, decision, caller, resource="shop/x"):
        return decision.message(caller.arn, resource)

    def test_identity_allow(self):
        caller = session(self.world, "preflight-reader")
        self.assertTrue(self.decide(caller, "secretsmanager:GetSecretValue", SECRET).allowed)

    def test_identity_implicit_deny_message(self):
        caller = session(self.world, "no-trust")
        decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET)
        self.assertEqual(
            self.message(decision, caller, "shop/db-password"),
            "User: arn:aws:sts::111122223333:assumed-role/no-trust/s1 is not authorized to perform: "
            "secretsmanager:GetSecretValue on resource: shop/db-password because no identity-based policy "
            "allows the secretsmanager:GetSecretValue action",
        )
        self.assertEqual(decision.layer, authorization.IDENTITY)

    def test_identity_explicit_deny_message(self):
        caller = session(self.world, "preflight-reader")
        decision = self.decide(caller, "secretsmanager:GetSecretValue",
                               "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/forbidden-Zz99Yy")
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in an identity-based policy"))

    def test_boundary_implicit_deny(self):
        caller = session(self.world, "shop-api-exec")
        decision = self.decide(caller, "ssm:GetParameters", "arn:aws:ssm:us-east-1:111122223333:parameter/shop/db-url")
        self.assertEqual(decision.layer, authorization.BOUNDARY)
        self.assertTrue(self.message(decision, caller).endswith("because no permissions boundary allows the ssm:GetParameters action"))

    def test_boundary_explicit_deny(self):
        caller = session(self.world, "shop-api-exec")
        caller.entity = _with_boundary(caller.entity, {"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
        decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET)
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in a permissions boundary"))

    def test_session_policy_implicit_deny(self):
        policy = {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]}
        caller = session(self.world, "preflight-reader", policy)
        decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET)
        self.assertTrue(self.message(decision, caller).endswith(
            "because no session policy allows the secretsmanager:GetSecretValue action"))

    def test_session_policy_explicit_deny_uses_aws_spelling(self):
        policy = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}
        caller = session(self.world, "preflight-reader", policy)
        decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET)
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in a sessions policy"))

    def test_scp_deny(self):
        caller = session(self.world, "preflight-reader")
        decision = self.decide(caller, "secretsmanager:GetSecretValue",
                               "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/scp-blocked-Sc11Pp")
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in a service control policy"))

    def test_scp_without_allow_uses_explicit_phrase(self):
        caller = session(self.world, "preflight-reader")
        scps = self.world.accounts[ACCOUNT].scps
        self.world.accounts[ACCOUNT].scps = scps[1:]
        try:
            decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET)
        finally:
            self.world.accounts[ACCOUNT].scps = scps
        self.assertEqual(decision.layer, authorization.SCP)
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in a service control policy"))

    def test_resource_policy_explicit_deny(self):
        caller = session(self.world, "preflight-reader")
        secret = next(s for s in self.world.secrets if s.name == "shop/guarded")
        decision = self.decide(caller, "secretsmanager:GetSecretValue", secret.arn, resource_policy=secret.resource_policy)
        self.assertTrue(self.message(decision, caller).endswith("with an explicit deny in a resource-based policy"))

    def test_resource_policy_alone_allows_same_account(self):
        caller = session(self.world, "no-trust")
        resource_policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/no-trust"},
                                          "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
        self.assertTrue(self.decide(caller, "secretsmanager:GetSecretValue", SECRET, resource_policy=resource_policy).allowed)

    def test_account_root_needs_identity_allow(self):
        caller = session(self.world, "no-trust")
        resource_policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                          "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
        decision = self.decide(caller, "secretsmanager:GetSecretValue", SECRET, resource_policy=resource_policy)
        self.assertEqual(decision.layer, authorization.IDENTITY)

    def test_cross_account_needs_resource_policy(self):
        caller = session(self.world, "preflight-reader")
        arn = "arn:aws:secretsmanager:us-east-1:444455556666:secret:partner/private-Cd34Ef"
        decision = self.decide(caller, "secretsmanager:GetSecretValue", arn, resource_account="444455556666")
        self.assertTrue(self.message(decision, caller).endswith(
            "because no resource-based policy allows the secretsmanager:GetSecretValue action"))

    def test_vpc_endpoint_policy_implicit_deny(self):
        caller = session(self.world, "vpc-reader")
        endpoint = self.world.vpc_endpoint_for("secretsmanager", [caller.entity.arn])
        arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/stripe-Hd2wPa"
        decision = self.decide(caller, "secretsmanager:GetSecretValue", arn, vpc_endpoint=endpoint)
        self.assertTrue(self.message(decision, caller).endswith(
            "because no VPC endpoint policy allows the secretsmanager:GetSecretValue action"))
        self.assertTrue(self.decide(caller, "secretsmanager:GetSecretValue", SECRET, vpc_endpoint=endpoint).allowed)

    def test_vpc_endpoint_sets_source_vpce(self):
        caller = session(self.world, "vpc-reader")
        endpoint = self.world.vpc_endpoint_for("secretsmanager", [caller.entity.arn])
        keys = caller.context_keys(self.world, "us-east-1", "127.0.0.1", endpoint)
        self.assertEqual(keys["aws:sourcevpce"], ["vpce-0a1b2c3d4e5f60718"])
        self.assertNotIn("aws:sourceip", keys)

    def test_kms_key_policy_required(self):
        caller = session(self.world, "preflight-reader")
        key = self.world.find_kms_key("alias/locked", "us-east-1", ACCOUNT)
        decision = self.decide(caller, "kms:Decrypt", key.arn, resource_policy=key.policy, resource_policy_required=True)
        self.assertTrue(self.message(decision, caller, key.arn).endswith(
            "because no resource-based policy allows the kms:Decrypt action"))

    def test_kms_root_delegation_needs_identity_allow(self):
        key = self.world.find_kms_key("alias/shop", "us-east-1", ACCOUNT)
        reader = session(self.world, "preflight-reader")
        self.assertTrue(self.decide(reader, "kms:Decrypt", key.arn, resource_policy=key.policy, resource_policy_required=True).allowed)
        exec_role = session(self.world, "shop-api-exec")
        decision = self.decide(exec_role, "kms:Decrypt", key.arn, resource_policy=key.policy, resource_policy_required=True)
        self.assertEqual(decision.layer, authorization.IDENTITY)

    def test_trust_policy_denial_has_no_suffix(self):
        caller = session(self.world, "preflight-reader")
        target = self.world.role_by_name(ACCOUNT, "no-trust")
        decision = self.decide(caller, "sts:AssumeRole", target.arn, resource_policy=target.trust_policy,
                               resource_policy_required=True, resource_layer=authorization.TRUST)
        self.assertEqual(
            self.message(decision, caller, target.arn),
            "User: arn:aws:sts::111122223333:assumed-role/preflight-reader/s1 is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::111122223333:role/no-trust",
        )

    def test_trust_naming_role_needs_no_identity_allow(self):
        caller = session(self.world, "preflight-reader")
        caller.entity = _with_policies(caller.entity, [])
        target = self.world.role_by_name(ACCOUNT, "shop-api-exec")
        decision = self.decide(caller, "sts:AssumeRole", target.arn, resource_policy=target.trust_policy,
                               resource_policy_required=True, resource_layer=authorization.TRUST)
        self.assertTrue(decision.allowed)

    def test_trust_naming_account_needs_identity_allow(self):
        caller = session(self.world, "no-trust")
        target = self.world.role_by_name(ACCOUNT, "vpc-reader")
        decision = self.decide(caller, "sts:AssumeRole", target.arn, resource_policy=target.trust_policy,
                               resource_policy_required=True, resource_layer=authorization.TRUST)
        self.assertEqual(decision.layer, authorization.IDENTITY)


def _with_boundary(entity, boundary):
    return dataclasses.replace(entity, boundary=boundary)


def _with_policies(entity, policies):
    return dataclasses.replace(entity, policies=policies)


if __name__ == "__main__":
    unittest.main()
