#!/usr/bin/python3
"""Serve one case's cloud/ folder over HTTPS on 127.0.0.1 until SIGTERM.

Usage: /usr/bin/python3 tests/emulator/serve.py CASE_DIR/cloud --env-file FILE [--request-log FILE]
       [--certificate-host NAME]
"""

import argparse
import json
import logging
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_router  # noqa: E402
import azure_api  # noqa: E402
import gcp_api  # noqa: E402
import github_api  # noqa: E402
import sigv4  # noqa: E402
from aws_protocol import AwsError, Response  # noqa: E402
from azure_world import AzureWorld  # noqa: E402
from callers import CredentialStore  # noqa: E402
from faults import FaultInjector  # noqa: E402
from gcp_world import GcpWorld  # noqa: E402
from github_oidc import GitHubOidcIssuer  # noqa: E402
from github_store import load_github_store  # noqa: E402
from tls import write_certificates  # noqa: E402
from world import World, WorldError  # noqa: E402

log = logging.getLogger("emulator")

HANDSHAKE_TIMEOUT_SECONDS = 30
IDLE_TIMEOUT_SECONDS = 120
REDACTED = "<redacted>"
# How long before now an expired_token rule's token was issued; it expired
# TOKEN_LIFETIME_SECONDS after that, so well in the past.
EXPIRED_TOKEN_AGE_SECONDS = 3600
BODY_PIECES = 10


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str
    headers: list  # (name, value) pairs as received, repeats kept
    body: bytes
    peer_ip: str
    cached_params: dict = None
    peer_port: int = 0


class EmulatorState:
    """What every request handler shares: the world, issued credentials, the token issuer."""

    def __init__(self, world, request_log_path=None):
        self.world = world
        self.store = CredentialStore(world)
        self.issuer = GitHubOidcIssuer(world.token_claims)
        self.faults = FaultInjector(world.faults)
        self.github_store = load_github_store(world.cloud_dir)
        self.github_api = None  # set with base_url once the port is known
        gcp_dir = world.cloud_dir / "gcp"
        self.gcp_api = gcp_api.GcpApi(GcpWorld(gcp_dir), self.issuer) if gcp_dir.is_dir() else None
        azure_dir = world.cloud_dir / "azure"
        self.azure_api = azure_api.AzureApi(AzureWorld(azure_dir), self.issuer) if azure_dir.is_dir() else None
        self.base_url = None
        self.request_log_path = request_log_path
        self._log_lock = threading.Lock()

    def set_base_url(self, base_url):
        self.base_url = base_url
        if self.github_store is not None:
            self.github_api = github_api.GitHubApi(self.github_store, base_url)
        if self.azure_api is not None:
            self.azure_api.base_url = base_url

    def record(self, http_request):
        if not self.request_log_path:
            return
        headers = [[name, value] for name, value in http_request.headers]
        body = http_request.body.decode("utf-8", errors="replace")
        if http_request.path.startswith(("/_github/", gcp_api.PREFIX, azure_api.PREFIX)):
            # GitHub, Google and Azure tokens are secrets, but SigV4 signatures are not.
            headers = [[name, REDACTED if name.lower() == "authorization" else value] for name, value in headers]
        if http_request.path.startswith(gcp_api.PREFIX + "sts/"):
            body = gcp_api.redact_subject_token(body)
        if http_request.path.startswith(azure_api.PREFIX + "login/"):
            body = azure_api.redact_client_assertion(body)
        entry = {
            "time": time.time(),
            "method": http_request.method,
            "path": http_request.path + (f"?{http_request.query}" if http_request.query else ""),
            "query": http_request.query,
            "headers": headers,
            "body": body,
            # One TLS connection per client port, so tests can count connections.
            "peer_port": http_request.peer_port,
        }
        with self._log_lock, open(self.request_log_path, "a") as log_file:
            log_file.write(json.dumps(entry) + "\n")


def _json_response(status, payload, headers=None):
    return Response(status, json.dumps(payload).encode(), "application/json", headers or [])


def _injected_response(plan, service, operation, render_fault):
    """Apply the plan's latency, then return the response that replaces the handler's, or None."""
    if plan.latency_ms:
        time.sleep(plan.latency_ms / 1000)
    if plan.reset_connection:
        log.info("%s %s: injected fault (reset_connection)", service, operation)
        return Response(0, b"", "", reset_connection=True)
    if plan.replaces_response():
        log.info("%s %s: injected fault (%s)", service, operation, plan.describe())
        return render_fault()
    return None


def _shape_body(response, plan):
    """Apply the plan's body faults to a handler's response."""
    if plan.malformed_body:
        # The first half of a JSON object or XML document never parses.
        response.body = response.body[: len(response.body) // 2] or b"{"
    response.slow_body_ms = plan.slow_body_ms
    response.truncate_body = plan.truncate_body
    return response


def _github_fault_response(plan):
    if plan.throttle:
        return _json_response(429, {"message": "Rate exceeded"})
    headers = [("Retry-After", str(plan.retry_after))] if plan.status == 429 and plan.retry_after is not None else []
    return _json_response(plan.status, {"message": "Internal Server Error"}, headers)


def _aws_fault_response(plan, service, protocol, request_id):
    if plan.clock_skew:
        return aws_router.render_error(aws_router.clock_skew_error(plan.clock_skew, protocol), service, protocol, request_id)
    if plan.throttle:
        code = "ThrottlingException" if protocol == "json" else "Throttling"
        return aws_router.render_error(AwsError(code, "Rate exceeded", 400), service, protocol, request_id)
    if plan.status == 429:
        error = AwsError("TooManyRequestsException" if protocol == "json" else "Throttling", "Rate exceeded", 429)
    elif protocol == "json":
        code = "InternalServerError" if service == "ssm" else "InternalServiceError"
        error = AwsError(code, "An internal error occurred. Try again.", plan.status, sender=False)
    else:
        error = AwsError("InternalFailure", "An internal error occurred.", plan.status, sender=False)
    response = aws_router.render_error(error, service, protocol, request_id)
    if plan.status == 429 and plan.retry_after is not None:
        response.headers.append(("Retry-After", str(plan.retry_after)))
    return response


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "secret-preflight-emulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS

    def log_message(self, format, *args):
        log.debug("%s %s", self.client_address[0], format % args)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        state = self.server.state
        split = urllib.parse.urlsplit(self.path)
        http_request = HttpRequest(
            method=self.command,
            path=split.path,
            query=split.query,
            headers=list(self.headers.items()),
            body=self._read_body(),
            peer_ip=self.client_address[0],
            peer_port=self.client_address[1],
        )
        state.record(http_request)
        request_id = str(uuid.uuid4())
        try:
            response = self._route(state, http_request, request_id)
        except Exception:
            log.exception("unhandled error in %s %s (request %s)", self.command, split.path, request_id)
            response = _json_response(500, {"__type": "InternalFailure", "message": "emulator error; see its log"})
        if response.reset_connection:
            log.info("%s %s: connection reset by fault rule", self.command, split.path)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self._write_body(response, split.path)

    def _write_body(self, response, path):
        body = response.body
        if response.truncate_body:
            log.info("%s %s: body truncated by fault rule after %d of %d bytes", self.command, path, len(body) // 2, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if not response.slow_body_ms or not body:
            self.wfile.write(body)
            return
        piece_size = max(1, -(-len(body) // BODY_PIECES))
        pieces = [body[i:i + piece_size] for i in range(0, len(body), piece_size)]
        for piece in pieces:
            time.sleep(response.slow_body_ms / 1000 / len(pieces))
            self.wfile.write(piece)
            self.wfile.flush()

    def _route(self, state, http_request, request_id):
        path = http_request.path
        if path.startswith("/_github/idtoken"):
            return self._github_token(state, http_request)
        if path == "/.well-known/openid-configuration":
            return _json_response(200, state.issuer.openid_configuration(state.base_url))
        if path == "/.well-known/jwks":
            return _json_response(200, state.issuer.jwks())
        if path == github_api.API_PREFIX or path.startswith(github_api.API_PREFIX + "/"):
            return self._github_rest(state, http_request)
        if path == "/_github/state":
            return self._github_state(state, http_request)
        if path.startswith(gcp_api.PREFIX):
            return self._gcp(state, http_request, request_id)
        if path.startswith(azure_api.PREFIX):
            return self._azure(state, http_request, request_id)
        if http_request.method != "POST" or path != "/":
            return _json_response(404, {"message": f"no route for {http_request.method} {path}"})

        service, operation, protocol = aws_router.classify(http_request)
        plan = state.faults.plan(service, operation)
        injected = _injected_response(plan, service, operation,
                                      lambda: _aws_fault_response(plan, service, protocol, request_id))
        if injected is not None:
            return injected
        response = aws_router.handle(state, http_request, service, operation, protocol, request_id)
        if response.status < 400:
            log.info("%s %s -> %s (request %s)", service, operation, response.status, request_id)
        return _shape_body(response, plan)

    def _github_rest(self, state, http_request):
        request_id = github_api.new_request_id()
        if state.github_api is None:
            log.info("github-api %s %s -> 404: the case has no cloud/github.json", http_request.method, http_request.path)
            return github_api.error_response(github_api.GitHubApiError(404, "Not Found"), request_id)
        operation = github_api.operation_for(http_request.method, http_request.path)
        plan = state.faults.plan("github-api", operation)
        injected = _injected_response(plan, "github-api", operation, lambda: github_api.fault_response(plan, request_id))
        if injected is not None:
            return injected
        authorization = sigv4.header_value(http_request.headers, "authorization")
        return _shape_body(state.github_api.handle(http_request, authorization, request_id), plan)

    def _gcp(self, state, http_request, request_id):
        api, rest = gcp_api.split_path(http_request.path)
        if state.gcp_api is None or api is None:
            log.info("gcp %s %s -> 404: no such API, or the case has no cloud/gcp/", http_request.method, http_request.path)
            return gcp_api.status_response(gcp_api.GcpError(404, f"Method not found: {http_request.method} {http_request.path}"))
        service = gcp_api.FAULT_SERVICES[api]
        operation = gcp_api.operation_for(api, http_request.method, rest)
        plan = state.faults.plan(service, operation)
        injected = _injected_response(plan, service, operation, lambda: gcp_api.fault_response(api, plan))
        if injected is not None:
            return injected
        return _shape_body(state.gcp_api.handle(http_request, api, rest, request_id), plan)

    def _azure(self, state, http_request, request_id):
        service, rest = azure_api.split_path(http_request.path)
        if state.azure_api is None or service is None:
            log.info("azure %s %s -> 404: no such service, or the case has no cloud/azure/", http_request.method, http_request.path)
            message = f"No route for {http_request.method} {http_request.path}: unknown Azure service or no cloud/azure/ folder."
            return azure_api.azure_error_response(azure_api.AzureError(404, "NotFound", message))
        fault_service = azure_api.FAULT_SERVICES[service]
        operation = azure_api.FAULT_OPERATIONS[service]
        plan = state.faults.plan(fault_service, operation)
        injected = _injected_response(plan, fault_service, operation, lambda: azure_api.fault_response(service, plan))
        if injected is not None:
            return injected
        return _shape_body(state.azure_api.handle(http_request, service, rest, request_id), plan)

    def _github_state(self, state, http_request):
        if http_request.method != "GET":
            return _json_response(405, {"message": "Method Not Allowed"})
        if state.github_api is None:
            return _json_response(404, {"message": "Not Found: the case has no cloud/github.json"})
        return _json_response(200, github_api.state_json(state.github_api))

    def _github_token(self, state, http_request):
        plan = state.faults.plan("github", "idtoken")
        injected = _injected_response(plan, "github", "idtoken", lambda: _github_fault_response(plan))
        if injected is not None:
            return injected
        if http_request.method != "GET":
            return _json_response(405, {"message": "Method Not Allowed"})
        if not state.issuer.check_request_token(sigv4.header_value(http_request.headers, "authorization")):
            log.info("token request rejected: missing or wrong bearer token")
            return _json_response(401, {"message": "Bad credentials"})
        query = urllib.parse.parse_qs(http_request.query)
        audience = query.get("audience", [None])[0]
        if plan.expired_token:
            token = state.issuer.issue(audience, now=time.time() - EXPIRED_TOKEN_AGE_SECONDS)
            log.info("issued an expired OIDC token for audience %s (fault rule)", audience or state.issuer.default_audience())
        else:
            token = state.issuer.issue(audience)
            log.info("issued OIDC token for audience %s", audience or state.issuer.default_audience())
        return _shape_body(_json_response(200, {"value": token}), plan)


class EmulatorServer(ThreadingHTTPServer):
    """Threaded HTTPS server that does each TLS handshake in the request's own thread."""

    daemon_threads = True

    def __init__(self, state, ssl_context):
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state
        self.ssl_context = ssl_context

    def finish_request(self, request, client_address):
        request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            log.info("TLS handshake with %s failed: %s", client_address[0], error)
            return
        try:
            self.RequestHandlerClass(tls_socket, client_address, self)
        finally:
            tls_socket.close()


def write_env_file(path, state, port, ca_path):
    world = state.world
    base = f"https://127.0.0.1:{port}"
    variables = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{base}/_github/idtoken?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": state.issuer.request_token,
        "AWS_ENDPOINT_URL": base,
        "AWS_CA_BUNDLE": str(ca_path),
        "SECRET_PREFLIGHT_CA_BUNDLE": str(ca_path),
        "NODE_EXTRA_CA_CERTS": str(ca_path),
        "GITHUB_API_URL": f"{base}/_github/api",
        "AWS_REGION": world.region,
        "AWS_DEFAULT_REGION": world.region,
    }
    operator_arn = world.operator_user_arn
    if operator_arn:
        user = world.user_by_arn(operator_arn)
        if user is None or not user.access_key_id:
            raise WorldError(f"ci.json operator.aws.user {operator_arn}: no such user with an AccessKeyId in aws/users/")
        variables["AWS_ACCESS_KEY_ID"] = user.access_key_id
        variables["AWS_SECRET_ACCESS_KEY"] = user.secret_access_key
    github = state.github_store
    if github is not None:
        variables["GITHUB_REPOSITORY"] = github.repository
        if github.token is not None:
            variables["GITHUB_TOKEN"] = github.token.value
    if state.gcp_api is not None:
        for api in gcp_api.APIS:
            variables[f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.upper()}"] = f"{base}{gcp_api.PREFIX}{api}/"
        variables["CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE"] = str(ca_path)
    if state.azure_api is not None:
        prefix = f"{base}{azure_api.PREFIX}"
        variables["AZURE_AUTHORITY_HOST"] = f"{prefix}login/"
        variables["SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE"] = f"{prefix}keyvault/{{vault}}"
        variables["SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL"] = f"{prefix}management/"
    for name, value in (world.ci.get("env") or {}).items():
        variables[name] = str(value)
    Path(path).write_text("".join(f"{name}={value}\n" for name, value in variables.items()))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Serve a case's cloud/ folder as GitHub OIDC, AWS, Google Cloud and Azure over HTTPS on 127.0.0.1.")
    parser.add_argument("cloud_dir", help="the case's cloud/ folder")
    parser.add_argument("--env-file", required=True, help="file to write NAME=value lines into")
    parser.add_argument("--request-log", help="file to append one JSON line per request to")
    parser.add_argument("--verbose", action="store_true", help="log every request line")
    parser.add_argument("--certificate-host", metavar="NAME",
                        help="name the server certificate after NAME only, not 127.0.0.1 or localhost, "
                             "so that clients fail host name verification")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s emulator %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        world = World(args.cloud_dir)
    except WorldError as error:
        print(f"emulator: cannot load {args.cloud_dir}: {error}", file=sys.stderr)
        return 2

    try:
        state = EmulatorState(world, args.request_log)
    except WorldError as error:
        print(f"emulator: cannot load {args.cloud_dir}: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="secret-preflight-emulator-") as temp_dir:
        ca_path, cert_path, key_path = write_certificates(temp_dir, args.certificate_host)
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(cert_path, key_path)
        server = EmulatorServer(state, ssl_context)
        port = server.server_address[1]
        state.set_base_url(f"https://127.0.0.1:{port}")
        try:
            write_env_file(args.env_file, state, port, ca_path)
        except WorldError as error:
            print(f"emulator: {error}", file=sys.stderr)
            server.server_close()
            return 2

        def stop(signum, frame):
            log.info("received signal %s, shutting down", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"secret-preflight emulator ready on {state.base_url} (env file {args.env_file})", flush=True)
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            log.info("stopped; removing %s", temp_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
