"""Route an AWS request to its service by protocol, authenticate it, and render errors."""

import logging
import time
import urllib.parse

import aws_iam
import aws_secrets
import aws_ssm
import aws_sts
import sigv4
from aws_auth import authenticate
from aws_protocol import IAM_NAMESPACE, STS_NAMESPACE, AwsError, json_error, query_error

log = logging.getLogger("emulator.aws")

_JSON_TARGETS = {"secretsmanager": ("secretsmanager", aws_secrets.OPERATIONS), "AmazonSSM": ("ssm", aws_ssm.OPERATIONS)}
_QUERY_SERVICES = {
    "sts": (STS_NAMESPACE, "2011-06-15", aws_sts.SIGNED_OPERATIONS),
    "iam": (IAM_NAMESPACE, "2010-05-08", aws_iam.SIGNED_OPERATIONS),
}


class AwsContext:
    """Everything one operation handler needs about its request."""

    def __init__(self, state, http_request, request_id):
        self.world = state.world
        self.store = state.store
        self.issuer = state.issuer
        self.http_request = http_request
        self.request_id = request_id
        self.region = state.world.region
        self.caller = None

    def vpc_endpoint(self, service):
        return self.world.vpc_endpoint_for(service, [self.caller.entity.arn, self.caller.arn])

    def caller_keys(self, service):
        return self.caller.context_keys(self.world, self.region, self.http_request.peer_ip, self.vpc_endpoint(service))

    def log(self, message):
        log.info("%s (request %s)", message, self.request_id)


def classify(http_request):
    """Return (service, operation, protocol) of an AWS request; protocol is "json" or "query"."""
    target = sigv4.header_value(http_request.headers, "x-amz-target")
    if target:
        prefix, _, operation = target.partition(".")
        service = _JSON_TARGETS.get(prefix, (prefix.lower(), None))[0]
        return service, operation, "json"
    params = form_params(http_request)
    action = params.get("Action", "")
    authorization = sigv4.header_value(http_request.headers, "authorization")
    service = "sts"
    if authorization:
        try:
            service = sigv4.parse_authorization(authorization).service
        except sigv4.SigV4Error:
            service = "sts"
    elif action in aws_iam.SIGNED_OPERATIONS:
        service = "iam"
    return service, action, "query"


def form_params(http_request):
    if http_request.cached_params is None:
        text = http_request.body.decode("utf-8", errors="replace")
        parsed = urllib.parse.parse_qs(text, keep_blank_values=True)
        parsed.update(urllib.parse.parse_qs(http_request.query, keep_blank_values=True))
        http_request.cached_params = {k: v[0] for k, v in parsed.items()}
    return http_request.cached_params


# A request signed this long ago trips AWS's 5-minute signature window.
CLOCK_SKEW_SECONDS = 900


def clock_skew_error(kind, protocol, now=None):
    """Return the error AWS sends a request signed by a clock that is CLOCK_SKEW_SECONDS slow.

    "signature-expired" is the error SigV4 services send: SignatureDoesNotMatch
    (HTTP 403) from query services such as STS and IAM, InvalidSignatureException
    (HTTP 400) from JSON services, both with the "Signature expired" text seen in
    AWS SDK issue reports. "too-skewed" is RequestTimeTooSkewed, the code S3
    sends and botocore lists among its clock-skew errors.
    """
    now = time.time() if now is None else now
    stamp = lambda epoch: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))  # noqa: E731
    if kind == "too-skewed":
        # NOTE: STS, IAM, Secrets Manager and SSM are not confirmed to send
        # this code; the text is S3's.
        return AwsError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403)
    message = (f"Signature expired: {stamp(now - CLOCK_SKEW_SECONDS)} is now earlier than "
               f"{stamp(now - 300)} ({stamp(now)} - 5 min.)")
    if protocol == "json":
        return AwsError("InvalidSignatureException", message, 400)
    return AwsError("SignatureDoesNotMatch", message, 403)


def render_error(error, service, protocol, request_id):
    if protocol == "json":
        return json_error(error, request_id)
    namespace = IAM_NAMESPACE if service == "iam" else STS_NAMESPACE
    return query_error(error, namespace, request_id)


def _handle_json(state, http_request, service, operation, request_id):
    prefix = sigv4.header_value(http_request.headers, "x-amz-target").partition(".")[0]
    operations = _JSON_TARGETS.get(prefix, (None, {}))[1]
    handler = operations.get(operation)
    context = AwsContext(state, http_request, request_id)
    context.caller, auth = authenticate(http_request, state.store, json_protocol=True)
    if auth.service != service:
        raise AwsError("InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'.")
    context.region = auth.region
    if handler is None:
        raise AwsError("UnknownOperationException", None)
    return handler(context, {})


def _handle_query(state, http_request, service, operation, request_id):
    params = form_params(http_request)
    context = AwsContext(state, http_request, request_id)
    if service == "sts" and operation in aws_sts.UNSIGNED_OPERATIONS:
        return aws_sts.UNSIGNED_OPERATIONS[operation](context, params)
    if service not in _QUERY_SERVICES:
        raise AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    namespace, version, operations = _QUERY_SERVICES[service]
    context.caller, auth = authenticate(http_request, state.store, json_protocol=False)
    context.region = auth.region
    handler = operations.get(operation)
    if handler is None:
        raise AwsError("InvalidAction", f"Could not find operation {operation} for version {version}")
    return handler(context, params)


def handle(state, http_request, service, operation, protocol, request_id):
    """Run one AWS operation and return its Response, success or error."""
    try:
        if protocol == "json":
            return _handle_json(state, http_request, service, operation, request_id)
        return _handle_query(state, http_request, service, operation, request_id)
    except AwsError as error:
        log.info("%s %s -> %s %s (request %s)", service, operation, error.status, error.code, request_id)
        return render_error(error, service, protocol, request_id)
