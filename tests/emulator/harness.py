"""Start serve.py as a subprocess for tests, and sign requests to it."""

import datetime
import hashlib
import json
import os
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sigv4

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
PYTHON = "/usr/bin/python3"


class RunningEmulator:
    """An emulator process for one cloud/ folder; use as a context manager."""

    def __init__(self, cloud_dir):
        self.cloud_dir = Path(cloud_dir)
        self.temp = tempfile.TemporaryDirectory(prefix="emulator-test-")
        self.env_path = Path(self.temp.name) / "case.env"
        self.request_log = Path(self.temp.name) / "requests.jsonl"
        self.stderr_path = Path(self.temp.name) / "stderr.log"
        self.process = None
        self.env = {}

    def __enter__(self):
        self._stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            [PYTHON, str(HERE / "serve.py"), str(self.cloud_dir), "--env-file", str(self.env_path),
             "--request-log", str(self.request_log)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        ready = self.process.stdout.readline()
        if "ready" not in ready:
            self.__exit__(None, None, None)
            raise RuntimeError(f"emulator did not start: {self.stderr_path.read_text()}")
        for line in self.env_path.read_text().splitlines():
            name, _, value = line.partition("=")
            self.env[name] = value
        self.ssl_context = ssl.create_default_context(cafile=self.env["AWS_CA_BUNDLE"])
        return self

    def __exit__(self, *exc_info):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self._stderr.close()
        self.temp.cleanup()

    @property
    def endpoint(self):
        return self.env["AWS_ENDPOINT_URL"]

    def open(self, request, timeout=10):
        """Send a urllib request; return (status, headers, body) for success and HTTP errors alike."""
        try:
            with urllib.request.urlopen(request, context=self.ssl_context, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def github_token(self, audience="sts.amazonaws.com"):
        url = self.env["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=" + urllib.parse.quote(audience, safe="")
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + self.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]})
        status, _, body = self.open(request)
        assert status == 200, body
        return json.loads(body)["value"]

    def post_form(self, params, credentials=None, service="sts", region="us-east-1"):
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return self._post(body, headers, credentials, service, region)

    def post_json(self, target, payload, credentials, service, region="us-east-1"):
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
        return self._post(body, headers, credentials, service, region)

    def _post(self, body, headers, credentials, service, region):
        if credentials:
            headers = sign(self.endpoint, body, headers, credentials, service, region)
        request = urllib.request.Request(self.endpoint + "/", data=body, headers=headers, method="POST")
        return self.open(request)


def sign(endpoint, body, headers, credentials, service, region, now=None):
    """Return headers with a SigV4 Authorization for a POST to `/`.

    credentials is (access_key_id, secret_access_key, session_token or None).
    """
    access_key_id, secret_key, session_token = credentials
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    signed = dict(headers)
    signed["Host"] = urllib.parse.urlsplit(endpoint).netloc
    signed["X-Amz-Date"] = amz_date
    if session_token:
        signed["X-Amz-Security-Token"] = session_token
    names = sorted(name.lower() for name in signed)
    pairs = [(name, value) for name, value in signed.items()]
    canonical = sigv4.canonical_request("POST", "/", "", pairs, names, hashlib.sha256(body).hexdigest())
    signature = sigv4.compute_signature(secret_key, amz_date, amz_date[:8], region, service, canonical)
    signed["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key_id}/{amz_date[:8]}/{region}/{service}/aws4_request, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    del signed["Host"]
    return signed


def cli_env(emulator, credentials=None):
    """Environment for /usr/bin/aws: no config files, given credentials only."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": emulator.temp.name,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }
    if credentials:
        env["AWS_ACCESS_KEY_ID"] = credentials[0]
        env["AWS_SECRET_ACCESS_KEY"] = credentials[1]
        if credentials[2]:
            env["AWS_SESSION_TOKEN"] = credentials[2]
    return env
