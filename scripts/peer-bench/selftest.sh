#!/usr/bin/env bash
# Shows the end-state check can fail: two small streams derived from a generated one.
#   A: a repeated sequence with a different status (SDK rule R5)  -> must pass, R5 = 1
#   B: a late Answered event for a session the SDK removed: the SDK re-creates it with that
#      one party, calltop reopens it with both (no rule listed)   -> must fail (exit 1)
# Usage: scripts/peer-bench/selftest.sh   (after run.sh has built calltop and run npm ci)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$root/target/peer-bench}"
mkdir -p "$out"
base="$out/selftest-base.jsonl"
"$root/target/release/examples/gen_stream" --events 3000 --concurrent 200 --seed 11 --out "$base"
node - "$base" "$out/selftest-a.jsonl" "$out/selftest-b.jsonl" <<'JS'
const fs = require('fs');
const [base, a, b] = process.argv.slice(2);
const lines = fs.readFileSync(base, 'utf8').split('\n').filter(Boolean);
const msgs = lines.map((l) => JSON.parse(l));
const last = new Map(); // party id -> last message
for (const m of msgs) last.set(m.body.parties[0].id, m);
const live = (m) => m.body.parties[0].status.code !== 'Disconnected';
// A: the newest event of a still-live inbound party, again, same sequence, now Hold.
const pa = [...last.values()].reverse().find((m) => live(m) && m.body.parties[0].direction === 'Inbound' && m.body.parties[0].status.code !== 'Hold');
const dup = JSON.parse(JSON.stringify(pa));
dup.body.parties[0].status.code = 'Hold';
fs.writeFileSync(a, lines.concat(JSON.stringify(dup)).join('\n') + '\n');
// B: a session whose parties all disconnected; its inbound party answers again later.
const ended = [...last.values()].find((m) => !live(m) && m.body.parties[0].direction === 'Outbound');
const sid = ended.body.telephonySessionId;
const inbound = [...last.values()].find((m) => m.body.telephonySessionId === sid && m.body.parties[0].direction === 'Inbound');
const late = JSON.parse(JSON.stringify(inbound));
late.body.sequence = Math.max(ended.body.sequence, inbound.body.sequence) + 1;
late.body.parties[0].status = { code: 'Answered', rcc: false };
fs.writeFileSync(b, lines.concat(JSON.stringify(late)).join('\n') + '\n');
console.log(`selftest: A repeats seq ${pa.body.sequence} of ${pa.body.parties[0].id}; B re-answers ${inbound.body.parties[0].id}`);
JS
bench=(node "$here/bench.js" --calltop "$root/target/release/calltop" --sdk as-shipped)
"${bench[@]}" --stream "$out/selftest-a.jsonl" > "$out/selftest-a.txt" || { cat "$out/selftest-a.txt"; echo "selftest: A should pass" >&2; exit 1; }
grep -q "R5 equal seq    1 " "$out/selftest-a.txt" || { cat "$out/selftest-a.txt"; echo "selftest: A should count one R5 session" >&2; exit 1; }
echo "selftest: A passed with one R5 difference, as it should"
if "${bench[@]}" --stream "$out/selftest-b.jsonl" > "$out/selftest-b.txt" 2>&1; then
  cat "$out/selftest-b.txt"; echo "selftest: B should fail" >&2; exit 1
fi
grep -A1 "unexplained     1" "$out/selftest-b.txt" || { cat "$out/selftest-b.txt"; echo "selftest: B failed for another reason" >&2; exit 1; }
echo "selftest: OK"
