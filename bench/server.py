#!/usr/bin/python3
"""Lightweight HTTPS server for benchmark worlds.

    /usr/bin/python3 bench/server.py CLOUD_DIR --env-file FILE [--latency-ms 50]
                                     [--workers 4] [--stats-file FILE] [--timeline-file FILE]

It speaks the same wire format as tests/emulator/serve.py for the calls a
benchmark world needs, over TLS with HTTP/1.1 keep-alive, in --workers
processes that each run an asyncio event loop on one shared listening socket:

- `GET /_github/idtoken?audience=...`: GitHub's OIDC token endpoint, with the
  bearer request token from the env file; tokens are RS256 JWTs from
  tests/emulator/github_oidc.py.
- `POST /` `Action=AssumeRoleWithWebIdentity`: STS. The token's signature,
  expiry and audience are verified, and the role's trust policy must have a
  statement for the OIDC provider whose `StringEquals`/`StringLike`
  conditions all match the token's claims.
- `POST /` `X-Amz-Target: secretsmanager.GetSecretValue`: Secrets Manager.
  The SigV4 signature is verified with tests/emulator/sigv4.py against the
  session credentials this server issued (`X-Amz-Security-Token` included),
  and the role's identity policies must allow the read on the secret's ARN.
  A rejected call gets the emulator's error code and is counted by code in
  the stats file.

Every request waits `--latency-ms` on the event loop (asyncio.sleep, so
waiting requests do not block others) before it is handled. Only the AWS
calls above are served; the full policy language, KMS, SSM, Google Cloud and
Azure stay with tests/emulator/serve.py.
NOTE: Action and Resource matching covers `*`/`?` wildcards only, with no
conditions, NotAction, Deny statements, SCPs or resource policies.
"""

import argparse
import asyncio
import base64
import collections
import fnmatch
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "emulator"))

import sigv4  # noqa: E402
import tls  # noqa: E402
from github_oidc import GitHubOidcIssuer, TokenError  # noqa: E402

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_SECONDS = 3600
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def load_json(path, default):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_document(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


class Role:
    def __init__(self, data):
        self.arn = data["Arn"]
        self.name = data.get("RoleName") or self.arn.rsplit("/", 1)[-1]
        self.trust = policy_document(data.get("AssumeRolePolicyDocument"))
        self.statements = []
        for entry in data.get("Policies") or []:
            for statement in as_list(policy_document(entry.get("PolicyDocument")).get("Statement")):
                if statement.get("Effect") == "Allow":
                    self.statements.append((as_list(statement.get("Action")), as_list(statement.get("Resource"))))

    def allows(self, action, resource):
        for actions, resources in self.statements:
            if any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions) and \
                    any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources):
                return True
        return False

    def trusts(self, provider_arn, provider_host, claims):
        """Return True when a trust statement admits this web identity token."""
        for statement in as_list(self.trust.get("Statement")):
            principal = statement.get("Principal") or {}
            if statement.get("Effect") != "Allow" or provider_arn not in as_list(principal.get("Federated")):
                continue
            if "sts:AssumeRoleWithWebIdentity" not in as_list(statement.get("Action")):
                continue
            if all(self._condition_holds(operator, conditions, provider_host, claims)
                   for operator, conditions in (statement.get("Condition") or {}).items()):
                return True
        return False

    @staticmethod
    def _condition_holds(operator, conditions, provider_host, claims):
        if operator not in ("StringEquals", "StringLike"):
            return False
        for key, expected in conditions.items():
            host, _, claim = key.partition(":")
            if host != provider_host:
                return False
            actual = claims.get(claim)
            values = [str(v) for v in as_list(actual)]
            patterns = [str(p) for p in as_list(expected)]
            if operator == "StringEquals":
                if not any(v in patterns for v in values):
                    return False
            elif not any(fnmatch.fnmatchcase(v, p) for v in values for p in patterns):
                return False
        return True


class World:
    """The parts of a cloud/ folder this server serves."""

    def __init__(self, cloud_dir):
        self.ci = load_json(os.path.join(cloud_dir, "ci.json"), {})
        claims = dict(self.ci.get("token_claims") or {})
        claims.setdefault("iss", "https://token.actions.githubusercontent.com")
        self.issuer = GitHubOidcIssuer(claims)
        self.providers = {}
        for provider in load_json(os.path.join(cloud_dir, "aws", "oidc-providers.json"), []):
            host = provider["Url"].removeprefix("https://")
            self.providers[(provider["Arn"].split(":")[4], host)] = provider
        self.roles = {}
        roles_dir = os.path.join(cloud_dir, "aws", "roles")
        for name in sorted(os.listdir(roles_dir)) if os.path.isdir(roles_dir) else []:
            role = Role(load_json(os.path.join(roles_dir, name), {}))
            self.roles[role.arn] = role
        self.secrets_by_arn = {}
        self.secrets_by_name = {}
        for secret in load_json(os.path.join(cloud_dir, "aws", "secrets.json"), []):
            arn = secret["ARN"]
            region, account = arn.split(":")[3], arn.split(":")[4]
            name = secret.get("Name") or arn.split(":secret:", 1)[1][:-7]
            self.secrets_by_arn[arn] = secret
            self.secrets_by_name[(account, region, name)] = secret
        self.sessions = Sessions()

    def region(self):
        return (self.ci.get("env") or {}).get("AWS_REGION", "us-east-1")


class Sessions:
    """STS session credentials that any worker process can verify without shared state.

    The secret access key is an HMAC of the access key id, and the session
    token carries the role, session ARN and expiry with an HMAC over them,
    both under a key drawn once before the workers fork.
    """

    def __init__(self):
        self.key = secrets.token_bytes(32)

    def _mac(self, text):
        digest = hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def secret_key(self, access_key):
        if not access_key.startswith("ASIA"):
            return None
        return self._mac("secret:" + access_key)[:40]

    def issue_token(self, access_key, role_arn, session_arn, expiration):
        payload = base64.urlsafe_b64encode(json.dumps(
            {"ak": access_key, "role": role_arn, "arn": session_arn, "exp": expiration}).encode()).decode("ascii")
        return payload + "." + self._mac("token:" + payload)

    def verify_token(self, access_key, token):
        """Return the session of a token this server issued for access_key, or None."""
        payload, _, mac = (token or "").partition(".")
        if not hmac.compare_digest(mac, self._mac("token:" + payload)):
            return None
        session = json.loads(base64.urlsafe_b64decode(payload))
        return session if session.get("ak") == access_key else None


class Server:
    def __init__(self, world, latency_seconds):
        self.world = world
        self.latency = latency_seconds
        self.counts = collections.Counter()
        # (arrival, response written, operation, connection number) per request, in monotonic-clock seconds.
        self.timeline = []

    # -- HTTP/1.1 -----------------------------------------------------------

    async def handle_connection(self, reader, writer):
        self.counts["connections"] += 1
        connection = self.counts["connections"]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    await self.write(writer, 431, "text/plain", b"request header too large\n", True)
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = (lines[0].split(" ") + ["", ""])[:3]
                headers = []
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers.append((name.strip(), value.strip()))
                length = int(sigv4.header_value(headers, "content-length") or 0)
                if length > MAX_BODY_BYTES:
                    await self.write(writer, 413, "text/plain", b"request body too large\n", True)
                    return
                body = await reader.readexactly(length) if length else b""
                close = (sigv4.header_value(headers, "connection") or "").lower() == "close"
                arrival = time.clock_gettime(time.CLOCK_MONOTONIC)
                if self.latency:
                    await asyncio.sleep(self.latency)
                status, content_type, payload, extra = self.dispatch(method, target, headers, body)
                await self.write(writer, status, content_type, payload, close, extra)
                operation = sigv4.header_value(headers, "x-amz-target") or target.partition("?")[0]
                self.timeline.append((arrival, time.clock_gettime(time.CLOCK_MONOTONIC), operation, connection))
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            return
        finally:
            writer.close()

    @staticmethod
    async def write(writer, status, content_type, payload, close, extra=()):
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  404: "Not Found", 413: "Payload Too Large", 431: "Request Header Fields Too Large"}
        head = [f"HTTP/1.1 {status} {reason.get(status, 'Error')}", f"Content-Type: {content_type}",
                f"Content-Length: {len(payload)}", "Connection: " + ("close" if close else "keep-alive")]
        head += [f"{name}: {value}" for name, value in extra]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        await writer.drain()

    # -- routing ------------------------------------------------------------

    def dispatch(self, method, target, headers, body):
        path, _, query = target.partition("?")
        request_id = str(uuid.uuid4())
        if method == "GET" and path == "/_github/idtoken":
            self.counts["github idtoken"] += 1
            return self.id_token(query, headers)
        if method == "POST" and path == "/":
            amz_target = sigv4.header_value(headers, "x-amz-target")
            if amz_target == "secretsmanager.GetSecretValue":
                self.counts["secretsmanager GetSecretValue"] += 1
                try:
                    payload = self.get_secret_value(method, path, query, headers, body)
                except ApiError as error:
                    self.counts[f"error {error.code}"] += 1
                    return (error.status, "application/x-amz-json-1.1",
                            json.dumps({"__type": error.code, "message": error.message}).encode(),
                            [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", error.code)])
                return 200, "application/x-amz-json-1.1", payload, [("x-amzn-RequestId", request_id)]
            params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            if params.get("Action") == "AssumeRoleWithWebIdentity":
                self.counts["sts AssumeRoleWithWebIdentity"] += 1
                try:
                    result = self.assume_role_with_web_identity(params)
                except ApiError as error:
                    self.counts[f"error {error.code}"] += 1
                    return error.status, "text/xml", query_error(error, request_id), [("x-amzn-RequestId", request_id)]
                return 200, "text/xml", query_response("AssumeRoleWithWebIdentity", result, request_id), \
                    [("x-amzn-RequestId", request_id)]
        self.counts["unsupported"] += 1
        message = f"bench server does not serve {method} {path}; use tests/emulator/serve.py\n"
        return 404, "text/plain", message.encode(), []

    def id_token(self, query, headers):
        if not self.world.issuer.check_request_token(sigv4.header_value(headers, "authorization")):
            return 401, "application/json", b'{"message": "Bad credentials"}', []
        audience = dict(urllib.parse.parse_qsl(query)).get("audience")
        token = self.world.issuer.issue(audience)
        return 200, "application/json", json.dumps({"value": token}).encode(), []

    # -- STS ----------------------------------------------------------------

    def assume_role_with_web_identity(self, params):
        role_arn = params.get("RoleArn", "")
        token = params.get("WebIdentityToken", "")
        session_name = params.get("RoleSessionName", "")
        if not role_arn or not token or not session_name:
            raise ApiError(400, "ValidationError", "RoleArn, RoleSessionName and WebIdentityToken are required")
        try:
            claims = self.world.issuer.verify(token)
        except TokenError as error:
            code = "ExpiredTokenException" if error.reason == "expired" else "InvalidIdentityToken"
            raise ApiError(400, code, error.message)
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
        host = str(claims.get("iss", "")).removeprefix("https://")
        provider = self.world.providers.get((account, host))
        if provider is None:
            raise ApiError(400, "InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {claims.get('iss')}")
        if not any(aud in provider.get("ClientIDList", []) for aud in as_list(claims.get("aud"))):
            raise ApiError(400, "InvalidIdentityToken", "Incorrect token audience")
        role = self.world.roles.get(role_arn)
        if role is None or not role.trusts(provider["Arn"], host, claims):
            raise ApiError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        access_key = "ASIA" + secrets.token_hex(8).upper()
        session_arn = f"arn:aws:sts::{account}:assumed-role/{role.name}/{session_name}"
        expiration_epoch = int(time.time()) + SESSION_SECONDS
        session_token = self.world.sessions.issue_token(access_key, role.arn, session_arn, expiration_epoch)
        session = {"secret": self.world.sessions.secret_key(access_key), "token": session_token,
                   "arn": session_arn, "expiration": expiration_epoch}
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expiration_epoch))
        return {"Credentials": {"AccessKeyId": access_key, "SecretAccessKey": session["secret"],
                                "SessionToken": session["token"], "Expiration": expiration},
                "SubjectFromWebIdentityToken": claims.get("sub", ""),
                "AssumedRoleUser": {"Arn": session_arn, "AssumedRoleId": f"AROA{access_key[4:]}:{session_name}"},
                "Provider": claims.get("iss", ""), "Audience": as_list(claims.get("aud"))[0]}

    # -- Secrets Manager ----------------------------------------------------

    def get_secret_value(self, method, path, query, headers, body):
        try:
            auth = sigv4.verify(method, path, query, headers, body, self.world.sessions.secret_key)
        except sigv4.SigV4Error as error:
            code = {"unknown-key": "UnrecognizedClientException", "missing": "MissingAuthenticationTokenException",
                    "incomplete": "IncompleteSignatureException"}.get(error.kind, "InvalidSignatureException")
            raise ApiError(400, code, error.message)
        if "x-amz-security-token" not in auth.signed_headers:
            raise ApiError(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        session = self.world.sessions.verify_token(auth.access_key_id,
                                                   sigv4.header_value(headers, "x-amz-security-token"))
        if session is None:
            raise ApiError(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        if time.time() > session["exp"]:
            raise ApiError(400, "ExpiredTokenException", "The security token included in the request is expired")
        role = self.world.roles.get(session["role"])
        try:
            secret_id = json.loads(body).get("SecretId", "")
        except ValueError:
            raise ApiError(400, "SerializationException", "Start of structure or map found where not expected.")
        account = session["arn"].split(":")[4]
        secret = self.world.secrets_by_arn.get(secret_id) or \
            self.world.secrets_by_name.get((account, auth.region, secret_id))
        resource = secret["ARN"] if secret else secret_id
        if role is None or not role.allows("secretsmanager:GetSecretValue", resource):
            raise ApiError(400, "AccessDeniedException",
                           f"User: {session['arn']} is not authorized to perform: secretsmanager:GetSecretValue "
                           f"on resource: {secret_id} because no identity-based policy allows the "
                           f"secretsmanager:GetSecretValue action")
        if secret is None:
            raise ApiError(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
        result = {"ARN": secret["ARN"], "Name": secret.get("Name"),
                  "VersionId": str(uuid.uuid5(uuid.NAMESPACE_URL, secret["ARN"])),
                  "VersionStages": ["AWSCURRENT"], "CreatedDate": secret.get("CreatedDate", 1767225600.0)}
        if "SecretString" in secret:
            result["SecretString"] = secret["SecretString"]
        else:
            result["SecretBinary"] = secret.get("SecretBinary", "")
        return json.dumps(result).encode()


def xml_value(value):
    if isinstance(value, dict):
        return "".join(f"<{k}>{xml_value(v)}</{k}>" for k, v in value.items() if v is not None)
    return escape(str(value))


def query_response(operation, result, request_id):
    return (f'<{operation}Response xmlns="{STS_NAMESPACE}">\n'
            f"  <{operation}Result>{xml_value(result)}</{operation}Result>\n"
            f"  <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\n"
            f"</{operation}Response>\n").encode()


def query_error(error, request_id):
    return (f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n  <Error>\n    <Type>Sender</Type>\n'
            f"    <Code>{escape(error.code)}</Code>\n    <Message>{escape(error.message)}</Message>\n"
            f"  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n").encode()


def write_env_file(path, base_url, ca_path, world):
    lines = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{base_url}/_github/idtoken?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": world.issuer.request_token,
        "AWS_ENDPOINT_URL": base_url,
        "AWS_CA_BUNDLE": ca_path,
        "SECRET_PREFLIGHT_CA_BUNDLE": ca_path,
        "NODE_EXTRA_CA_CERTS": ca_path,
        "AWS_REGION": world.region(),
        "AWS_DEFAULT_REGION": world.region(),
    }
    lines.update({k: str(v) for k, v in (world.ci.get("env") or {}).items()})
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("".join(f"{name}={value}\n" for name, value in lines.items()))
    os.replace(path + ".tmp", path)


async def run_worker(listener_socket, context, server, stats_path):
    """Serve on the shared listening socket until SIGTERM, then write this worker's counts."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    parent = os.getppid()
    listener = await asyncio.start_server(server.handle_connection, sock=listener_socket, ssl=context,
                                          limit=MAX_HEADER_BYTES)
    async with listener:
        # A worker whose parent died (SIGKILL) stops by itself instead of serving on.
        while not stop.is_set() and os.getppid() == parent:
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass
    if stats_path:
        with open(stats_path, "w", encoding="utf-8") as f:
            json.dump({"counts": dict(server.counts), "timeline": server.timeline}, f)


def serve(args):
    world = World(args.cloud_dir)
    server = Server(world, args.latency_ms / 1000.0)
    folder = tempfile.mkdtemp(prefix="secret-preflight-bench-server-")
    try:
        ca_path, cert_path, key_path = tls.write_certificates(folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        listener_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener_socket.bind(("127.0.0.1", args.port))
        listener_socket.listen(512)
        listener_socket.setblocking(False)
        base_url = f"https://127.0.0.1:{listener_socket.getsockname()[1]}"
        stats_dir = os.path.join(folder, "stats")
        os.mkdir(stats_dir)

        # SIGTERM before the workers start must still stop them, so the
        # handlers are in place before the first fork.
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda received, frame: stopping.append(received))

        # Worker processes share the listening socket, and the kernel hands
        # each accepted connection to one of them.
        workers = []
        for number in range(args.workers):
            pid = os.fork()
            if pid == 0:
                status = 0
                try:
                    asyncio.run(run_worker(listener_socket, context, server,
                                           os.path.join(stats_dir, f"worker-{number}.json")))
                except BaseException as error:  # the parent reports a worker that failed
                    print(f"bench server worker {number} failed: {error!r}", file=sys.stderr, flush=True)
                    status = 1
                os._exit(status)
            workers.append(pid)

        write_env_file(args.env_file, base_url, str(ca_path), world)
        print(f"secret-preflight bench server ready on {base_url} (env file {args.env_file}, "
              f"latency {args.latency_ms:g} ms, {args.workers} workers)", flush=True)
        while not stopping:
            time.sleep(0.2)
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        failed = 0
        for pid in workers:
            _, status = os.waitpid(pid, 0)
            failed += status != 0
        counts, timeline = collections.Counter(), []
        for number, name in enumerate(sorted(os.listdir(stats_dir))):
            with open(os.path.join(stats_dir, name), encoding="utf-8") as f:
                worker = json.load(f)
            counts.update(worker["counts"])
            # Connection numbers count per worker, so the worker's index keeps them apart.
            timeline += [(start, end, operation, f"{number}-{connection}")
                         for start, end, operation, connection in worker["timeline"]]
        if args.stats_file:
            with open(args.stats_file, "w", encoding="utf-8") as f:
                json.dump(dict(counts), f, indent=2, sort_keys=True)
        if args.timeline_file:
            with open(args.timeline_file, "w", encoding="utf-8") as f:
                json.dump(sorted(timeline), f)
        print(f"secret-preflight bench server stopped after {sum(counts.values())} requests"
              f"{f', {failed} workers failed' if failed else ''}", flush=True)
        return 1 if failed else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cloud_dir")
    parser.add_argument("--env-file", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before each response, milliseconds")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: ephemeral)")
    parser.add_argument("--workers", type=int, default=4, help="worker processes sharing the port")
    parser.add_argument("--stats-file", help="write request counts per operation here on exit")
    parser.add_argument("--timeline-file",
                        help="write every request's arrival and response times (monotonic seconds), "
                             "operation and connection here on exit")
    sys.exit(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
