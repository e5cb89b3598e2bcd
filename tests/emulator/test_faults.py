"""Fault rules: matching, counting and validation (no server)."""

import unittest

import aws_router
from faults import FaultInjector, FaultRuleError


class FaultPlanTest(unittest.TestCase):
    def test_count_limits_a_rule(self):
        injector = FaultInjector([{"service": "ssm", "status": 500, "count": 1}])
        self.assertEqual(injector.plan("ssm", "GetParameters").status, 500)
        self.assertIsNone(injector.plan("ssm", "GetParameters").status)

    def test_body_faults_combine(self):
        injector = FaultInjector([{"service": "secretsmanager", "slow_body_ms": 200},
                                  {"service": "secretsmanager", "truncate_body": True}])
        plan = injector.plan("secretsmanager", "GetSecretValue")
        self.assertEqual(plan.slow_body_ms, 200)
        self.assertTrue(plan.truncate_body)
        self.assertFalse(plan.replaces_response())

    def test_clock_skew_replaces_response(self):
        plan = FaultInjector([{"service": "sts", "clock_skew": True}]).plan("sts", "AssumeRoleWithWebIdentity")
        self.assertEqual(plan.clock_skew, "signature-expired")
        self.assertTrue(plan.replaces_response())

    def test_throttle_wins_over_clock_skew(self):
        plan = FaultInjector([{"service": "iam", "throttle_always": True, "clock_skew": "too-skewed"}]).plan("iam", "GetRole")
        self.assertTrue(plan.throttle)
        self.assertIsNone(plan.clock_skew)

    def test_unknown_field_is_rejected(self):
        with self.assertRaisesRegex(FaultRuleError, "unknown field 'slow_body'"):
            FaultInjector([{"service": "ssm", "slow_body": 10}])

    def test_clock_skew_on_bearer_service_is_rejected(self):
        with self.assertRaisesRegex(FaultRuleError, "clock_skew needs service"):
            FaultInjector([{"service": "azure-keyvault", "clock_skew": True}])

    def test_expired_token_outside_github_is_rejected(self):
        with self.assertRaisesRegex(FaultRuleError, "only to service github"):
            FaultInjector([{"service": "sts", "expired_token": True}])


class ClockSkewErrorTest(unittest.TestCase):
    NOW = 1_800_000_000  # 2027-01-15T08:00:00Z

    def test_query_services_send_signature_does_not_match(self):
        error = aws_router.clock_skew_error("signature-expired", "query", now=self.NOW)
        self.assertEqual((error.code, error.status), ("SignatureDoesNotMatch", 403))
        self.assertEqual(error.message, "Signature expired: 20270115T074500Z is now earlier than "
                                        "20270115T075500Z (20270115T080000Z - 5 min.)")

    def test_json_services_send_invalid_signature(self):
        error = aws_router.clock_skew_error("signature-expired", "json", now=self.NOW)
        self.assertEqual((error.code, error.status), ("InvalidSignatureException", 400))

    def test_too_skewed(self):
        error = aws_router.clock_skew_error("too-skewed", "json", now=self.NOW)
        self.assertEqual((error.code, error.status), ("RequestTimeTooSkewed", 403))


if __name__ == "__main__":
    unittest.main()
