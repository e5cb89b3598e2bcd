"""Fault injection from cloud/faults.json: latency, throttling, error statuses and resets."""

import threading
from dataclasses import dataclass


@dataclass
class FaultPlan:
    """What to do to one request before (or instead of) handling it."""

    latency_ms: int = 0
    throttle: bool = False
    status: int = None
    retry_after: int = None
    reset_connection: bool = False


class FaultInjector:
    def __init__(self, rules):
        self._rules = list(rules)
        self._counts = [0] * len(self._rules)
        self._lock = threading.Lock()

    @staticmethod
    def _matches(rule, service, operation):
        if rule.get("service") not in (None, "*", service):
            return False
        return rule.get("operation") in (None, "*", operation)

    def plan(self, service, operation):
        """Combine every rule that matches; counts the request against throttle_first."""
        plan = FaultPlan()
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not self._matches(rule, service, operation):
                    continue
                seen = self._counts[index]
                self._counts[index] += 1
                plan.latency_ms += int(rule.get("latency_ms") or 0)
                if rule.get("retry_after") is not None:
                    plan.retry_after = int(rule["retry_after"])
                if rule.get("throttle_always") or seen < int(rule.get("throttle_first") or 0):
                    plan.throttle = True
                    continue
                if rule.get("reset_connection"):
                    plan.reset_connection = True
                if rule.get("status") is not None:
                    plan.status = int(rule["status"])
        if plan.throttle:
            plan.reset_connection = False
            plan.status = None
        return plan
