"""Fault rules on the Google Cloud services (fixtures/gcp-faults)."""

import http.client
import time
import urllib.error

from harness import FIXTURES
from test_gcp_api import API_SA, GcpTestCase


class GcpFaultsTest(GcpTestCase):
    @classmethod
    def setUpClass(cls):
        from harness import RunningEmulator

        cls.emulator = RunningEmulator(FIXTURES / "gcp-faults" / "cloud").__enter__()

    def test_throttle_then_success(self):
        token = self.sa_token()
        path = "v1/projects/shop-prod/secrets/db-password/versions/latest:access"
        status, headers, body = self.call("secretmanager", path, token=token)
        self.assertEqual(status, 429)
        self.assert_status_error(body, 429, "RESOURCE_EXHAUSTED")
        self.assertEqual(headers["Retry-After"], "3")
        status, _, body = self.call("secretmanager", path, token=token)
        self.assertEqual(status, 200, body)

    def test_status_rule(self):
        status, _, body = self.call("iam", f"v1/projects/-/serviceAccounts/{API_SA}:getIamPolicy", "POST", payload={},
                                    token=self.sa_token())
        self.assertEqual(status, 503)
        self.assert_status_error(body, 503, "UNAVAILABLE")

    def test_sts_latency(self):
        started = time.monotonic()
        status, _, body = self.exchange()
        self.assertEqual(status, 200, body)
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    def test_reset_connection(self):
        with self.assertRaises((urllib.error.URLError, http.client.RemoteDisconnected, ConnectionResetError)):
            self.call("policytroubleshooter", "v1/iam:troubleshoot", "POST", payload={}, token="x")
