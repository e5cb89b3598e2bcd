"""Fault injection from cloud/faults.json.

A rule can add latency, throttle, return an error status, reset the
connection, send the body slowly, truncate it, break its syntax, return
the service's clock-skew error, or make the GitHub token endpoint issue an
expired token.
"""

import threading
from dataclasses import dataclass

# Services whose requests are signed (SigV4) or carry a signed client
# assertion, so that a wrong runner clock gets its own error from them.
CLOCK_SKEW_SERVICES = ("sts", "iam", "secretsmanager", "ssm", "gcp-sts", "azure-login")
CLOCK_SKEW_KINDS = ("signature-expired", "too-skewed")
RULE_FIELDS = {
    "service", "operation", "count", "latency_ms", "throttle_first", "throttle_always", "status",
    "retry_after", "reset_connection", "slow_body_ms", "truncate_body", "malformed_body", "clock_skew",
    "expired_token",
}


class FaultRuleError(ValueError):
    """A faults.json rule with an unknown field or a value the emulator cannot apply."""


@dataclass
class FaultPlan:
    """What to do to one request before (or instead of) handling it."""

    latency_ms: int = 0
    throttle: bool = False
    status: int = None
    retry_after: int = None
    reset_connection: bool = False
    # Milliseconds over which the response body is sent, in small pieces.
    slow_body_ms: int = 0
    truncate_body: bool = False
    malformed_body: bool = False
    clock_skew: str = None
    expired_token: bool = False

    def replaces_response(self):
        """True when the fault responds instead of the service's handler."""
        return self.throttle or self.status is not None or self.clock_skew is not None

    def describe(self):
        fields = ("throttle", "status", "reset_connection", "slow_body_ms", "truncate_body", "malformed_body",
                  "clock_skew", "expired_token")
        return ", ".join(f"{name}={getattr(self, name)}" for name in fields if getattr(self, name))


def validate_rule(index, rule):
    """Raise FaultRuleError when rule `index` has an unknown field or an unusable value."""
    if not isinstance(rule, dict):
        raise FaultRuleError(f"rule {index}: expected an object")
    unknown = sorted(set(rule) - RULE_FIELDS)
    if unknown:
        raise FaultRuleError(f"rule {index}: unknown field {unknown[0]!r}; expected one of {', '.join(sorted(RULE_FIELDS))}")
    skew = rule.get("clock_skew")
    if skew is not None:
        kind = "signature-expired" if skew is True else skew
        if kind not in CLOCK_SKEW_KINDS:
            raise FaultRuleError(f"rule {index}: clock_skew {skew!r} is invalid; expected true, "
                                 f"{' or '.join(CLOCK_SKEW_KINDS)}")
        if rule.get("service") not in CLOCK_SKEW_SERVICES:
            raise FaultRuleError(f"rule {index}: clock_skew needs service {', '.join(CLOCK_SKEW_SERVICES)}; "
                                 "the other services take bearer tokens, which a clock does not sign")
    if rule.get("expired_token") and rule.get("service") != "github":
        raise FaultRuleError(f"rule {index}: expired_token applies only to service github (the token endpoint)")


class FaultInjector:
    def __init__(self, rules):
        self._rules = list(rules)
        for index, rule in enumerate(self._rules):
            validate_rule(index, rule)
        self._counts = [0] * len(self._rules)
        self._lock = threading.Lock()

    @staticmethod
    def _matches(rule, service, operation):
        if rule.get("service") not in (None, "*", service):
            return False
        return rule.get("operation") in (None, "*", operation)

    def plan(self, service, operation):
        """Combine every rule that matches; counts the request against throttle_first and count."""
        plan = FaultPlan()
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not self._matches(rule, service, operation):
                    continue
                seen = self._counts[index]
                self._counts[index] += 1
                if rule.get("count") is not None and seen >= int(rule["count"]):
                    continue
                self._apply(rule, seen, plan)
        if plan.throttle:
            plan.reset_connection = False
            plan.status = None
            plan.clock_skew = None
        return plan

    @staticmethod
    def _apply(rule, seen, plan):
        plan.latency_ms += int(rule.get("latency_ms") or 0)
        if rule.get("retry_after") is not None:
            plan.retry_after = int(rule["retry_after"])
        if rule.get("throttle_always") or seen < int(rule.get("throttle_first") or 0):
            plan.throttle = True
            return
        if rule.get("reset_connection"):
            plan.reset_connection = True
        if rule.get("status") is not None:
            plan.status = int(rule["status"])
        plan.slow_body_ms += int(rule.get("slow_body_ms") or 0)
        plan.truncate_body = plan.truncate_body or bool(rule.get("truncate_body"))
        plan.malformed_body = plan.malformed_body or bool(rule.get("malformed_body"))
        if rule.get("clock_skew"):
            plan.clock_skew = "signature-expired" if rule["clock_skew"] is True else rule["clock_skew"]
        plan.expired_token = plan.expired_token or bool(rule.get("expired_token"))
