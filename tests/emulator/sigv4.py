"""AWS Signature Version 4 verification for header-signed requests.

The canonical request is built the way botocore's SigV4Auth builds it: only the
headers named in SignedHeaders, repeated headers joined with commas, values
trimmed with inner whitespace collapsed, query parameters decoded then
re-encoded (RFC 3986) and sorted, and a client-sent x-amz-content-sha256 used
as the payload hash.
"""

import datetime
import hashlib
import hmac
import re
import urllib.parse
from dataclasses import dataclass

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


class SigV4Error(Exception):
    """A request whose signature cannot be accepted.

    `kind` is one of: missing, incomplete, unknown-key, mismatch, skewed,
    expired. The AWS service modules map it to their own error codes.
    """

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class ParsedAuthorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: list
    signature: str

    @property
    def scope(self):
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse_authorization(header_value):
    """Parse an `Authorization: AWS4-HMAC-SHA256 ...` header value."""
    if not header_value:
        raise SigV4Error("missing", "Missing Authentication Token")
    match = _AUTH_RE.match(header_value.strip())
    if not match:
        raise SigV4Error(
            "incomplete",
            "Authorization header requires 'Credential', 'Signature' and "
            f"'SignedHeaders' parameters. Authorization={header_value.split(' ')[0]}",
        )
    parts = match.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SigV4Error(
            "incomplete",
            f"Credential should be scoped to a valid region, not '{'/'.join(parts[2:3])}'.",
        )
    return ParsedAuthorization(
        access_key_id=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        signed_headers=match.group("signed").lower().split(";"),
        signature=match.group("signature").lower(),
    )


def _uri_encode(text, safe="-_.~"):
    return urllib.parse.quote(text, safe=safe)


def canonical_uri(path):
    """Encode each path segment once, as botocore does for non-S3 services."""
    decoded = urllib.parse.unquote(path or "/")
    return _uri_encode(decoded, safe="/-_.~") or "/"


def canonical_query(query):
    """Decode then re-encode and sort the query parameters."""
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        key = urllib.parse.unquote_plus(key)
        value = urllib.parse.unquote_plus(value)
        pairs.append((_uri_encode(key), _uri_encode(value)))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _normalize_header_value(value):
    return " ".join(value.strip().split())


def canonical_headers(headers, signed_headers):
    """Build the canonical header block from a list of (name, value) pairs."""
    grouped = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(_normalize_header_value(value))
    lines = []
    for name in signed_headers:
        values = grouped.get(name, [])
        lines.append(f"{name}:{','.join(values)}\n")
    return "".join(lines)


def canonical_request(method, path, query, headers, signed_headers, payload_hash):
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def _hmac(key, message):
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_access_key, date, region, service):
    k_date = _hmac(("AWS4" + secret_access_key).encode("utf-8"), date)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, "aws4_request")


def string_to_sign(amz_date, scope, canonical):
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def compute_signature(secret_access_key, amz_date, scope_date, region, service, canonical):
    key = signing_key(secret_access_key, scope_date, region, service)
    to_sign = string_to_sign(amz_date, f"{scope_date}/{region}/{service}/aws4_request", canonical)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def header_value(headers, name):
    """Return the comma-joined values of header `name`, or None."""
    values = [v for k, v in headers if k.lower() == name]
    return ",".join(values) if values else None


def parse_amz_date(text):
    return datetime.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def verify(method, path, query, headers, body, lookup_secret, now=None):
    """Verify a signed request and return its ParsedAuthorization.

    `headers` is a list of (name, value) pairs as received. `lookup_secret`
    maps an access key id to its secret access key, or returns None for a key
    the emulator never issued. Raises SigV4Error on any failure.
    """
    auth = parse_authorization(header_value(headers, "authorization"))
    amz_date = header_value(headers, "x-amz-date")
    if amz_date is None:
        raise SigV4Error(
            "incomplete",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    if "host" not in auth.signed_headers:
        raise SigV4Error("mismatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
    secret = lookup_secret(auth.access_key_id)
    if secret is None:
        raise SigV4Error("unknown-key", "The security token included in the request is invalid.")
    try:
        request_time = parse_amz_date(amz_date)
    except ValueError:
        raise SigV4Error("incomplete", f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - request_time) > MAX_CLOCK_SKEW:
        earliest = (now - MAX_CLOCK_SKEW).strftime("%Y%m%dT%H%M%SZ")
        latest = (now + MAX_CLOCK_SKEW).strftime("%Y%m%dT%H%M%SZ")
        raise SigV4Error(
            "skewed",
            f"Signature expired: {amz_date} is now earlier than {earliest} ({now.strftime('%Y%m%dT%H%M%SZ')} - 5 min.)"
            if request_time < now
            else f"Signature not yet current: {amz_date} is still later than {latest} ({now.strftime('%Y%m%dT%H%M%SZ')} + 5 min.)",
        )
    payload_hash = header_value(headers, "x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = canonical_request(method, path, query, headers, auth.signed_headers, payload_hash)
    expected = compute_signature(secret, amz_date, auth.date, auth.region, auth.service, canonical)
    if not hmac.compare_digest(expected, auth.signature):
        raise SigV4Error(
            "mismatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    return auth
