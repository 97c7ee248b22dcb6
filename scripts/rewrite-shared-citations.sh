#!/usr/bin/env bash
# Rewrites citations of the workspace's shared notes (outside the repository) to the in-repo copies under
# docs/reference/. Idempotent: a second run changes nothing. Usage: bash scripts/rewrite-shared-citations.sh
#
#   <shared>/reference/aws-layer-semantics.md   -> docs/reference/aws-layer-semantics.md
#   <shared>/reference/aws-lambda-execution.md  -> docs/reference/aws-lambda-execution.md
#   <shared>/reference/aws-deploy-api.md        -> docs/reference/aws-deploy-api.md
#   <shared>/reference/seed-walkthrough.md      -> docs/reference/seed-walkthrough.md
#   <shared>/reference/moto-peer.md             -> docs/reference/http-peers.md
#   <shared>/reference/ (a bare folder)         -> docs/reference/
#   <shared>/DESIGN.md §1 / §3                  -> docs/reference/identity.md §1 / §3
#   bare "DESIGN.md §1" / "DESIGN.md §3"        -> docs/reference/identity.md §1 / §3
set -euo pipefail
cd "$(dirname "$0")/.."

# Built from pieces so that this file does not match the pattern it rewrites.
dots=".."
shared="${dots}/shared"
self="scripts/rewrite-shared-citations.sh"

mapfile -t files < <(grep -rlF -e "${shared}/" -e "DESIGN.md" src test runtime bench scripts 2>/dev/null | grep -vxF "$self" || true)
[ "${#files[@]}" -eq 0 ] && { echo "nothing to rewrite"; exit 0; }

SHARED="$shared" perl -pi -e '
  BEGIN { $s = quotemeta $ENV{SHARED}; }
  s{$s/reference/moto-peer\.md}{docs/reference/http-peers.md}g;
  s{$s/reference/(aws-layer-semantics|aws-lambda-execution|aws-deploy-api|seed-walkthrough)\.md}{docs/reference/$1.md}g;
  s{$s/reference/}{docs/reference/}g;
  s{$s/DESIGN\.md}{docs/reference/identity.md}g;
  s{(?<![\w/.-])DESIGN\.md(`?\s*§[13])}{docs/reference/identity.md$1}g;
' "${files[@]}"

echo "rewrote citations in ${#files[@]} file(s)"
left=$(grep -rnF "${shared}/" src test runtime bench scripts | grep -vF "${self}:" || true)
if [ -n "$left" ]; then
  echo "still pointing outside the repository:" >&2
  echo "$left" >&2
  exit 1
fi
