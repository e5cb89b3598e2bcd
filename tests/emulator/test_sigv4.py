import datetime
import hashlib
import unittest

import sigv4

# AWS SigV4 test suite case "post-x-www-form-urlencoded" (also in botocore's tests).
VECTOR_KEY_ID = "AKIDEXAMPLE"
VECTOR_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
VECTOR_SIGNATURE = "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
VECTOR_TIME = datetime.datetime(2015, 8, 30, 12, 36, tzinfo=datetime.timezone.utc)


def vector_headers(signature=VECTOR_SIGNATURE, extra=()):
    return [
        ("Host", "example.amazonaws.com"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-Amz-Date", "20150830T123600Z"),
        *extra,
        (
            "Authorization",
            f"AWS4-HMAC-SHA256 Credential={VECTOR_KEY_ID}/20150830/us-east-1/service/aws4_request, "
            f"SignedHeaders=content-type;host;x-amz-date, Signature={signature}",
        ),
    ]


def lookup(key_id):
    return VECTOR_SECRET if key_id == VECTOR_KEY_ID else None


class AwsTestVectorTest(unittest.TestCase):
    def test_canonical_request_hash(self):
        canonical = sigv4.canonical_request(
            "POST", "/", "", vector_headers(), ["content-type", "host", "x-amz-date"],
            hashlib.sha256(b"Param1=value1").hexdigest(),
        )
        self.assertEqual(
            hashlib.sha256(canonical.encode()).hexdigest(),
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
        )

    def test_verify_accepts_vector(self):
        auth = sigv4.verify("POST", "/", "", vector_headers(), b"Param1=value1", lookup, now=VECTOR_TIME)
        self.assertEqual(auth.signature, VECTOR_SIGNATURE)
        self.assertEqual(auth.service, "service")

    def test_unsigned_headers_are_ignored(self):
        headers = vector_headers(extra=[("User-Agent", "anything"), ("Accept-Encoding", "gzip")])
        sigv4.verify("POST", "/", "", headers, b"Param1=value1", lookup, now=VECTOR_TIME)

    def test_changed_body_is_mismatch(self):
        with self.assertRaises(sigv4.SigV4Error) as caught:
            sigv4.verify("POST", "/", "", vector_headers(), b"Param1=value2", lookup, now=VECTOR_TIME)
        self.assertEqual(caught.exception.kind, "mismatch")

    def test_unknown_key(self):
        with self.assertRaises(sigv4.SigV4Error) as caught:
            sigv4.verify("POST", "/", "", vector_headers(), b"Param1=value1", lambda k: None, now=VECTOR_TIME)
        self.assertEqual(caught.exception.kind, "unknown-key")

    def test_clock_skew_rejected(self):
        late = VECTOR_TIME + datetime.timedelta(minutes=6)
        with self.assertRaises(sigv4.SigV4Error) as caught:
            sigv4.verify("POST", "/", "", vector_headers(), b"Param1=value1", lookup, now=late)
        self.assertEqual(caught.exception.kind, "skewed")
        self.assertTrue(caught.exception.message.startswith("Signature expired: 20150830T123600Z"))

    def test_clock_skew_within_five_minutes(self):
        near = VECTOR_TIME + datetime.timedelta(minutes=4)
        sigv4.verify("POST", "/", "", vector_headers(), b"Param1=value1", lookup, now=near)

    def test_missing_authorization(self):
        with self.assertRaises(sigv4.SigV4Error) as caught:
            sigv4.verify("POST", "/", "", vector_headers()[:3], b"", lookup, now=VECTOR_TIME)
        self.assertEqual(caught.exception.kind, "missing")


class CanonicalFormTest(unittest.TestCase):
    def test_repeated_headers_joined_with_commas(self):
        block = sigv4.canonical_headers([("X-Custom", "a"), ("x-custom", " b  c ")], ["x-custom"])
        self.assertEqual(block, "x-custom:a,b c\n")

    def test_query_decoded_then_encoded_and_sorted(self):
        self.assertEqual(sigv4.canonical_query("b=2&api%2Dversion=7.4&a=x%20y"), "a=x%20y&api-version=7.4&b=2")

    def test_content_sha256_header_used_as_payload_hash(self):
        headers = [("Host", "h:8443"), ("X-Amz-Date", "20150830T123600Z"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
        names = ["host", "x-amz-content-sha256", "x-amz-date"]
        canonical = sigv4.canonical_request("POST", "/", "", headers, names, "UNSIGNED-PAYLOAD")
        signature = sigv4.compute_signature(VECTOR_SECRET, "20150830T123600Z", "20150830", "us-east-1", "sts", canonical)
        headers.append(
            ("Authorization", f"AWS4-HMAC-SHA256 Credential={VECTOR_KEY_ID}/20150830/us-east-1/sts/aws4_request, "
             f"SignedHeaders={';'.join(names)}, Signature={signature}")
        )
        auth = sigv4.verify("POST", "/", "", headers, b"ignored body", lookup, now=VECTOR_TIME)
        self.assertEqual(auth.service, "sts")

    def test_host_port_is_part_of_signature(self):
        canonical = sigv4.canonical_headers([("Host", "127.0.0.1:8443")], ["host"])
        self.assertEqual(canonical, "host:127.0.0.1:8443\n")


if __name__ == "__main__":
    unittest.main()
