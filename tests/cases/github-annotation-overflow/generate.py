#!/usr/bin/python3
"""Write this case's generated files: the task definitions, secrets.json and expected.json.

deploy/ecs/api.json names 60 secrets that shop-api-exec may not read (60
denied edges), and deploy/ecs/worker.json names 12 secrets but no
executionRoleArn (12 unresolved edges). The other files under cloud/ and
repo/ are written by hand. Run it from anywhere after changing the counts:

    /usr/bin/python3 tests/cases/github-annotation-overflow/generate.py
"""

import json
import os

CASE_DIR = os.path.dirname(os.path.abspath(__file__))
CASE = os.path.basename(CASE_DIR)
ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/shop-api-exec"
DENIED_COUNT = 60
UNRESOLVED_COUNT = 12


def secret_arn(name, number):
    # Secrets Manager ARNs end in "-" and six random characters; these are fixed per secret.
    return f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{name}-Q{number:05d}"


def task_definition(family, arns, role_arn):
    document = {"family": family}
    if role_arn:
        document["executionRoleArn"] = role_arn
    document["containerDefinitions"] = [{
        "name": family,
        "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{family}:3.1.0",
        "essential": True,
        "secrets": [{"name": f"SECRET_{i + 1}", "valueFrom": arn} for i, arn in enumerate(arns)],
    }]
    return json.dumps(document, indent=2) + "\n"


def value_lines(text):
    """Map each valueFrom to its 1-based line in `text`."""
    lines = {}
    for number, line in enumerate(text.splitlines(), 1):
        if '"valueFrom"' in line:
            lines[json.loads("{" + line.strip().rstrip(",") + "}")["valueFrom"]] = number
    return lines


def write(relative_path, text):
    path = os.path.join(CASE_DIR, relative_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    denied = [secret_arn(f"shop/billing/key-{n:02d}", n) for n in range(1, DENIED_COUNT + 1)]
    unresolved = [secret_arn(f"shop/worker/key-{n:02d}", 100 + n) for n in range(1, UNRESOLVED_COUNT + 1)]
    api = task_definition("shop-api", denied, ROLE_ARN)
    worker = task_definition("shop-worker", unresolved, None)
    write("repo/deploy/ecs/api.json", api)
    write("repo/deploy/ecs/worker.json", worker)

    secrets = [{"ARN": arn, "Name": arn.split(":secret:")[1][:-7],
                "SecretString": f"CANARY-{CASE}-{number}", "CreatedDate": 1772442891.0}
               for number, arn in enumerate(denied + unresolved, 1)]
    write("cloud/aws/secrets.json", json.dumps(secrets, indent=2) + "\n")

    edges = []
    api_lines, worker_lines = value_lines(api), value_lines(worker)
    for arn in denied:
        edges.append({"reference": {"file": "deploy/ecs/api.json", "line": api_lines[arn]},
                      "identity": {"principal": ROLE_ARN}, "secret": {"id": arn}, "verdict": "denied"})
    for arn in unresolved:
        edges.append({"reference": {"file": "deploy/ecs/worker.json", "line": worker_lines[arn]},
                      "secret": {"id": arn}, "verdict": "unresolved"})
    write("expected.json", json.dumps({"exit_status": 1, "edges": edges}, indent=2) + "\n")


if __name__ == "__main__":
    main()
