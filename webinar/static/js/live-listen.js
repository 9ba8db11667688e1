// The live sound with little delay: the same single /listen response, read with fetch() and fed to
// the <audio> element through Media Source Extensions. A plain `audio.src = url` also plays it, but
// Chromium hands a progressive download to its demuxer in 32 KB blocks, about 8 s at 34 kbps;
// here each 2 s segment plays as soon as it arrives. Without MSE (old iPhones) it falls back to src.
const TYPE = 'audio/mp4; codecs="mp4a.40.2"';
const AHEAD = 5; // seconds buffered beyond which we jump to near the live edge
const KEEP = 2; // seconds left before the edge after such a jump
const BEHIND = 30; // seconds of played sound kept in the buffer

let early = null; // the stream this module started on its own (below), handed to the room's first call

export function listenLive(audio, url) {
  if (early && early.audio === audio) {
    const { stop } = early;
    early = null;
    return stop;
  }
  const Source = window.ManagedMediaSource || window.MediaSource;
  if (!Source || !Source.isTypeSupported(TYPE) || !window.ReadableStream) {
    audio.src = url;
    return () => audio.removeAttribute("src");
  }
  const abort = new AbortController();
  const source = new Source();
  const queue = [];
  let buffer = null;
  let finished = false;
  audio.disableRemotePlayback = true; // ManagedMediaSource (Safari) requires it
  audio.src = URL.createObjectURL(source);

  const broke = () => { if (!abort.signal.aborted) audio.dispatchEvent(new Event("error")); };

  function nearEdge() {
    const ranges = audio.buffered;
    if (!ranges.length) return;
    const end = ranges.end(ranges.length - 1);
    if (end - audio.currentTime > AHEAD) audio.currentTime = end - KEEP;
    if (audio.currentTime - ranges.start(0) > BEHIND && !buffer.updating) buffer.remove(0, audio.currentTime - 10);
  }

  function pump() {
    if (!buffer || buffer.updating) return;
    if (queue.length) {
      try {
        buffer.appendBuffer(queue.shift());
      } catch (error) { // QuotaExceededError: drop what was played and try again later
        broke();
      }
    } else if (finished && source.readyState === "open") {
      source.endOfStream();
    }
  }

  async function read() {
    // The default cache mode (the response says no-store) lets the page's preload of this URL be used.
    const response = await fetch(url, { credentials: "same-origin", signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`listen: ${response.status}`);
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (value.length) { queue.push(value); pump(); }
    }
    finished = true;
    pump();
  }

  source.addEventListener("sourceopen", () => {
    URL.revokeObjectURL(audio.src);
    buffer = source.addSourceBuffer(TYPE);
    buffer.mode = "sequence"; // a gap or a restart in the stream never stalls the sound
    buffer.addEventListener("updateend", () => { nearEdge(); pump(); });
    read().catch(broke);
  }, { once: true });

  return () => abort.abort();
}

// A student's room while the teacher is on air runs this module first, on its own, as soon as the
// <audio> element is parsed (the page also preloads the stream): the sound starts before anything
// else is fetched, and the rest of the room follows once it plays, is refused or 4 s have passed.
// On a 64 kbit/s link the room's 14 KB of scripts would otherwise come first.
const now = document.querySelector("audio[data-listen-now]");
if (now) {
  early = { audio: now, stop: listenLive(now, now.dataset.listenNow) };
  now.hidden = false;
  let rest = () => { rest = () => null; import(now.dataset.room); };
  for (const name of ["playing", "error"]) now.addEventListener(name, () => rest(), { once: true });
  setTimeout(() => rest(), 4000);
  now.play().catch(() => rest());
}
