// Feeds one JSON Lines notification stream to the official `ringcentral-call-control`
// SDK's notification handler and to `calltop report`, prints events/s of each and the
// ratio (measured in this run), then compares the end states session by session.
// Exits non-zero if the states differ in a way no documented SDK rule explains.
//
// Usage: node bench.js --stream FILE --calltop BIN [--sdk as-shipped|no-sweep]
//                      [--report OUT.json] [--repeat N]
//
// --sdk as-shipped (default): the handler exactly as published.
// --sdk no-sweep: the same, but the instance's cleanExpiredSequenceData (a scan of every
//   party seen, run on every event, that only deletes entries older than 60 s of wall
//   clock) is replaced by a no-op for the timed run; afterwards the real sweep is run
//   once and must find nothing to delete, which shows it was a no-op during the run
//   (otherwise the run fails). This removes the SDK's quadratic cost, so the figure is
//   the most favourable to the SDK.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { SDK } = require('@ringcentral/sdk');
const { RingCentralCallControl } = require('ringcentral-call-control');

const SHOW = 5; // examples printed per kind of difference

function args() {
  const a = { repeat: 1, sdk: 'as-shipped' };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    const val = () => {
      if (i + 1 >= v.length) die(`${k} needs a value`);
      return v[++i];
    };
    if (k === '--stream') a.stream = val();
    else if (k === '--calltop') a.calltop = val();
    else if (k === '--report') a.report = val();
    else if (k === '--sdk') a.sdk = val();
    else if (k === '--repeat') a.repeat = Math.max(1, parseInt(val(), 10) || 1);
    else die(`unknown argument ${k}`);
  }
  if (!a.stream || !a.calltop) die('usage: node bench.js --stream FILE --calltop BIN [--report OUT.json] [--repeat N]');
  if (a.sdk !== 'as-shipped' && a.sdk !== 'no-sweep') die(`--sdk: as-shipped or no-sweep, not ${a.sdk}`);
  a.report = a.report || `${a.stream}.report.json`;
  return a;
}

function die(msg) {
  console.error(`peer-bench: ${msg}`);
  process.exit(2);
}

// Calls `onLine(string, lineNo)` for every non-blank line of a file, reading in chunks
// (a 1M-event stream is larger than V8's maximum string length).
function eachLine(file, onLine) {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(8 << 20);
  let carry = null;
  let lineNo = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let buf = chunk.subarray(0, n);
      if (carry) buf = Buffer.concat([carry, buf]);
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl === -1) break;
        lineNo++;
        if (nl > start) onLine(buf.toString('utf8', start, nl), lineNo);
        start = nl + 1;
      }
      carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    }
    if (carry && carry.length) onLine(carry.toString('utf8'), ++lineNo);
  } finally {
    fs.closeSync(fd);
  }
  return lineNo;
}

// The account and owner the stream belongs to, from its first notification: the SDK
// needs the logged-in extension's info (`extensionInfo`) instead of fetching it.
function streamOwner(file) {
  let owner = null;
  try {
    eachLine(file, (line) => {
      const m = JSON.parse(line);
      const acct = /\/account\/(\d+)\//.exec(m.event || '');
      owner = { accountId: acct ? acct[1] : String(m.body.parties[0].accountId), ownerId: String(m.ownerId) };
      throw owner; // stop after the first line
    });
  } catch (e) {
    if (e !== owner) throw e;
  }
  if (!owner) die(`${file}: no notification found`);
  return owner;
}

// A real SDK instance. Its fetch is a guard that fails loudly: the handler under test
// must not do network I/O, and nothing here answers for the server.
function makeSdk(guard) {
  return new SDK({
    server: 'http://127.0.0.1:9',
    clientId: 'peer-bench',
    clientSecret: 'peer-bench',
    fetch: (...a) => {
      guard.attempts.push(String(a[0] && (a[0].url || a[0])));
      return Promise.reject(new Error('peer-bench: network I/O attempted'));
    },
  });
}

function makeCallControl(owner, guard) {
  return new RingCentralCallControl({
    sdk: makeSdk(guard),
    preloadSessions: false,
    preloadDevices: false,
    accountLevel: true,
    // What GET /restapi/v1.0/account/~/extension/~ would have answered (id and account).
    extensionInfo: { id: owner.ownerId, account: { id: owner.accountId } },
  });
}

// Parse + handle over the whole stream, timed.
function runSdk(file, owner, guard, mode) {
  const cc = makeCallControl(owner, guard);
  if (mode === 'no-sweep') cc.cleanExpiredSequenceData = () => {};
  const stats = { events: 0, malformed: 0, threw: 0, firstThrow: null };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  eachLine(file, (line, no) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      stats.malformed++;
      return;
    }
    stats.events++;
    try {
      cc.onNotificationEvent(msg);
    } catch (e) {
      stats.threw++;
      if (!stats.firstThrow) stats.firstThrow = `line ${no}: ${e && e.message}`;
    }
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  if (mode === 'no-sweep') {
    // Run the real sweep once: it must delete nothing (entries only age, so anything it
    // could have deleted during the run it can still delete now).
    delete cc.cleanExpiredSequenceData;
    const before = Object.keys(cc.eventSequenceMap).length;
    cc.cleanExpiredSequenceData();
    stats.sweptAtEnd = before - Object.keys(cc.eventSequenceMap).length;
  }
  return { cc, stats, secs, cpu };
}

const TIME = '/usr/bin/time';

// `calltop report FILE --format json`, end to end (process start-up, reading, printing).
// CPU time (user+sys) comes from /usr/bin/time when the machine has it.
function runCalltop(bin, file, reportPath) {
  const out = fs.openSync(reportPath, 'w');
  const argv = [bin, 'report', file, '--format', 'json'];
  const timed = fs.existsSync(TIME);
  const cmd = timed ? [TIME, '-f', 'peer-bench-cpu %U %S', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', out, 'pipe'], maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  fs.closeSync(out);
  if (r.error) die(`calltop: ${r.error.message}`);
  let stderr = String(r.stderr);
  let cpu = null;
  const m = /peer-bench-cpu (\S+) (\S+)\s*$/.exec(stderr);
  if (m) {
    cpu = parseFloat(m[1]) + parseFloat(m[2]);
    stderr = stderr.slice(0, m.index);
  }
  if (r.status !== 0) die(`calltop report exited ${r.status}: ${stderr.slice(0, 2000)}`);
  return { secs, cpu, stderr };
}

// Facts from the stream itself (untimed), used only to classify differences:
// per party its raw accountId/extensionId and newest sequence; per session whether any
// event carried a party that was not Disconnected.
function streamFacts(file) {
  const party = new Map();
  const live = new Set();
  let notAfter = 0; // events whose sequence is not above their party's previous one
  eachLine(file, (line) => {
    let m;
    try {
      m = JSON.parse(line);
    } catch (e) {
      return;
    }
    const b = m && m.body;
    if (!b || !b.telephonySessionId || !Array.isArray(b.parties)) return;
    for (const p of b.parties) {
      const f = party.get(p.id) || { accountId: undefined, extensionId: undefined, maxSeq: -Infinity, atMax: 0, tsid: b.telephonySessionId };
      if (p.accountId !== undefined) f.accountId = String(p.accountId);
      if (p.extensionId !== undefined) f.extensionId = String(p.extensionId);
      if (typeof b.sequence === 'number') {
        if (b.sequence <= f.maxSeq) notAfter++;
        if (b.sequence > f.maxSeq) [f.maxSeq, f.atMax] = [b.sequence, 1];
        else if (b.sequence === f.maxSeq) f.atMax++;
      }
      party.set(p.id, f);
      if (!p.status || p.status.code !== 'Disconnected') live.add(b.telephonySessionId);
    }
  });
  return { party, live, notAfter };
}

// The SDK rules the comparison relies on (ringcentral-call-control 0.2.12, read from
// node_modules/ringcentral-call-control/src; see README.md).
const RULES = {
  R1: 'the SDK deletes a session when "my party" becomes Disconnected (reason not Pickup/CallSwitch) — index.ts onSessionStatusUpdated',
  R2: '"my party" (accountLevel) = parties whose accountId is ours; formatParty drops accountId from a party without extensionId, so a PSTN/outbound party is never mine — Session.ts get party, formatParty.ts',
  R3: 'the SDK ignores an event for an unknown session whose parties are all Disconnected (and never creates the session if no other event comes) — index.ts onNotificationEvent',
  R5: 'an event whose sequence equals the party\'s stored one is applied again ("equal passes"); calltop drops it as a duplicate — index.ts checkSequence',
  R4: 'sequence entries are kept per party id and purged 60 s (wall clock) after their session is gone — index.ts checkSequence/cleanExpiredSequenceData',
};

// The party the SDK would call "mine" among `parties` (objects with id, status code).
function myParty(parties, facts, accountId) {
  const mine = parties.filter((p) => {
    const f = facts.party.get(p.id) || {};
    const keepsAccount = f.extensionId !== undefined && f.extensionId !== '' && f.accountId !== undefined;
    return keepsAccount && f.accountId === accountId;
  });
  if (mine.length === 0) return null;
  if (mine.length === 1) return mine[0];
  return mine.find((p) => p.status !== 'Disconnected') || mine[mine.length - 1];
}

const TERMINAL = new Set(['Disconnected', 'Gone']);

function compare(cc, report, facts, owner, sdkSecs) {
  const sdk = cc.sessionsMap;
  const calltop = new Map(report.sessions.map((s) => [s.telephonySessionId, s]));
  const kinds = {
    same: [],
    removedEnded: [], // R1 (+R2): SDK removed it; calltop: every party has left too
    removedActive: [], // R1 (+R2): SDK removed it; calltop: another party is still in the call
    ignored: [], // R3
    equalSeq: [], // R5
    unexplained: [],
  };
  const why = (s, text) => kinds.unexplained.push(`${s}: ${text}`);

  for (const [id, s] of calltop) {
    const parties = s.parties.map((p) => ({ id: p.id, status: p.status, reason: p.reason }));
    const held = sdk.get(id);
    if (!held) {
      const mine = myParty(parties, facts, owner.accountId);
      if (!facts.live.has(id)) kinds.ignored.push(id);
      else if (mine && mine.status === 'Disconnected' && mine.reason !== 'Pickup' && mine.reason !== 'CallSwitch') {
        (parties.every((p) => TERMINAL.has(p.status)) ? kinds.removedEnded : kinds.removedActive).push(id);
      } else {
        why(id, `calltop holds it (${parties.map((p) => `${p.id}=${p.status}`).join(', ')}), the SDK does not, and no rule says it should drop it (my party: ${mine ? `${mine.id}=${mine.status}` : 'none'})`);
      }
      continue;
    }
    const theirs = new Map(held.parties.map((p) => [p.id, p]));
    const diffs = [];
    let r5 = 0;
    for (const p of parties) {
      const q = theirs.get(p.id);
      if (!q) {
        diffs.push(`${p.id} missing in the SDK`);
        continue;
      }
      const code = q.status && q.status.code;
      const reason = (q.status && q.status.reason) || null;
      if (code !== p.status || reason !== (p.reason || null)) {
        const f = facts.party.get(p.id);
        if (f && f.atMax > 1) {
          r5++;
          continue;
        }
        diffs.push(`${p.id}: SDK ${code}/${reason}, calltop ${p.status}/${p.reason}`);
      }
    }
    for (const q of held.parties) if (!parties.some((p) => p.id === q.id)) diffs.push(`${q.id} missing in calltop`);
    const mine = myParty(parties, facts, owner.accountId);
    if (mine && mine.status === 'Disconnected' && mine.reason !== 'Pickup' && mine.reason !== 'CallSwitch') {
      diffs.push(`the SDK still holds it although my party ${mine.id} is Disconnected (R1 says it removes it)`);
    }
    if (diffs.length) why(id, diffs.join('; '));
    else if (r5) kinds.equalSeq.push(id);
    else kinds.same.push(id);
  }
  for (const id of sdk.keys()) {
    if (!calltop.has(id)) why(id, 'the SDK holds a session calltop does not report');
  }

  // The SDK saw every party, with the newest sequence (per-party sequence check).
  const seqMap = cc.eventSequenceMap;
  let seqChecked = 0;
  let seqPurged = 0;
  for (const [pid, f] of facts.party) {
    const e = seqMap[pid];
    if (!e) {
      if (sdkSecs > 60 && !sdk.has(f.tsid)) seqPurged++; // R4
      else why(f.tsid, `party ${pid}: no sequence entry in the SDK`);
      continue;
    }
    seqChecked++;
    if (e.sequence !== f.maxSeq || e.telephonySessionId !== f.tsid) {
      why(f.tsid, `party ${pid}: SDK sequence ${e.sequence} (${e.telephonySessionId}), stream newest ${f.maxSeq}`);
    }
  }
  return { kinds, seqChecked, seqPurged, sdkHeld: sdk.size, calltopHeld: calltop.size };
}

function rate(n, secs) {
  return Math.round(n / secs);
}

function main() {
  const a = args();
  if (!fs.existsSync(a.stream)) die(`${a.stream}: not found`);
  const owner = streamOwner(a.stream);
  const guard = { attempts: [] };

  let best = null;
  let ct = null;
  for (let i = 0; i < a.repeat; i++) {
    const c = runCalltop(a.calltop, a.stream, a.report);
    if (!ct || c.secs < ct.secs) ct = c;
    const s = runSdk(a.stream, owner, guard, a.sdk);
    if (!best || s.secs < best.secs) best = s;
  }
  const events = best.stats.events;
  const sdkRate = rate(events, best.secs);
  const ctRate = rate(events, ct.secs);
  const ratio = ct.secs > 0 ? best.secs / ct.secs : Infinity;
  const cpuRatio = ct.cpu ? best.cpu / ct.cpu : null;
  const cpuNote = (cpu) => (cpu === null ? 'CPU n/a (no /usr/bin/time)' : `CPU ${cpu.toFixed(3)} s = ${rate(events, cpu)} events/CPU-s`);
  const mb = (fs.statSync(a.stream).size / 1e6).toFixed(1);
  console.log(`stream            ${a.stream} (${events} events, ${mb} MB)`);
  console.log(`SDK               ringcentral-call-control ${require('ringcentral-call-control/package.json').version}, @ringcentral/sdk ${SDK.version}, node ${process.version}, accountLevel, extension ${owner.ownerId} of account ${owner.accountId}`);
  console.log(`SDK mode          ${a.sdk === 'as-shipped' ? 'as shipped (per-event sequence sweep included)' : 'no-sweep (per-event sweep of the sequence map disabled; favourable to the SDK)'}`);
  console.log(`SDK  parse+handle wall ${best.secs.toFixed(3)} s = ${sdkRate} events/s; ${cpuNote(best.cpu)}  (JSON.parse + onNotificationEvent, file read included)`);
  console.log(`calltop report    wall ${ct.secs.toFixed(3)} s = ${ctRate} events/s; ${cpuNote(ct.cpu)}  (end to end: process start-up, read, parse, apply, JSON report written)`);
  console.log(`ratio             calltop/SDK events/s: wall ${ratio.toFixed(2)}x${cpuRatio === null ? '' : `, CPU ${cpuRatio.toFixed(2)}x`} (goal >= 20x)${a.repeat > 1 ? `, best of ${a.repeat} each` : ''}`);
  console.log(`RESULT ${JSON.stringify({ mode: a.sdk, events, sdkWall: +best.secs.toFixed(3), sdkCpu: +best.cpu.toFixed(3), calltopWall: +ct.secs.toFixed(3), calltopCpu: ct.cpu && +ct.cpu.toFixed(3), ratioWall: +ratio.toFixed(2), ratioCpu: cpuRatio && +cpuRatio.toFixed(2) })}`);
  if (ct.stderr.trim()) console.log(`calltop stderr    ${ct.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);

  const problems = [];
  if (best.stats.malformed) problems.push(`${best.stats.malformed} lines the SDK side could not JSON.parse`);
  if (best.stats.threw) problems.push(`onNotificationEvent threw ${best.stats.threw} times (first: ${best.stats.firstThrow})`);

  const report = JSON.parse(fs.readFileSync(a.report, 'utf8'));
  if (report.summary.events !== events) problems.push(`calltop counted ${report.summary.events} events, the SDK side read ${events}`);
  const facts = streamFacts(a.stream);
  const cmp = compare(best.cc, report, facts, owner, best.secs);
  if (best.stats.sweptAtEnd) {
    // The run outlasted 60 s, so the shipped sweep would have purged entries during it
    // (R4). That only matters to events at or below a party's stored sequence.
    const note = `no-sweep: the real sweep found ${best.stats.sweptAtEnd} entries to purge at the end (run > 60 s, R4)`;
    if (facts.notAfter) problems.push(`${note}, and the stream has ${facts.notAfter} events not above their party's previous sequence, so disabling the sweep may have changed the SDK's state; use --sdk as-shipped`);
    else console.log(`${note}; every party's sequences rise in file order, so no event was judged differently`);
  }
  // Let any deferred work (the constructor's initialize) run, then check the guard.
  setImmediate(() => {
    if (guard.attempts.length) problems.push(`the SDK attempted network I/O: ${guard.attempts.slice(0, 3).join(', ')}`);
    const k = cmp.kinds;
    console.log('');
    console.log(`end state         calltop reports ${cmp.calltopHeld} sessions, the SDK holds ${cmp.sdkHeld}`);
    console.log(`  same            ${k.same.length}  held by both, every party with the same final status and reason`);
    console.log(`  R1 ended        ${k.removedEnded.length}  removed by the SDK when my party disconnected; calltop keeps them as ended calls (for the report)`);
    console.log(`  R1 active       ${k.removedActive.length}  removed by the SDK when my party disconnected while the other (outbound/PSTN, never "mine": R2) party was still up; calltop keeps them active`);
    console.log(`  R3 ignored      ${k.ignored.length}  never created by the SDK: every event had only Disconnected parties`);
    console.log(`  R5 equal seq    ${k.equalSeq.length}  held by both; a party differs only after a repeated sequence (the SDK re-applies it, calltop drops it)`);
    console.log(`  sequences       ${cmp.seqChecked} parties: the SDK's per-party sequence equals the stream's newest${cmp.seqPurged ? `; ${cmp.seqPurged} purged (R4)` : ''}`);
    console.log(`  unexplained     ${k.unexplained.length}`);
    for (const u of k.unexplained.slice(0, SHOW)) console.log(`    ${u}`);
    if (k.unexplained.length > SHOW) console.log(`    … and ${k.unexplained.length - SHOW} more`);
    for (const ex of [['R1 active', k.removedActive], ['R1 ended', k.removedEnded]]) {
      if (ex[1].length) console.log(`  e.g. ${ex[0]}: ${ex[1][0]}`);
    }
    console.log('rules');
    for (const [r, text] of Object.entries(RULES)) console.log(`  ${r} ${text}`);
    if (k.unexplained.length) problems.push(`${k.unexplained.length} sessions differ in a way no listed SDK rule explains`);
    if (problems.length) {
      for (const p of problems) console.error(`peer-bench: FAIL: ${p}`);
      process.exit(1);
    }
    console.log('peer-bench: OK (all differences explained by the rules above)');
  });
}

main();
