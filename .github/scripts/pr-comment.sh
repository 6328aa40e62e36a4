#!/usr/bin/env bash
# Posts BODY_FILE on the pull request as ONE comment, found again by its MARKER and edited in place on every run.
# Usage: pr-comment.sh MARKER BODY_FILE   (env: GH_TOKEN, GITHUB_REPOSITORY, PR_NUMBER)
set -euo pipefail
marker="<!-- $1 -->"
body_file="$2"
: "${PR_NUMBER:?PR_NUMBER is not set}"
body=$(printf '%s\n%s\n' "$marker" "$(cat "$body_file")")
# The first of our own comments (by the workflow's token) that carries the marker.
existing=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -f body="$body" >/dev/null
  echo "Updated PR comment $existing"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -f body="$body" >/dev/null
  echo "Posted a new PR comment"
fi
