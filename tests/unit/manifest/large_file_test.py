#!/usr/bin/python3
"""Run secret-preflight on 100 MiB manifest files made at test time.

Each run must finish within a wall-clock bound and a peak-RSS bound (the
child's own ru_maxrss from os.wait4), report its input error with file, line
and column, still plan the good task definition beside it, and exit 2. The
files are written to a temporary folder and removed afterwards.

    /usr/bin/python3 tests/unit/manifest/large_file_test.py --binary build/secret-preflight
"""

import argparse
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

MIB = 1 << 20
FILE_SIZE = 100 * MIB
BINARY = None

GOOD_TASK_DEFINITION = {
    "family": "api",
    "executionRoleArn": "arn:aws:iam::111122223333:role/api-exec",
    "containerDefinitions": [{
        "name": "api",
        "image": "registry.example.com/api:1",
        "secrets": [{
            "name": "DB_PASSWORD",
            "valueFrom": "arn:aws:secretsmanager:us-east-1:111122223333:secret:api/db-AbCdEf",
        }],
    }],
}

CONFIG_MAP = """---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-{index}
  namespace: shop
data:
  LOG_LEVEL: info
  settings.json: |
    {{"retries": 3, "timeout": 30}}
"""


def write_repeated(path, block, size):
    """Write `block` (bytes) to `path` repeatedly until the file is `size` bytes long."""
    with open(path, "wb") as out:
        written = 0
        chunk = block * max(1, (4 * MIB) // len(block))
        while written < size:
            piece = chunk[:size - written]
            out.write(piece)
            written += len(piece)


def run_plan(root, *extra):
    """Run `plan --format json` in `root`; return (status, report, stderr, seconds, max RSS in MiB)."""
    started = time.monotonic()
    process = subprocess.Popen([BINARY, "plan", "--format", "json", *extra], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The pipes are read to the end first; wait4 then reaps the child with
    # its own resource usage, which getrusage(RUSAGE_CHILDREN) would mix
    # with earlier runs. Linux carries the forking parent's peak RSS into
    # the child's ru_maxrss across exec, so this test never keeps a large
    # buffer itself: its files are written in 4 MiB pieces.
    stdout, stderr = communicate_without_wait(process)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    rss_mib = usage.ru_maxrss / 1024
    print(f"\n  plan {' '.join(extra)}: {seconds:.2f} s, peak RSS {rss_mib:.0f} MiB",
          file=sys.stderr)
    return (process.returncode, json.loads(stdout or b"{}"), stderr.decode("utf-8", "replace"),
            seconds, rss_mib)


def communicate_without_wait(process):
    """Read stdout and stderr to the end without reaping the process."""
    outputs = {process.stdout: bytearray(), process.stderr: bytearray()}
    selector = selectors.DefaultSelector()
    for stream in outputs:
        selector.register(stream, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            data = os.read(key.fileobj.fileno(), 1 << 16)
            if data:
                outputs[key.fileobj] += data
            else:
                selector.unregister(key.fileobj)
    for stream in outputs:
        stream.close()
    return bytes(outputs[process.stdout]), bytes(outputs[process.stderr])


class LargeManifestFiles(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="sp-large-")
        os.makedirs(os.path.join(self.root, "deploy"))
        with open(os.path.join(self.root, "deploy", "api.json"), "w") as out:
            json.dump(GOOD_TASK_DEFINITION, out, indent=2)

    def tearDown(self):
        shutil.rmtree(self.root)

    def assert_good_edge_planned(self, report):
        ids = [edge["secret"]["id"] for edge in report.get("edges", [])]
        self.assertEqual(ids, [GOOD_TASK_DEFINITION["containerDefinitions"][0]["secrets"][0]["valueFrom"]])

    def diagnostic_for(self, report, file):
        found = [d for d in report.get("diagnostics", []) if d["file"] == file]
        self.assertEqual(len(found), 1, report.get("diagnostics"))
        return found[0]

    def test_default_limit_rejects_unread(self):
        block = "".join(CONFIG_MAP.format(index=i) for i in range(100)).encode()
        write_repeated(os.path.join(self.root, "deploy", "huge.yaml"), block, FILE_SIZE)
        status, report, stderr, seconds, rss_mib = run_plan(self.root)
        self.assertEqual(status, 2, stderr)
        diagnostic = self.diagnostic_for(report, "deploy/huge.yaml")
        self.assertEqual(diagnostic["severity"], "error")
        self.assertEqual(diagnostic["message"],
                         "manifest file is 100 MiB, over the 64 MiB limit of --max-file-size, so "
                         "it was not read. Raise the limit (for example --max-file-size=256M) or "
                         "leave the file out of the scanned paths")
        self.assert_good_edge_planned(report)
        self.assertLess(seconds, 10)
        self.assertLess(rss_mib, 64)

    def test_binary_file_read_in_bounds(self):
        block = bytes(range(1, 256)) + b"\n"
        path = os.path.join(self.root, "deploy", "image.yaml")
        write_repeated(path, block, FILE_SIZE)
        # A NUL byte past git's 8000-byte probe, so the whole file is read
        # and checked as UTF-8 before the byte is found.
        with open(path, "r+b") as out:
            out.seek(FILE_SIZE - 100)
            out.write(b"\0")
        status, report, stderr, seconds, rss_mib = run_plan(self.root, "--max-file-size", "0")
        self.assertEqual(status, 2, stderr)
        diagnostic = self.diagnostic_for(report, "deploy/image.yaml")
        # Line 1 ends at byte 0x0A, so 0x80, the first byte that is not valid
        # UTF-8, is column 0x80 - 0x0A on line 2.
        self.assertEqual((diagnostic["line"], diagnostic["column"]), (2, 118))
        self.assertTrue(diagnostic["message"].startswith("invalid UTF-8: byte 0x80"), diagnostic)
        self.assert_good_edge_planned(report)
        self.assertLess(seconds, 20)
        # The file's text and its line offsets, not a parse tree.
        self.assertLess(rss_mib, 3 * FILE_SIZE / MIB)

    def test_deep_nesting_stops_early(self):
        path = os.path.join(self.root, "deploy", "deep.yaml")
        with open(path, "wb") as out:
            out.write(b"data: ")
        with open(path, "ab") as out:
            for bracket in (b"[", b"]"):
                for _ in range(FILE_SIZE // 2 // (4 * MIB)):
                    out.write(bracket * (4 * MIB))
        status, report, stderr, seconds, rss_mib = run_plan(self.root, "--max-file-size", "0")
        self.assertEqual(status, 2, stderr)
        diagnostic = self.diagnostic_for(report, "deploy/deep.yaml")
        self.assertEqual((diagnostic["line"], diagnostic["column"]), (1, 206))
        self.assertTrue(diagnostic["message"].startswith(
            "mappings and sequences nest deeper than 200 levels"), diagnostic)
        self.assert_good_edge_planned(report)
        self.assertLess(seconds, 20)
        self.assertLess(rss_mib, 4 * FILE_SIZE / MIB)


def main():
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the secret-preflight binary")
    arguments, rest = parser.parse_known_args()
    BINARY = os.path.abspath(arguments.binary)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
