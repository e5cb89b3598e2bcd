#!/usr/bin/python3
"""Measure a server's ceiling for signed GetSecretValue calls over TLS.

    /usr/bin/python3 bench/load.py ENV_FILE REFERENCES_JSON [--requests 3000]
                                   [--concurrency 16]

Reads the server's env file (tests/emulator/serve.py and bench/server.py
write the same variables), fetches an OIDC token from its GitHub token
endpoint, assumes the first role of the references list with
AssumeRoleWithWebIdentity, then sends --requests GetSecretValue calls for
that role's secrets through `curl --parallel` (libcurl's multi interface,
with --concurrency keep-alive connections, SigV4 by `--aws-sigv4`). Prints
one JSON object: requests, seconds, requests_per_second and the HTTP status
counts. The session credentials go to curl through a config file in a
private temporary folder, never on a command line.
"""

import argparse
import collections
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def read_env_file(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[name] = value
    return env


def fetch(url, context, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return response.read().decode("utf-8")


def assume_role(env, context, role_arn):
    """Return (access key id, secret access key, session token) for role_arn."""
    token_url = env["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=sts.amazonaws.com"
    token = json.loads(fetch(token_url, context, headers={
        "Authorization": "Bearer " + env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]}))["value"]
    body = urllib.parse.urlencode({"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                                   "RoleArn": role_arn, "RoleSessionName": "bench-load",
                                   "WebIdentityToken": token}).encode()
    xml = fetch(env["AWS_ENDPOINT_URL"] + "/", context, data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    fields = {}
    for name in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        match = re.search(f"<{name}>([^<]+)</{name}>", xml)
        if not match:
            raise SystemExit(f"load: AssumeRoleWithWebIdentity for {role_arn} returned no {name}")
        fields[name] = match.group(1)
    return fields["AccessKeyId"], fields["SecretAccessKey"], fields["SessionToken"]


def curl_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_load(env, references, requests, concurrency):
    context = ssl.create_default_context(cafile=env["AWS_CA_BUNDLE"])
    identity = references["identities"][0]
    access_key, secret_key, session_token = assume_role(env, context, identity["role_arn"])
    region = env.get("AWS_REGION", "us-east-1")
    url = env["AWS_ENDPOINT_URL"] + "/"
    with tempfile.TemporaryDirectory(prefix="secret-preflight-bench-load-") as folder:
        config_path = os.path.join(folder, "curl.config")
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        # Options after `next` start afresh, so every transfer repeats them.
        common = (f"user = {curl_quote(access_key + ':' + secret_key)}\n"
                  f"aws-sigv4 = \"aws:amz:{region}:secretsmanager\"\n"
                  f"cacert = {curl_quote(env['AWS_CA_BUNDLE'])}\n"
                  f"header = {curl_quote('X-Amz-Security-Token: ' + session_token)}\n"
                  "header = \"X-Amz-Target: secretsmanager.GetSecretValue\"\n"
                  "header = \"Content-Type: application/x-amz-json-1.1\"\n"
                  "max-time = 30\n"
                  "write-out = \"%{http_code}\\n\"\n"
                  f"url = {curl_quote(url)}\noutput = /dev/null\n")
        with os.fdopen(fd, "w", encoding="utf-8") as config:
            config.write(f"silent\nparallel\nparallel-immediate\nparallel-max = {concurrency}\n")
            for number in range(requests):
                secret_id = identity["secret_ids"][number % len(identity["secret_ids"])]
                if number:
                    config.write("next\n")
                config.write(common)
                config.write(f"data = {curl_quote(json.dumps({'SecretId': secret_id}))}\n")
        start = time.monotonic()
        completed = subprocess.run(["curl", "--config", config_path], stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - start
    statuses = collections.Counter(line.strip() for line in completed.stdout.splitlines() if line.strip())
    return {"requests": requests, "concurrency": concurrency, "seconds": round(seconds, 3),
            "requests_per_second": round(requests / seconds, 1), "status_counts": dict(statuses),
            "curl_exit_status": completed.returncode}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("env_file")
    parser.add_argument("references")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with open(args.references, encoding="utf-8") as f:
        references = json.load(f)
    result = run_load(read_env_file(args.env_file), references, args.requests, args.concurrency)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
