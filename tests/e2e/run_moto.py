#!/usr/bin/python3
"""Check the product against moto, an AWS emulator that this project did not write.

The script starts `moto_server` over TLS on 127.0.0.1 and seeds a Secrets
Manager secret and an SSM parameter with Debian's AWS CLI (/usr/bin/aws).
Then it runs `secret-preflight check` on a small ECS repository that names the
secret and a parameter that does not exist. It asserts an `ok` edge and a `not-found`
edge, exit status 1, and that no secret value appears in any output.

moto does not verify signatures, web identity tokens or trust policies, so
this checks the wire format of the product's STS, Secrets Manager and SSM
calls, not its policy diagnosis; tests/e2e/run_cases.py covers that.

Usage:
    /usr/bin/python3 tests/e2e/run_moto.py [--binary PATH] [--keep]

Prints SKIP and exits 0 when moto_server or /usr/bin/aws is not installed.
"""

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWS_CLI = "/usr/bin/aws"
OPENSSL = "/usr/bin/openssl"
# moto's default account; roles and secrets it creates live there.
ACCOUNT = "123456789012"
REGION = "us-east-1"
SECRET_VALUE = '{"password": "CANARY-moto-1-pass", "username": "CANARY-moto-1-user"}'
PARAMETER_VALUE = "CANARY-moto-2"
CANARIES = ["CANARY-moto-1-pass", "CANARY-moto-1-user", PARAMETER_VALUE]
SERVER_START_SECONDS = 30


class CheckFailure(Exception):
    pass


def find_moto_server():
    """Return the moto_server path, looking on PATH and in pyenv's versions."""
    found = shutil.which("moto_server")
    if found:
        return found
    pyenv_versions = os.path.expanduser("~/.pyenv/versions")
    if os.path.isdir(pyenv_versions):
        for version in sorted(os.listdir(pyenv_versions), reverse=True):
            candidate = os.path.join(pyenv_versions, version, "bin", "moto_server")
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def free_port():
    # NOTE: another process could take the port between this check and
    # moto's bind, which would show as a start-up failure.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(work_dir):
    cert = os.path.join(work_dir, "moto-cert.pem")
    key = os.path.join(work_dir, "moto-key.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def wait_for_tls(port, cert, process, seconds):
    context = ssl.create_default_context(cafile=cert)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise CheckFailure(f"moto_server exited with status {process.returncode} during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                with context.wrap_socket(sock, server_hostname="127.0.0.1"):
                    return
        except (OSError, ssl.SSLError):
            time.sleep(0.2)
    raise CheckFailure(f"moto_server did not accept TLS connections on port {port} within {seconds} s")


def aws_cli(endpoint, cert, env, *args):
    """Run Debian's AWS CLI against moto and return its parsed JSON output."""
    completed = subprocess.run([AWS_CLI, "--endpoint-url", endpoint, "--ca-bundle", cert,
                                "--region", REGION, "--output", "json"] + list(args),
                               env=env, capture_output=True, text=True, timeout=60)
    if completed.returncode != 0:
        raise CheckFailure(f"aws {' '.join(args[:2])} failed: {completed.stderr.strip()[-300:]}")
    return json.loads(completed.stdout) if completed.stdout.strip() else {}


def unsigned_jwt(claims):
    """Return a JWT-shaped token; moto reads its claims without checking the signature."""
    def encode(part):
        raw = json.dumps(part, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return ".".join([encode({"alg": "RS256", "typ": "JWT", "kid": "moto"}), encode(claims), "c2lnbmF0dXJl"])


def write_repository(repo_dir, secret_arn):
    os.makedirs(os.path.join(repo_dir, ".github"))
    os.makedirs(os.path.join(repo_dir, "deploy"))
    with open(os.path.join(repo_dir, ".github", "secret-preflight.yml"), "w") as f:
        f.write(f'version: 1\naws:\n  region: {REGION}\n  account: "{ACCOUNT}"\n')
    task_definition = {
        "family": "moto-api",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/moto-exec",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": [{
            "name": "api",
            "image": "registry.example.com/moto-api:1.0.0",
            "secrets": [
                {"name": "DB_PASSWORD", "valueFrom": secret_arn + ":password::"},
                {"name": "API_KEY", "valueFrom": "/shop/moto/missing-key"},
            ],
        }],
    }
    text = json.dumps(task_definition, indent=2) + "\n"
    with open(os.path.join(repo_dir, "deploy", "moto-api.json"), "w") as f:
        f.write(text)
    lines = text.splitlines()
    secret_line = next(i + 1 for i, line in enumerate(lines) if secret_arn in line)
    missing_line = next(i + 1 for i, line in enumerate(lines) if "/shop/moto/missing-key" in line)
    return {("deploy/moto-api.json", secret_line): (secret_arn, "ok"),
            ("deploy/moto-api.json", missing_line): ("/shop/moto/missing-key", "not-found")}


def run(binary, work_dir):
    moto_server = find_moto_server()
    if moto_server is None or not os.access(AWS_CLI, os.X_OK):
        missing = "moto_server" if moto_server is None else AWS_CLI
        print(f"SKIP moto: {missing} is not installed")
        return 0
    if not os.access(binary, os.X_OK):
        raise CheckFailure(f"binary not found or not executable: {binary}")

    cert, key = make_certificate(work_dir)
    port = free_port()
    endpoint = f"https://127.0.0.1:{port}"
    log = open(os.path.join(work_dir, "moto.log"), "wb")
    process = subprocess.Popen([moto_server, "-H", "127.0.0.1", "-p", str(port), "-c", cert, "-k", key],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_tls(port, cert, process, SERVER_START_SECONDS)
        seed_env = {"PATH": "/usr/bin:/bin", "HOME": work_dir, "AWS_ACCESS_KEY_ID": "AKIAMOTOSEEDER000001",
                    "AWS_SECRET_ACCESS_KEY": "moto-seeder-secret-key", "AWS_DEFAULT_REGION": REGION}
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        aws_cli(endpoint, cert, seed_env, "iam", "create-role", "--role-name", "moto-exec",
                "--assume-role-policy-document", json.dumps(trust))
        created = aws_cli(endpoint, cert, seed_env, "secretsmanager", "create-secret",
                          "--name", "shop/moto/db", "--secret-string", SECRET_VALUE)
        aws_cli(endpoint, cert, seed_env, "ssm", "put-parameter", "--name", "/shop/moto/api-key",
                "--type", "SecureString", "--value", PARAMETER_VALUE)

        repo_dir = os.path.join(work_dir, "repo")
        expected = write_repository(repo_dir, created["ARN"])
        token_path = os.path.join(work_dir, "token.jwt")
        now = int(time.time())
        with open(token_path, "w") as f:
            f.write(unsigned_jwt({"iss": "https://token.actions.githubusercontent.com",
                                  "sub": "repo:acme/shop:environment:preflight", "aud": "sts.amazonaws.com",
                                  "iat": now, "nbf": now, "exp": now + 600}))
        report_path = os.path.join(work_dir, "report.json")
        env = {"PATH": "/usr/bin:/bin", "HOME": work_dir, "AWS_ENDPOINT_URL": endpoint,
               "AWS_CA_BUNDLE": cert, "SECRET_PREFLIGHT_CA_BUNDLE": cert, "AWS_REGION": REGION,
               "AWS_DEFAULT_REGION": REGION, "GITHUB_RUN_ID": "9001"}
        completed = subprocess.run([binary, "check", "--report", report_path, "--token-file", token_path,
                                    "--ca-bundle", cert], cwd=repo_dir, env=env, stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=60)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()

    problems = []
    report_text = open(report_path).read() if os.path.exists(report_path) else ""
    for label, text in (("stdout", completed.stdout), ("stderr", completed.stderr), ("the report", report_text)):
        for canary in CANARIES:
            if canary in text:
                problems.append(f"secret value {canary} leaked into {label}")
    if completed.returncode != 1:
        problems.append(f"exit status {completed.returncode}, expected 1 "
                        f"(stderr: {completed.stderr.strip()[-300:] or 'none'})")
    if not report_text:
        problems.append("no report written")
    else:
        edges = json.loads(report_text).get("edges", [])
        found = {(e["reference"]["file"], e["reference"]["line"]): e for e in edges}
        for key, (secret_id, verdict) in expected.items():
            edge = found.pop(key, None)
            if edge is None:
                problems.append(f"missing edge {key[0]}:{key[1]} ({secret_id})")
                continue
            if edge.get("secret", {}).get("id") != secret_id:
                problems.append(f"{key[0]}:{key[1]}: secret.id is {edge.get('secret', {}).get('id')!r}, "
                                f"expected {secret_id!r}")
            if edge.get("verdict") != verdict:
                detail = edge.get("provider_error", {}).get("code", "")
                problems.append(f"{key[0]}:{key[1]}: verdict is {edge.get('verdict')!r} {detail}, "
                                f"expected {verdict!r}")
        for key in found:
            problems.append(f"extra edge {key[0]}:{key[1]}")
    if problems:
        raise CheckFailure("; ".join(problems))
    print("PASS moto: ok and not-found edges against moto_server")
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description="Run secret-preflight check against moto_server.")
    parser.add_argument("--binary", default=os.path.join(REPO_ROOT, "build", "secret-preflight"),
                        help="secret-preflight binary to test (default: build/secret-preflight)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)
    work_dir = tempfile.mkdtemp(prefix="secret-preflight-moto-")
    if args.keep:
        print(f"outputs kept in {work_dir}")
    try:
        return run(os.path.abspath(args.binary), work_dir)
    except CheckFailure as failure:
        print(f"FAIL moto: {failure}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
