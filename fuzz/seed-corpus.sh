#!/usr/bin/env bash
# Seeds the fuzz corpora (kept out of git): the real captures in ../shared/streams for the
# frame parser and the file reader, and the checked-in seeds/<target>/ files for every target.
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared/streams
for t in frame_parser file_reader; do
  mkdir -p corpus/$t
  cp "$shared"/ws-frames/*.json corpus/$t/ 2>/dev/null || true
  cp "$shared"/captures/*.json corpus/$t/ 2>/dev/null || true
done
i=0
while IFS= read -r line; do
  i=$((i + 1)); printf '%s' "$line" > corpus/frame_parser/line-$i.json
done < <(cat "$shared"/captures/*.jsonl)
cp "$shared"/captures/*.jsonl corpus/file_reader/
for d in seeds/*/; do
  t=$(basename "$d")
  mkdir -p corpus/$t
  cp "$d"* corpus/$t/
done
chmod -R u+w corpus
