#!/usr/bin/env bash
# Seeds the fuzz corpora (kept out of git): the real captures in tests/fixtures (copies, see
# tests/fixtures/README.md) for the frame parser and the file reader, and the checked-in
# seeds/<target>/ files for every target. Reads nothing outside the repository.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures
for t in frame_parser file_reader; do
  mkdir -p corpus/$t
  cp "$fixtures"/ws-frames/*.json corpus/$t/
  cp "$fixtures"/captures/*.json corpus/$t/
done
i=0
while IFS= read -r line; do
  i=$((i + 1)); printf '%s' "$line" > corpus/frame_parser/line-$i.json
done < <(cat "$fixtures"/captures/*.jsonl)
cp "$fixtures"/captures/*.jsonl corpus/file_reader/
for d in seeds/*/; do
  t=$(basename "$d")
  mkdir -p corpus/$t
  cp "$d"* corpus/$t/
done
chmod -R u+w corpus
