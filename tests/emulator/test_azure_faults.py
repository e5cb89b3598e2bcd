"""Fault rules on the Azure services (fixtures/azure-faults)."""

import time
import unittest

from test_azure_api import SHOP_API_ID, SHOP_CI, AzureTestCase


class AzureFaultsTest(AzureTestCase):
    fixture = "azure-faults"

    def test_keyvault_throttle_then_success(self):
        token = self.access_token(SHOP_CI)
        status, headers, body = self.get_secret("shop-kv", "api-key", token=token)
        self.assertEqual(status, 429, body)
        self.assertEqual(headers["Retry-After"], "4")
        self.assertEqual(body["error"]["code"], "Throttled")
        status, _, body = self.get_secret("shop-kv", "api-key", token=token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["value"], "canary-azure-api-key")

    def test_login_latency(self):
        started = time.monotonic()
        status, _, body = self.request_token(SHOP_CI)
        self.assertEqual(status, 200, body)
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    def test_management_status(self):
        status, body = self.list_credentials(SHOP_API_ID, SHOP_CI)
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"]["code"], "InternalServerError")


if __name__ == "__main__":
    unittest.main()
