// The live sound with little delay: the same single /listen response, read with fetch() and fed to
// the <audio> element through Media Source Extensions. A plain `audio.src = url` also plays it, but
// Chromium hands a progressive download to its demuxer in 32 KB blocks, about 8 s at 34 kbps;
// here each 2 s segment plays as soon as it arrives. Without MSE (old iPhones) it falls back to src.
const TYPE = 'audio/mp4; codecs="mp4a.40.2"';
const AHEAD = 5; // seconds buffered beyond which we jump to near the live edge
const KEEP = 2; // seconds left before the edge after such a jump
const BEHIND = 30; // seconds of played sound kept in the buffer

export function listenLive(audio, url) {
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
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store", signal: abort.signal });
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
