"""Authenticate a signed AWS request as a caller the emulator issued credentials to."""

import time

import sigv4
from aws_protocol import AwsError

_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"

# SigV4Error kind -> (query-protocol code, HTTP status, JSON-protocol code, HTTP status)
_CODES = {
    "missing": ("MissingAuthenticationToken", 403, "MissingAuthenticationTokenException", 400),
    "incomplete": ("IncompleteSignature", 400, "IncompleteSignatureException", 400),
    "unknown-key": ("InvalidClientTokenId", 403, "UnrecognizedClientException", 400),
    "mismatch": ("SignatureDoesNotMatch", 403, "InvalidSignatureException", 400),
    "skewed": ("SignatureDoesNotMatch", 403, "InvalidSignatureException", 400),
    "expired": ("ExpiredToken", 403, "ExpiredTokenException", 400),
}


def auth_error(kind, message, json_protocol):
    query_code, query_status, json_code, json_status = _CODES[kind]
    if json_protocol:
        return AwsError(json_code, message, json_status)
    return AwsError(query_code, message, query_status)


def authenticate(http_request, store, json_protocol):
    """Verify the request's SigV4 signature and return (caller, ParsedAuthorization)."""
    headers = http_request.headers
    try:
        auth = sigv4.verify(
            http_request.method,
            http_request.path,
            http_request.query,
            headers,
            http_request.body,
            store.secret_for,
        )
    except sigv4.SigV4Error as error:
        raise auth_error(error.kind, error.message, json_protocol) from error
    caller = store.get(auth.access_key_id)
    if caller.session_token is not None:
        if sigv4.header_value(headers, "x-amz-security-token") != caller.session_token:
            raise auth_error("unknown-key", _INVALID_TOKEN, json_protocol)
        if time.time() >= caller.expiration:
            raise auth_error("expired", _EXPIRED_TOKEN, json_protocol)
    elif sigv4.header_value(headers, "x-amz-security-token") is not None:
        raise auth_error("unknown-key", _INVALID_TOKEN, json_protocol)
    return caller, auth
