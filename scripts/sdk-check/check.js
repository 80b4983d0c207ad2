// Drives the official RingCentral JS SDK (@ringcentral/sdk + @ringcentral/subscriptions)
// against `calltop sim`, unchanged, with only the server URL pointed at the simulator:
// JWT login, WebSocket subscription to telephony sessions, one notification, a hold
// through the Call Control REST API, and the Hold notification that follows.
//
// Usage: node check.js [path/to/calltop]   (default: ../../target/{release,debug}/calltop)
'use strict';
const { findBinary, fail, startSim } = require('./sim');
const { SDK } = require('@ringcentral/sdk');
const { Subscriptions } = require('@ringcentral/subscriptions');

const TIMEOUT_MS = 60000;

async function main() {
  const bin = findBinary();
  const sim = await startSim(bin, ['--seed', '42', '--calls-per-minute', '30', '--time-scale', '0.2']);
  const killer = setTimeout(() => {
    sim.child.kill('SIGTERM');
    fail(`timed out after ${TIMEOUT_MS / 1000}s`);
  }, TIMEOUT_MS);
  try {
    console.log(`sdk-check: simulator at ${sim.server}`);
    const rcsdk = new SDK({ server: sim.server, clientId: sim['client id'], clientSecret: sim['client secret'] });
    const platform = rcsdk.platform();
    await platform.login({ jwt: sim.jwt });
    const ext = await (await platform.get('/restapi/v1.0/account/~/extension/~')).json();
    console.log(`sdk-check: logged in as ${ext.name} (ext ${ext.extensionNumber}, id ${ext.id})`);

    const subscriptions = new Subscriptions({ sdk: rcsdk });
    const subscription = subscriptions.createSubscription();
    const events = [];
    const waiters = [];
    subscription.on(subscription.events.notification, (evt) => {
      events.push(evt);
      for (const w of waiters.slice()) {
        if (w.pred(evt)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(evt);
        }
      }
    });
    const waitFor = (pred, what) =>
      new Promise((resolve, reject) => {
        const hit = events.find(pred);
        if (hit) return resolve(hit);
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`no notification: ${what}`)), 30000);
      });
    subscription.setEventFilters(['/restapi/v1.0/account/~/telephony/sessions']);
    const info = await subscription.register();
    console.log(`sdk-check: subscribed over WebSocket, subscription ${info.subscriptionInfo.id}`);

    const first = await waitFor((e) => e.body && e.body.telephonySessionId, 'any telephony session event');
    console.log(`sdk-check: received notification seq ${first.body.sequence} for ${first.body.telephonySessionId}`);

    // An answered party with an extension, then hold it through the REST API.
    const answered = await waitFor(
      (e) => e.body.parties[0].status.code === 'Answered' && e.body.parties[0].extensionId,
      'an Answered party of an extension',
    );
    const sid = answered.body.telephonySessionId;
    const pid = answered.body.parties[0].id;
    const r = await platform.post(`/restapi/v1.0/account/~/telephony/sessions/${sid}/parties/${pid}/hold`, {});
    const held = await r.json();
    if (held.status.code !== 'Hold') fail(`hold answered ${JSON.stringify(held.status)}`);
    console.log(`sdk-check: POST hold -> ${r.status}, party ${pid} ${held.status.code}`);
    const hold = await waitFor(
      (e) => e.body.telephonySessionId === sid && e.body.parties[0].id === pid && e.body.parties[0].status.code === 'Hold',
      'the Hold notification',
    );
    console.log(`sdk-check: Hold notification received (seq ${hold.body.sequence})`);
    await platform.logout();
    clearTimeout(killer);
    console.log('sdk-check: OK');
  } finally {
    sim.child.kill('SIGTERM');
  }
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
