"""The official RingCentral Python SDK (`ringcentral` on PyPI) against `calltop sim`:
JWT login, WebSocket subscription to telephony sessions, a notification, a REST hold and
the Hold notification. Exits 0 on success, 1 with a clear message otherwise."""

import asyncio
import json
import subprocess
import sys

from ringcentral import SDK
from ringcentral.websocket.events import WebSocketEvents
from ringcentral.websocket.web_socket_subscription import WebSocketSubscription


def fail(msg):
    print(f"py-sdk-check: FAIL: {msg}", flush=True)
    sys.exit(1)


async def check(binary):
    sim = subprocess.Popen([binary, "sim", "--seed", "7", "--calls-per-minute", "120", "--time-scale", "0.3"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        banner = {}
        first = sim.stdout.readline().strip()
        if not first.startswith("listening on http://"):
            fail(f"unexpected first line {first!r}")
        url = first.split(" ", 2)[2]
        while len(banner) < 3:
            key, _, value = sim.stdout.readline().partition(":")
            if key.strip() in ("client id", "client secret", "jwt"):
                banner[key.strip()] = value.strip()
        print(f"py-sdk-check: simulator at {url}", flush=True)

        sdk = SDK(banner["client id"], banner["client secret"], url)
        platform = sdk.platform()
        platform.login(jwt=banner["jwt"])
        me = platform.get("/restapi/v1.0/account/~/extension/~").json_dict()
        print(f"py-sdk-check: logged in as {me.get('name')} (ext {me.get('extensionNumber')})", flush=True)

        ws = sdk.create_web_socket_client()
        sub = WebSocketSubscription(ws)
        events = asyncio.Queue()
        ws.on(WebSocketEvents.subscriptionCreated, lambda s: events.put_nowait(("subscribed", s.get_subscription_info())))
        ws.on(WebSocketEvents.receiveSubscriptionNotification, lambda m: events.put_nowait(("notification", m)))

        async def subscribe_when_ready(_client):
            await sub.register(["/restapi/v1.0/account/~/telephony/sessions"])

        ws.on(WebSocketEvents.connectionCreated, lambda c: asyncio.ensure_future(subscribe_when_ready(c)))
        conn = asyncio.ensure_future(ws.create_new_connection())

        async def next_event(kind, timeout=20):
            while True:
                k, v = await asyncio.wait_for(events.get(), timeout)
                if k == kind:
                    return v

        info = await next_event("subscribed")
        print(f"py-sdk-check: subscribed over WebSocket ({json.dumps(info)[:60]}…)", flush=True)
        # Find a party we can hold: Answered, in a call that is still going.
        target = None
        while target is None:
            frame = await next_event("notification", 60)
            body = frame[1]["body"]
            for p in body["parties"]:
                if p["status"]["code"] == "Answered":
                    target = (body["telephonySessionId"], p["id"])
        print(f"py-sdk-check: received notification seq {body['sequence']} for {target[0]}", flush=True)
        r = platform.post(f"/restapi/v1.0/account/~/telephony/sessions/{target[0]}/parties/{target[1]}/hold", body={})
        print(f"py-sdk-check: POST hold -> {r.response().status_code}, party {r.json_dict()['status']['code']}", flush=True)
        while True:
            frame = await next_event("notification", 20)
            body = frame[1]["body"]
            p = body["parties"][0]
            if body["telephonySessionId"] == target[0] and p["id"] == target[1] and p["status"]["code"] == "Hold":
                print(f"py-sdk-check: Hold notification received (seq {body['sequence']})", flush=True)
                break
        conn.cancel()
        print("py-sdk-check: OK", flush=True)
    except asyncio.TimeoutError:
        fail("timed out waiting for the simulator")
    except Exception as e:  # any SDK error is a failed check, with its message
        fail(repr(e))
    finally:
        sim.terminate()
        sim.wait(5)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: py_check.py path/to/calltop")
    asyncio.run(check(sys.argv[1]))
