// Drives RingCentral's official call-control package (npm `ringcentral-call-control`)
// against `calltop sim --warm-start`, unchanged: its start-up requests (extension,
// presence of the extension and of the account with detailedTelephonyState + sipData,
// every active session, devices) and every action it documents — createCall, hold,
// unhold, mute, unmute, createRecord, pauseRecord, resumeRecord, reload, transfer, flip,
// park, drop, bridge, answer, ignore, toVoicemail, forward, reply, supervise,
// createConference, bringInParty, removeParty, refreshDevices. Fails on any request the
// platform refuses (any 4xx/5xx) or any action that throws. Then, on a quiet simulator,
// the package logged in as an agent (with `calltop sim jwt`) ignores a queue call ringing
// it, and the queue must offer the call to another agent.
//
// Usage: node cc-check.js [path/to/calltop]   (default: ../../target/{release,debug}/calltop)
'use strict';
const { execFileSync } = require('child_process');
const { findBinary, fail: failWith, startSim } = require('./sim');
const { SDK } = require('@ringcentral/sdk');
const { Subscriptions } = require('@ringcentral/subscriptions');
const { RingCentralCallControl } = require('ringcentral-call-control');

const WHO = 'cc-check';
const TIMEOUT_MS = 120000;
const fail = (msg) => failWith(msg, WHO);
const log = (msg) => console.log(`${WHO}: ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, test, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = test();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Runs one SDK action; fails the check with its error.
async function step(what, f) {
  try {
    const out = await f();
    log(`ok  ${what}`);
    return out;
  } catch (e) {
    return fail(`${what}: ${e && e.message ? e.message : e}`);
  }
}

async function main() {
  const bin = findBinary();
  const sim = await startSim(bin, [
    '--seed', '42', '--warm-start', '--calls-per-minute', '20', '--time-scale', '0.3',
    '--light-limit', '200',
  ]);
  const killer = setTimeout(() => {
    sim.child.kill('SIGTERM');
    fail(`timed out after ${TIMEOUT_MS / 1000}s`);
  }, TIMEOUT_MS);
  try {
    log(`simulator at ${sim.server}`);
    const sdk = new SDK({ server: sim.server, clientId: sim['client id'], clientSecret: sim['client secret'] });
    const client = sdk.client();
    const seen = [];
    const refused = [];
    client.on(client.events.requestSuccess, (res, req) => seen.push(`${req.method} ${new URL(req.url).pathname} ${res.status}`));
    client.on(client.events.requestError, (e) => {
      const r = e.response;
      const req = e.request;
      refused.push(`${req ? req.method : '?'} ${req ? new URL(req.url).pathname : '?'} -> ${r ? r.status : e.message}`);
    });
    const platform = sdk.platform();
    await platform.login({ jwt: sim.jwt });

    // Two instances, as the package documents them: the user's own calls, and the whole account.
    const cc = new RingCentralCallControl({ sdk });
    const acc = new RingCentralCallControl({ sdk, accountLevel: true });
    const subscriptions = new Subscriptions({ sdk });
    const subscription = subscriptions.createSubscription();
    subscription.on(subscription.events.notification, (msg) => {
      cc.onNotificationEvent(msg);
      acc.onNotificationEvent(msg);
    });
    subscription.setEventFilters([
      '/restapi/v1.0/account/~/extension/~/telephony/sessions',
      '/restapi/v1.0/account/~/telephony/sessions',
    ]);
    await subscription.register();
    await until('both instances initialized', () => cc.ready && acc.ready);
    if (refused.length) fail(`start-up requests refused: ${refused.join(', ')}`);
    log(`initialized: ${acc.sessions.length} account sessions preloaded, ${cc.devices.length} devices`);
    if (acc.sessions.length < 3) fail('the warm start should give the account-level instance sessions to load');
    const online = cc.devices.filter((d) => d.status === 'Online');
    const softphone = online.find((d) => d.type === 'SoftPhone');
    const listenIn = online.find((d) => d.type === 'OtherPhone') || softphone;
    if (!softphone) fail('no Online soft phone in the device list');

    const answered = (s) => until(`${s.id} answered`, () => s.party && s.party.status.code === 'Answered' && s.otherParties.some((p) => p.status.code === 'Answered'));
    const call = async (to) => {
      const s = await step(`createCall(${to})`, () => cc.createCall(softphone.id, { phoneNumber: to }));
      await answered(s);
      return s;
    };

    // Active-call actions on a call the supervisor places.
    const a = await call('+16505550101');
    await step('hold', () => a.hold());
    await step('unhold', () => a.unhold());
    await step('mute', () => a.mute());
    await step('unmute', () => a.unmute());
    const rec = await step('createRecord', () => a.createRecord());
    await step('pauseRecord', () => a.pauseRecord(rec.id));
    await step('resumeRecord', () => a.resumeRecord(rec.id));
    await step('reload', () => a.reload());
    await step('transfer', () => a.transfer({ phoneNumber: '+16505550102' }));

    const b = await call('+16505550103');
    // The flip answers with the old leg; the new one is known only from the notification,
    // so wait for a different party id (the old leg still looks Answered until then).
    const legBeforeFlip = b.party.id;
    await step('flip', () => b.flip({ callFlipId: '1' }));
    await until('the flipped leg', () => b.party && b.party.id !== legBeforeFlip && b.party.status.code === 'Answered');
    await step('park', () => b.park());
    await step('drop', () => b.drop());

    const c1 = await call('+16505550104');
    const c2 = await call('+16505550105');
    await step('bridge', () => c1.bridge({ telephonySessionId: c2.id, partyId: c2.party.id }));

    // Ringing-call actions on calls that ring the supervisor.
    const ring = async () => {
      const r = await fetch(`${sim.server}/sim/ring`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extensionNumber: '101', seconds: 60 }) });
      const { telephonySessionId } = await r.json();
      return until('the ringing call', () => {
        const s = cc.sessionsMap.get(telephonySessionId);
        return s && s.party && ['Setup', 'Proceeding'].includes(s.party.status.code) ? s : null;
      });
    };
    const r1 = await ring();
    await step('answer', () => r1.answer({ deviceId: softphone.id }));
    await step('ignore', async () => (await ring()).ignore({ deviceId: softphone.id }));
    await step('toVoicemail', async () => (await ring()).toVoicemail());
    await step('forward', async () => (await ring()).forward({ phoneNumber: '+16505550106' }));
    await step('reply', async () => (await ring()).reply({ replyWithText: 'On my way' }));

    // Supervise an agent's call from the account view (the package's legacy body).
    const watched = await until('an agent on a call', () =>
      acc.sessions.find((s) => s.parties.some((p) => p.extensionId && p.extensionId !== cc.extensionId && p.status.code === 'Answered')
        && !s.parties.some((p) => p.status.reason === 'Supervising')));
    const agentParty = watched.parties.find((p) => p.extensionId && p.extensionId !== cc.extensionId && p.status.code === 'Answered');
    const agent = await (await platform.get(`/restapi/v1.0/account/~/extension/${agentParty.extensionId}`)).json();
    const sup = await step('supervise', () => watched.supervise({ mode: 'Listen', deviceId: listenIn.id, extensionNumber: agent.extensionNumber }));
    if (!sup || !sup.status || sup.status.reason !== 'Supervising') fail(`supervise answered ${JSON.stringify(sup)}`);

    // Conference: create, wait for the host's leg, bring a party in, remove it.
    const conf = await step('createConference', () => cc.createConference());
    if (!conf.voiceCallToken) fail('conference without voiceCallToken');
    await until('the conference host', () => conf.parties.some((p) => p.status.code === 'Answered' && p.to && p.to.phoneNumber === 'conference'));
    const d = await call('+16505550107');
    const guest = d.otherParties.find((p) => p.status.code === 'Answered');
    const joined = await step('bringInParty', () => conf.bringInParty({ partyId: guest.id, sessionId: d.id }));
    await step('removeParty', () => conf.removeParty(joined.id));
    await step('refreshDevices', () => cc.refreshDevices());

    if (refused.length) fail(`requests refused: ${refused.join(', ')}`);
    const missing = seen.filter((s) => / (404|405)$/.test(s));
    if (missing.length) fail(`unknown endpoints: ${missing.join(', ')}`);
    log(`${seen.length} requests, all answered 2xx`);
    await platform.logout();
    await agentIgnoresAQueueCall(bin);
    clearTimeout(killer);
    log('OK');
  } finally {
    sim.child.kill('SIGTERM');
  }
  process.exit(0);
}

// An agent of Sales Queue (2001, rotating: one member rung at a time, 15 s each) only;
// src/sim/directory.rs makes 102-105 Sales-only agents.
const AGENT = '102';
const AGENT_STEP_MS = 25000;

// The package logged in as agent AGENT (its JWT from `calltop sim jwt`), on a quiet
// simulator in real time: callers enter Sales until one rings the agent; the agent
// ignores it; the queue must ring another agent for that call well before the agent
// timeout.
async function agentIgnoresAQueueCall(bin) {
  const sim = await startSim(bin, ['--seed', '7', '--calls-per-minute', '0', '--no-agent-churn']);
  const deadline = Date.now() + AGENT_STEP_MS;
  const left = () => Math.max(0, deadline - Date.now());
  try {
    const jwt = execFileSync(bin, ['sim', 'jwt', AGENT], { encoding: 'utf8' }).trim();
    const sdk = new SDK({ server: sim.server, clientId: sim['client id'], clientSecret: sim['client secret'] });
    const refused = [];
    sdk.client().on(sdk.client().events.requestError, (e) => refused.push(`${e.request ? new URL(e.request.url).pathname : '?'} -> ${e.response ? e.response.status : e.message}`));
    const platform = sdk.platform();
    await platform.login({ jwt });
    const me = await (await platform.get('/restapi/v1.0/account/~/extension/~')).json();
    if (me.extensionNumber !== AGENT) fail(`\`calltop sim jwt ${AGENT}\` logged in as ${me.extensionNumber}`);
    const agentId = String(me.id);
    const cc = new RingCentralCallControl({ sdk });
    const subscription = new Subscriptions({ sdk }).createSubscription();
    subscription.on(subscription.events.notification, (msg) => cc.onNotificationEvent(msg));
    subscription.setEventFilters(['/restapi/v1.0/account/~/extension/~/telephony/sessions']);
    await subscription.register();
    await until('the agent\'s instance initialized', () => cc.ready, left());
    log(`logged in as agent ${AGENT} (${me.name}) with \`calltop sim jwt ${AGENT}\``);

    // Callers enter Sales until one rings the agent (each rings the longest-idle free member).
    const ringingMe = () => cc.sessions.find((s) => s.party && s.party.queueCall
      && ['Proceeding', 'Setup'].includes(s.party.status.code));
    let call;
    let n = 0;
    while (!call) {
      if (!left()) fail(`no queue call rang agent ${AGENT} within ${AGENT_STEP_MS / 1000}s (${n} callers sent to Sales)`);
      n += 1;
      await fetch(`${sim.server}/sim/ring`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queueNumber: '2001' }) });
      call = await until('a queue call ringing the agent', ringingMe, Math.min(2000, left())).catch(() => null);
    }
    log(`a Sales call rings agent ${AGENT} (${n} caller${n > 1 ? 's' : ''} sent to Sales)`);
    const ignoredParty = call.party.id;
    const softphone = cc.devices.find((d) => d.status === 'Online' && d.type === 'SoftPhone');
    await step(`ignore (agent ${AGENT}, queue call ${call.id})`, () => call.ignore(softphone ? { deviceId: softphone.id } : {}));
    const ignoredAt = Date.now();
    await until(`agent ${AGENT}'s leg to end after ignore`, () => call.party && call.party.id === ignoredParty
      && call.party.status.code === 'Disconnected', Math.min(5000, left()))
      .catch(() => fail(`after ignore, agent ${AGENT}'s leg ${ignoredParty} is still ${call.party && call.party.status.code}`));

    // The queue offers the call to another agent (rung, or already answering it).
    let offered = null;
    let parties = [];
    while (!offered && Date.now() - ignoredAt < 10000 && left()) {
      const s = await (await platform.get(`/restapi/v1.0/account/~/telephony/sessions/${call.id}`)).json();
      parties = s.parties || [];
      offered = parties.find((p) => p.queueCall && p.extensionId && String(p.extensionId) !== agentId
        && ['Proceeding', 'Setup', 'Answered'].includes(p.status.code));
      if (!offered) await sleep(200);
    }
    if (!offered) {
      const seen = parties.map((p) => `${p.id} ext ${p.extensionId || '-'} ${p.status.code}${p.queueCall ? ' queueCall' : ''}`).join(', ');
      fail(`the ignored call was not offered to another agent within 10 s (Sales rings each member 15 s); parties: ${seen}`);
    }
    log(`ok  the queue offered it to extension ${offered.extensionId} (${offered.status.code}) ${((Date.now() - ignoredAt) / 1000).toFixed(1)} s after the ignore`);
    if (refused.length) fail(`the agent's requests refused: ${refused.join(', ')}`);
    await platform.logout();
  } finally {
    sim.child.kill('SIGTERM');
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
