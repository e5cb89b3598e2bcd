#!/usr/bin/env bash
# Read every secret of a references list the way a hand-written CI script
# would with the AWS CLI: one `aws sts assume-role-with-web-identity` per
# role, then one `aws secretsmanager get-secret-value` per secret with that
# role's temporary credentials, one after another.
#
#   bench/baselines/aws_cli_loop.sh REFERENCES_TSV TOKEN_FILE [LIMIT]
#
# REFERENCES_TSV has one `role ARN<TAB>secret id` line per edge, grouped by
# role (bench/generate writes it). TOKEN_FILE holds the CI's OIDC token.
# LIMIT, when given, stops after that many secret reads (a timed sample).
# Needs AWS_ENDPOINT_URL, AWS_CA_BUNDLE and AWS_REGION; Debian's awscli 2.9
# ignores AWS_ENDPOINT_URL, so it is passed as --endpoint-url. Secret values
# go to /dev/null and credentials stay in this process's environment.
set -euo pipefail

references=$1
token_file=$2
limit=${3:-0}
aws=${AWS_CLI:-/usr/bin/aws}
common=(--endpoint-url "$AWS_ENDPOINT_URL" --ca-bundle "$AWS_CA_BUNDLE" --region "$AWS_REGION")
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

current_role=""
reads=0
failures=0
while IFS=$'\t' read -r role_arn secret_id; do
  if [[ "$role_arn" != "$current_role" ]]; then
    credentials=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "$aws" "${common[@]}" sts assume-role-with-web-identity \
      --role-arn "$role_arn" --role-session-name bench-cli \
      --web-identity-token "file://$token_file" \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
    read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$credentials"
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    current_role=$role_arn
  fi
  if ! "$aws" "${common[@]}" secretsmanager get-secret-value --secret-id "$secret_id" \
      --query ARN --output text >/dev/null; then
    failures=$((failures + 1))
  fi
  reads=$((reads + 1))
  if ((limit > 0 && reads >= limit)); then
    break
  fi
done <"$references"

echo "aws cli loop: $reads reads, $failures failed"
((failures == 0))
