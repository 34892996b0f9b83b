"""The teacher's board on the projector, watched from inside its page: a script added before Streamlit's keeps the
time of every websocket frame the page sends and of every small one it receives, of each batch of DOM changes and of
the first time each number of leaderboard rows showed; refreshes() reads the board's fragment reruns out of that, and
board_figures() turns it into the load test's figures (tests/load/classroom.py)."""
from __future__ import annotations

import asyncio
import base64
import json
import time
from urllib.parse import urlencode

from tests.load.loadtest import IDLE
from tests.load.replica_class import why

VIEWPORT = {"width": 1000, "height": 800}  # light contexts: one page each
ROWS = "[data-testid='stTable'] tbody tr"  # the projector's leaderboard: one row per student
# Runs in the projector's page before Streamlit's own scripts: keeps the time (ms since the epoch) of every frame the
# page sends on its websocket and of every small one it receives (base64; a fragment's "script finished" is small),
# of each batch of DOM changes, and the first time each number of leaderboard rows was on the page.
RECORDER = """(() => {
  const rec = {frames: [], changes: [], rows: {}};
  window.__aelab = rec;
  const b64 = (bytes) => { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (e.data instanceof ArrayBuffer && e.data.byteLength <= 1024)
          rec.frames.push(["in", Date.now(), b64(new Uint8Array(e.data))]);
      });
    }
    send(data) {
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
      if (bytes) rec.frames.push(["out", Date.now(), b64(bytes)]);
      return super.send(data);
    }
  };
  let queued = false;
  const seen = () => {
    queued = false;
    const now = Date.now(), n = document.querySelectorAll(ROWS_SELECTOR).length;
    if (rec.changes.length && now - rec.changes[rec.changes.length - 1] < 20) rec.changes[rec.changes.length - 1] = now;
    else rec.changes.push(now);
    if (!(n in rec.rows)) rec.rows[n] = now;
  };
  new MutationObserver(() => { if (!queued) { queued = true; queueMicrotask(seen); } })
    .observe(document, {childList: true, subtree: true, attributes: true, characterData: true});
})();""".replace("ROWS_SELECTOR", json.dumps(ROWS))


def refreshes(frames: list, changes: list[int]) -> list[dict]:
    """The projector's fragment reruns from its recorded frames: each "fragment run finished" ForwardMsg, with the
    first rerun the page asked for (a BackMsg rerun_script with a fragment id) since the run finished before it (a
    finished run the page asked for no rerun since is left out: it was queued behind another or asked for twice while
    one ran); "settled" is the last DOM change before the page asks again or another run finishes. Times in seconds
    since the epoch."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    asked, finished = [], []
    for way, ms, data in frames:
        raw = base64.b64decode(data)
        try:
            if way == "out":
                msg = BackMsg.FromString(raw)
                if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.fragment_id:
                    asked.append(ms / 1000)
            else:
                msg = ForwardMsg.FromString(raw)
                if (msg.WhichOneof("type") == "script_finished"
                        and msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    finished.append(ms / 1000)
        except Exception:  # noqa: S112  (a frame that is not one of these messages)
            continue
    runs, before, finished = [], float("-inf"), sorted(finished)
    for i, end in enumerate(finished):
        since = [a for a in asked if before < a <= end]
        after = min([a for a in asked if a > end] + finished[i + 1:i + 2] + [float("inf")])
        before = end
        if since:
            start = min(since)
            settled = max([c / 1000 for c in changes if start <= c / 1000 < after] + [end])
            runs.append({"asked": start, "finished": end, "settled": settled})
    return runs


async def projector(browser, url: str, code: str, key: str, ms: float):
    """The teacher's board on the projector (the teacher link with ?present=1), recording itself: (context, page)."""
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.add_init_script(RECORDER)
    page = await ctx.new_page()
    await page.goto(f"{url}/Classroom?" + urlencode({"class": code, "key": key, "present": "1"}), timeout=ms)
    await page.wait_for_selector(IDLE, timeout=ms)
    await page.locator(".aelab-code").wait_for(timeout=ms)
    return ctx, page


async def watch(page, n: int, samples: int, ms: float) -> dict:
    """Once the store holds the class's entries: wait until the board shows n rows, then for `samples` more
    refreshes; returns what the page recorded and what it shows."""
    try:
        await page.wait_for_function(f"() => document.querySelectorAll({json.dumps(ROWS)}).length >= {n}",
                                     timeout=ms)
    except Exception as err:
        return {"error": why(err), **await page.evaluate("window.__aelab")}
    shown_at = time.time()
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        rec = await page.evaluate("window.__aelab")
        if sum(1 for r in refreshes(rec["frames"], rec["changes"]) if r["asked"] > shown_at) >= samples:
            break
        await asyncio.sleep(1)
    rec = await page.evaluate("window.__aelab")
    rec["table"] = await page.locator("[data-testid='stTable']").first.inner_text()
    rec["row_count"] = await page.locator(ROWS).count()
    rec["panels"] = await page.locator(".st-key-class_latents g.annotation").count()  # the scatters' titles
    rec["exceptions"] = await page.locator("[data-testid='stException']").count()
    return rec


def board_figures(rec: dict, names: list[str], entries: list[dict], class_ended: float) -> dict:
    """What the projector recorded, as figures: the rows and names it shows; its refreshes with every entry in
    (asked after the last entry was posted) and during the class, each as the script's run (asked -> finished) and
    the whole redraw (asked -> settled); and the seconds from the last entry's commit to the board showing it."""
    runs = refreshes(rec.get("frames", []), rec.get("changes", []))
    last_post = max((e["time"] for e in entries), default=None)
    full = [r for r in runs if last_post is not None and r["asked"] > last_post]
    during = [r for r in runs if last_post is None or r["asked"] <= last_post]
    table = rec.get("table", "")
    shown = (rec.get("rows") or {}).get(str(len(names)))
    return {"rows": rec.get("row_count", 0), "names": sum(1 for name in names if name in table),
            "entries_stored": len(entries), "refresh": [round(r["settled"] - r["asked"], 2) for r in full],
            "script": [round(r["finished"] - r["asked"], 2) for r in full],
            "during_class": [round(r["settled"] - r["asked"], 2) for r in during if r["asked"] < class_ended],
            "last_entry_to_board": None if shown is None or last_post is None else round(shown / 1000 - last_post, 2),
            "panels": rec.get("panels", 0), "exceptions": rec.get("exceptions", 0),
            **({"error": rec["error"]} if rec.get("error") else {})}
