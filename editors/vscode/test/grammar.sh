#!/usr/bin/env bash
# Snapshot tests of the TextMate grammar (vscode-tmgrammar-snap): rules/lms.rules, a few golden files of the test
# suite and test/fixtures/*.rules are tokenized and compared with test/snapshots/*.snap. With --update the snapshots
# are rewritten (review the diff). The inputs are copied into a scratch directory because the tool keeps each
# snapshot next to its input.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ext=$here/..
root=$ext/../..
inputs=(
  "$root/rules/lms.rules"
  "$root/tests/golden/semantic/clean.rules"
  "$root/tests/golden/syntax/bad_escape.rules"
  "$root/tests/golden/syntax/comparison_without_value.rules"
  "$here"/fixtures/*.rules
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "${inputs[@]}"; do
  name=$(basename "$f")
  cp "$f" "$work/$name"
  if [ -f "$here/snapshots/$name.snap" ]; then cp "$here/snapshots/$name.snap" "$work/$name.snap"; fi
done
snap="$ext/node_modules/.bin/vscode-tmgrammar-snap"
if [ "${1:-}" = "--update" ]; then
  "$snap" --config "$ext/package.json" --updateSnapshot -g "$ext/syntaxes/rules.tmLanguage.json" "$work/*.rules"
  cp "$work"/*.snap "$here/snapshots/"
else
  "$snap" --config "$ext/package.json" -g "$ext/syntaxes/rules.tmLanguage.json" "$work/*.rules"
fi
