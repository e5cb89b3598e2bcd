#!/usr/bin/python3
"""Write a large ECS case for the emulator: many task definitions over a few roles.

Each of `--roles` execution roles runs `--workloads-per-role` task
definitions with `--secrets-per-workload` secret references each. Every
workload of a role references the same secrets, so with more than one
workload per role the references repeat the same (role, secret) read across
workloads. Three quarters of the references name an existing JSON key
("password" in even workloads, "user" in odd ones). One in eight names, in
even workloads, a key the secret lacks and, in odd ones, "password" on the
same secret, so one read serves edges with different verdicts. One in eight
names a secret that does not exist, which an explicit deny also covers on
every eighth role, so `denied` and `not-found` edges sit next to `ok` ones.

Usage:
    /usr/bin/python3 tests/e2e/scale_world.py DEST [--roles 50] [--workloads-per-role 1]
        [--secrets-per-workload 20] [--latency-ms 0]

DEST gets cloud/ and repo/ folders as in tests/cases/<case>/, and
expected-verdicts.json: the verdict of every reference, by file and line.
"""

import argparse
import json
import os

ACCOUNT = "111122223333"
REGION = "us-east-1"
OIDC_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SUBJECT = "repo:acme/shop:environment:preflight"


def role_name(index):
    return f"scale-exec-{index:03d}"


def role_arn(index):
    return f"arn:aws:iam::{ACCOUNT}:role/{role_name(index)}"


def secret_name(role, slot):
    return f"scale/r{role:03d}/s{slot:03d}"


def secret_arn(role, slot):
    # Secrets Manager ARNs end in '-' and six random characters. A fixed
    # suffix keeps the world reproducible.
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret_name(role, slot)}-Ab12Cd"


def reference_kind(slot):
    """Return "ok", "key-missing" or "missing-secret" for the reference in `slot`."""
    if slot % 8 == 6:
        return "key-missing"
    if slot % 8 == 7:
        return "missing-secret"
    return "ok"


def denies_missing(role):
    return role % 8 == 3


def role_document(role):
    statements = [{
        "Sid": "ReadScaleSecrets",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:scale/r{role:03d}/*",
    }]
    if denies_missing(role):
        statements.append({
            "Sid": "DenyRetiredSecrets",
            "Effect": "Deny",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:scale/r{role:03d}/gone-*",
        })
    return {
        "Arn": role_arn(role),
        "RoleName": role_name(role),
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                 "Action": "sts:AssumeRole"},
                {"Effect": "Allow", "Principal": {"Federated": OIDC_PROVIDER},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {
                     "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                     "token.actions.githubusercontent.com:sub": SUBJECT}}},
            ],
        },
        "Policies": [{"PolicyName": "scale-secrets",
                      "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        "MaxSessionDuration": 3600,
    }


def json_key(slot, workload):
    if reference_kind(slot) == "key-missing":
        return "no_such_key" if workload % 2 == 0 else "password"
    return "password" if workload % 2 == 0 else "user"


def value_from(role, slot, workload):
    if reference_kind(slot) == "missing-secret":
        name = f"scale/r{role:03d}/gone-{slot:03d}"
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-Zz99Yy:password::"
    return secret_arn(role, slot) + f":{json_key(slot, workload)}::"


def expected_verdict(role, slot, workload):
    kind = reference_kind(slot)
    if kind == "missing-secret":
        return "denied" if denies_missing(role) else "not-found"
    return "key-missing" if json_key(slot, workload) == "no_such_key" else "ok"


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def task_definition(role, workload, secrets_per_workload):
    """Return the task definition text and the line of each secret's valueFrom."""
    secrets = [{"name": f"SECRET_{slot:03d}", "valueFrom": value_from(role, slot, workload)}
               for slot in range(secrets_per_workload)]
    document = {
        "family": f"scale-{role:03d}-{workload:02d}",
        "executionRoleArn": role_arn(role),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/docker/library/busybox:1",
                                  "essential": True, "secrets": secrets}],
    }
    text = json.dumps(document, indent=2) + "\n"
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if '"valueFrom"' in line:
            lines[len(lines)] = number
    return text, lines


def write_world(dest, roles, workloads_per_role, secrets_per_workload, latency_ms):
    cloud = os.path.join(dest, "cloud")
    repo = os.path.join(dest, "repo")
    write_json(os.path.join(cloud, "ci.json"), {
        "token_claims": {"iss": "https://token.actions.githubusercontent.com", "sub": SUBJECT,
                         "repository": "acme/shop", "repository_owner": "acme",
                         "ref": "refs/pull/7/merge", "event_name": "pull_request",
                         "environment": "preflight", "run_id": "9001"},
        "env": {"AWS_REGION": REGION, "GITHUB_RUN_ID": "9001"},
    })
    write_json(os.path.join(cloud, "aws", "accounts.json"), {"shop-prod": {"Id": ACCOUNT}})
    write_json(os.path.join(cloud, "aws", "oidc-providers.json"),
               [{"Arn": OIDC_PROVIDER, "Url": "https://token.actions.githubusercontent.com",
                 "ClientIDList": ["sts.amazonaws.com"]}])
    secrets = []
    for role in range(roles):
        write_json(os.path.join(cloud, "aws", "roles", role_name(role) + ".json"), role_document(role))
        for slot in range(secrets_per_workload):
            if reference_kind(slot) == "missing-secret":
                continue
            secrets.append({
                "ARN": secret_arn(role, slot), "Name": secret_name(role, slot),
                "VersionIdsToStages": {f"00000000-0000-4000-8000-{role:06d}{slot:06d}": ["AWSCURRENT"]},
                "SecretString": json.dumps({"password": f"CANARY-scale-{role:03d}-{slot:03d}",
                                            "user": f"CANARY-scale-user-{role:03d}-{slot:03d}"}),
                "CreatedDate": 1772442891.0,
            })
    write_json(os.path.join(cloud, "aws", "secrets.json"), secrets)
    if latency_ms:
        write_json(os.path.join(cloud, "faults.json"), [{"service": "*", "latency_ms": latency_ms}])

    os.makedirs(os.path.join(repo, ".github"), exist_ok=True)
    with open(os.path.join(repo, ".github", "secret-preflight.yml"), "w", encoding="utf-8") as f:
        f.write(f"version: 1\naws:\n  region: {REGION}\n  account: \"{ACCOUNT}\"\n")

    expected = {}
    for role in range(roles):
        for workload in range(workloads_per_role):
            path = f"deploy/ecs/scale-{role:03d}-{workload:02d}.json"
            text, lines = task_definition(role, workload, secrets_per_workload)
            os.makedirs(os.path.join(repo, "deploy", "ecs"), exist_ok=True)
            with open(os.path.join(repo, path), "w", encoding="utf-8") as f:
                f.write(text)
            for slot, line in lines.items():
                expected[f"{path}:{line}"] = expected_verdict(role, slot, workload)
    write_json(os.path.join(dest, "expected-verdicts.json"), expected)
    return expected


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description="Write a large ECS case: task definitions over a few roles.")
    parser.add_argument("dest", help="folder to write cloud/, repo/ and expected-verdicts.json into")
    parser.add_argument("--roles", type=int, default=50, help="execution roles (default 50)")
    parser.add_argument("--workloads-per-role", type=int, default=1,
                        help="task definitions per role, each with the same references (default 1)")
    parser.add_argument("--secrets-per-workload", type=int, default=20,
                        help="secret references per task definition (default 20)")
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="latency the emulator adds to every request, in milliseconds (default 0)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    expected = write_world(args.dest, args.roles, args.workloads_per_role, args.secrets_per_workload,
                           args.latency_ms)
    print(f"wrote {len(expected)} references over {args.roles} roles to {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
