#!/usr/bin/env bash
# Score a model on replies written after its training data.
#
#   eval/fresh.sh TRAIN_COMMIT [FROM_COMMIT] TO_COMMIT [-- intent-eval flags...]
#
# Trains on corpus/train as of TRAIN_COMMIT and scores the corpus/train
# lines present at TO_COMMIT but not at FROM_COMMIT (default: TRAIN_COMMIT):
# replies the model has never seen, written later (docs/BENCHMARKS.md,
# "Fresh replies"). Flags after -- go to cmd/intent-eval (-json, -hint).
# Run from the repository root.
set -euo pipefail
args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
case ${#args[@]} in
  2) train=${args[0]} from=${args[0]} to=${args[1]} ;;
  3) train=${args[0]} from=${args[1]} to=${args[2]} ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for c in train from to; do
  mkdir "$tmp/$c"
  git archive "${!c}" corpus/train | tar -x -C "$tmp/$c"
done
for f in "$tmp"/to/corpus/train/*.jsonl; do
  old="$tmp/from/corpus/train/$(basename "$f")"
  if [ -f "$old" ]; then grep -vxFf "$old" "$f" || true; else cat "$f"; fi
done > "$tmp/fresh.jsonl"
echo "fresh: $(wc -l < "$tmp/fresh.jsonl") lines in $to but not in $from; model trained at $train" >&2
go run ./cmd/intent-eval -train "$tmp/train/corpus/train" "$@" "$tmp/fresh.jsonl"
