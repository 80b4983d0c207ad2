// Shared by the SDK checks: find the calltop binary, start `calltop sim` and read its
// banner (server URL and demo credentials), fail loudly.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

function findBinary() {
  if (process.argv[2]) return path.resolve(process.argv[2]);
  const root = path.resolve(__dirname, '..', '..');
  for (const p of ['target/release/calltop', 'target/debug/calltop']) {
    const full = path.join(root, p);
    if (fs.existsSync(full)) return full;
  }
  throw new Error('calltop binary not found; build it (cargo build) or pass its path');
}

function fail(msg, who = 'sdk-check') {
  console.error(`${who}: FAIL: ${msg}`);
  process.exit(1);
}

// Starts `calltop sim ARGS` and reads its banner: the URL line first, then the credentials.
function startSim(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['sim', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // fail() exits at once: the simulator must not outlive the check.
    process.on('exit', () => child.kill('SIGTERM'));
    const info = { child };
    const rl = readline.createInterface({ input: child.stdout });
    let first = true;
    rl.on('line', (line) => {
      if (first) {
        first = false;
        const m = /^listening on (http:\/\/\S+)$/.exec(line);
        if (!m) return reject(new Error(`unexpected first line: ${line}`));
        info.server = m[1];
        return;
      }
      const kv = /^(client id|client secret|jwt):\s+(\S+)$/.exec(line);
      if (kv) info[kv[1]] = kv[2];
      if (info.server && info['client id'] && info['client secret'] && info.jwt) resolve(info);
    });
    child.on('exit', (code) => reject(new Error(`calltop sim exited early (code ${code})`)));
    child.on('error', reject);
  });
}

module.exports = { findBinary, fail, startSim };
