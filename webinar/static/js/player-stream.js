// The data-saver sound through Media Source Extensions: the Opus file read with fetch() and fed to
// the <audio> element as it arrives. A plain src waits for a whole 32 KB block of the file before
// Chromium's demuxer sees a byte (4 s on a 64 kbit/s link); here the sound starts after a few KB.
// Seeking reads from the cluster before the wanted time, found in the file's own index (its Cues,
// which our encoder writes in front). Without MSE or Opus the caller keeps the plain <source>s.
const TYPE = 'audio/webm; codecs="opus"';
const AHEAD = 90; // seconds read ahead of the playhead; more waits until it is played
const BEHIND = 300; // seconds of played sound kept buffered before they are dropped
const HEAD_LIMIT = 256 * 1024; // no index in this much of the file: give up on it

export const canStream = () => Boolean(window.MediaSource && MediaSource.isTypeSupported(TYPE) && window.ReadableStream);

// --- the few EBML (Matroska/WebM) facts we need: element ids and sizes, Info's scale, the Cues
function vint(bytes, at, keepMarker) {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  let length = 1;
  while (!(first & (0x80 >> (length - 1)))) length += 1;
  if (at + length > bytes.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i += 1) value = value * 256 + bytes[at + i];
  return { value, next: at + length };
}

function element(bytes, at) {
  const id = vint(bytes, at, true);
  const size = id && vint(bytes, id.next, false);
  return size && { id: id.value, start: size.next, end: size.next + size.value };
}

function* children(bytes, parent) {
  for (let at = parent.start, child; at < parent.end && (child = element(bytes, at)); at = child.end) yield child;
}

function uint(bytes, el) {
  let value = 0;
  for (let i = el.start; i < el.end; i += 1) value = value * 256 + bytes[i];
  return value;
}

// [{t: seconds, offset: byte}] of every cluster, or null while the bytes do not reach the end of
// the Cues yet; [] when the file has none before its first cluster.
export function readIndex(bytes) {
  const header = element(bytes, 0);
  const segment = header && element(bytes, header.end);
  if (!segment || segment.id !== 0x18538067) return null;
  let scale = 1e6; // ns per timecode unit, unless Info says otherwise
  for (let at = segment.start, el; (el = element(bytes, at)); at = el.end) {
    if (el.id === 0x1f43b675) return []; // a Cluster: no index in front
    if (el.end > bytes.length) return null;
    if (el.id === 0x1549a966) {
      for (const c of children(bytes, el)) if (c.id === 0x2ad7b1) scale = uint(bytes, c);
    } else if (el.id === 0x1c53bb6b) {
      const cues = [];
      for (const point of children(bytes, el)) {
        let t = null;
        let offset = null;
        for (const c of children(bytes, point)) {
          if (c.id === 0xb3) t = uint(bytes, c) * scale / 1e9;
          if (c.id === 0xb7) for (const p of children(bytes, c)) if (p.id === 0xf1) offset = segment.start + uint(bytes, p);
        }
        if (t !== null && offset !== null) cues.push({ t, offset });
      }
      return cues;
    }
  }
  return null;
}

// --- the stream
export function streamAudio(audio, url, duration) {
  const source = new MediaSource();
  let buffer = null;
  let index = null; // the clusters' times and places, from the file's head
  let head = new Uint8Array(0); // the bytes read so far, until the index is known
  let wanted = null; // a seek asked for before the index was known
  let reading = null; // the current read: { abort, from (its first second) }
  audio.src = URL.createObjectURL(source);

  const idle = () => new Promise((resolve) => (buffer.updating ? buffer.addEventListener("updateend", resolve, { once: true }) : resolve()));
  const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const rangeAt = (time) => {
    const ranges = buffer.buffered;
    for (let i = 0; i < ranges.length; i += 1) if (ranges.start(i) <= time + 0.3 && time < ranges.end(i)) return [ranges.start(i), ranges.end(i)];
    return null;
  };
  const ahead = () => { const range = rangeAt(audio.currentTime); return range ? range[1] - audio.currentTime : 0; };

  async function append(chunk, signal) {
    await idle();
    const played = buffer.buffered.length ? audio.currentTime - buffer.buffered.start(0) : 0;
    if (played > BEHIND) {
      buffer.remove(0, audio.currentTime - 60);
      reading.from = Math.max(reading.from, audio.currentTime - 60);
      await idle();
    }
    if (signal.aborted) return false; // a seek started another read: this chunk would not fit
    buffer.appendBuffer(chunk);
    await idle();
    return true;
  }

  function learn(chunk) {
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    head = joined;
    index = readIndex(head) || (head.length > HEAD_LIMIT ? [] : null);
    if (index) head = null;
  }

  // Read from the byte offset (the start of the cluster at second `from`) to the end; after a
  // dropped link, again from the byte it reached.
  async function read(offset, from) {
    reading?.abort.abort();
    const mine = (reading = { abort: new AbortController(), from });
    const { signal } = mine.abort;
    if (offset > 0) { // a new cluster follows whatever was half read: the parser starts over
      await idle();
      if (signal.aborted) return;
      if (source.readyState === "open") buffer.abort();
    }
    for (let at = offset, failures = 0; !signal.aborted;) {
      try {
        const response = await fetch(url, { headers: { Range: `bytes=${at}-` }, credentials: "same-origin", signal });
        if (response.status === 416) break; // nothing left
        if (!response.ok || !response.body) throw new Error(`audio: ${response.status}`);
        const reader = response.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (head) learn(value);
          if (!(await append(value, signal))) return;
          at += value.length;
          failures = 0;
          if (index && wanted !== null) { seekTo(wanted); return; }
          while (ahead() > AHEAD && !signal.aborted) await later(1000);
        }
        break;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        await later(Math.min(10000, 1000 * failures));
      }
    }
    if (!signal.aborted && source.readyState === "open") { await idle(); source.endOfStream(); }
  }

  function seekTo(time) {
    wanted = null;
    if (!index.length) return;
    let cue = index[0];
    for (const c of index) if (c.t <= time) cue = c;
    read(cue.offset, cue.t);
  }

  // Nothing to do when the time is in what the current read extends, or in what reaches the end.
  audio.addEventListener("seeking", () => {
    if (!buffer || !reading) return;
    const time = audio.currentTime;
    const range = rangeAt(time);
    if (range && (range[1] >= duration - 0.5 || (reading && range[0] <= reading.from + 0.3 && reading.from < range[1]))) return;
    if (index) seekTo(time);
    else wanted = time;
  });

  // Read once the sound is wanted (as preload="none"): played, or a time picked before that.
  const start = () => { if (!reading) read(0, 0); };
  source.addEventListener("sourceopen", () => {
    URL.revokeObjectURL(audio.src);
    buffer = source.addSourceBuffer(TYPE);
    source.duration = duration;
    if (!audio.paused) start();
    else audio.addEventListener("play", start, { once: true });
  }, { once: true });
}
