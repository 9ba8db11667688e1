// The teacher's broadcast: the microphone (always), a camera or the screen if chosen, recorded by
// MediaRecorder in one-second WebM chunks sent as the binary `media` event. At most two chunks
// wait for the server's ack and a few more wait here: on a link too slow for the stream, the
// oldest wait is dropped (never the first chunk, which holds the stream's header) instead of
// piling up in memory and arriving minutes late.
const SLICE_MS = 1000;
const IN_FLIGHT = 2;
const QUEUE_MAX = 8; // about eight seconds of stream
const byId = (id) => document.getElementById(id);

const MICROPHONE = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 };
const CAMERA = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 15 } };
const SCREEN = { frameRate: { ideal: 5, max: 10 } };

function pickType(withVideo) {
  const wanted = withVideo ? ["video/webm;codecs=vp8,opus", "video/webm"] : ["audio/webm;codecs=opus", "audio/webm"];
  return wanted.find((type) => MediaRecorder.isTypeSupported(type));
}

function until(done, ms) {
  return new Promise((resolve) => {
    const start = Date.now();
    const check = () => (done() || Date.now() - start > ms ? resolve() : setTimeout(check, 100));
    check();
  });
}

export function broadcaster(room, words) {
  const go = byId("go-live");
  const stop = byId("stop-live");
  const sources = byId("present-source");
  const line = byId("present-state");
  const help = byId("present-help");
  const preview = byId("preview");
  let stream = null;
  let recorder = null;
  let type = "";
  let video = false;
  let live = false;
  let epoch = 0; // a new recorder after a reconnect: acks of the old one no longer count
  let queue = [];
  let inFlight = 0;
  let sentCount = 0; // the next chunk's number since go_live
  let slow = false;
  let sending = false; // go_live was answered on this connection

  const tell = (text) => { line.textContent = text; };
  const trouble = (text) => { help.textContent = text || ""; help.hidden = !text; };

  async function capture(source) {
    const mic = await navigator.mediaDevices.getUserMedia({ audio: MICROPHONE }); // a refusal here is the one that matters
    if (source === "audio") return mic;
    try {
      const picture = source === "screen"
        ? await navigator.mediaDevices.getDisplayMedia({ video: SCREEN, audio: false })
        : await navigator.mediaDevices.getUserMedia({ video: CAMERA });
      return new MediaStream([...mic.getAudioTracks(), ...picture.getVideoTracks()]);
    } catch {
      trouble(words.no_camera);
      return mic;
    }
  }

  function enqueue(chunk) {
    queue.push(chunk);
    if (queue.length > QUEUE_MAX) {
      const oldest = queue.findIndex((waiting) => !waiting.header);
      if (oldest >= 0) queue.splice(oldest, 1);
      slow = true;
      tell(words.slow_upload);
    }
    pump();
  }

  async function pump() {
    while (sending && room.socket.connected && inFlight < IN_FLIGHT && queue.length) {
      const chunk = queue.shift();
      const mine = epoch;
      inFlight += 1;
      const bytes = await chunk.blob.arrayBuffer();
      // Numbered as sent (not as recorded: a dropped chunk leaves no gap), since two chunks in
      // flight may be handled out of order by the server's threads.
      const seq = sentCount;
      sentCount += 1;
      room.socket.timeout(20000).emit("media", { seq, data: bytes }, (error, answer) => {
        if (mine !== epoch) return;
        inFlight -= 1;
        if (error) tell(words.slow_upload);
        else if (!answer.ok) trouble(answer.error);
        else if (slow && queue.length < 2) { slow = false; tell(words.live); }
        pump();
      });
    }
  }

  async function record() {
    await room.send("go_live", { video, mime: type });
    sending = true;
    epoch += 1;
    queue = [];
    inFlight = 0;
    sentCount = 0;
    const mine = epoch;
    let first = true;
    recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 32000,
      ...(video ? { videoBitsPerSecond: 250000 } : {}) });
    recorder.ondataavailable = (event) => {
      if (!event.data.size || mine !== epoch) return;
      enqueue({ blob: event.data, header: first });
      first = false;
    };
    recorder.start(SLICE_MS);
  }

  function release() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    preview.srcObject = null;
    preview.hidden = true;
  }

  function idle(text) {
    go.hidden = false;
    go.disabled = false;
    stop.hidden = true;
    sources.hidden = false;
    tell(text);
  }

  async function start() {
    trouble("");
    if (!navigator.mediaDevices || !window.MediaRecorder) { trouble(words.no_recorder); return; }
    go.disabled = true;
    tell(words.starting);
    try {
      stream = await capture(sources.querySelector("input:checked").value);
    } catch (error) {
      const missing = error.name === "NotFoundError" || error.name === "OverconstrainedError";
      trouble(missing ? words.no_mic_found : words.no_mic);
      idle("");
      return;
    }
    video = stream.getVideoTracks().length > 0;
    type = pickType(video);
    if (!type) { release(); trouble(words.no_recorder); idle(""); return; }
    if (video) { preview.srcObject = stream; preview.hidden = false; }
    try {
      await record();
    } catch (error) {
      release();
      trouble(error.message);
      idle("");
      return;
    }
    live = true;
    go.hidden = true;
    stop.hidden = false;
    sources.hidden = true; // the choice is made; the stop button is what matters now
    tell(words.live);
  }

  // Stop recording, let the last chunk and the queue go out (a few seconds at most), then tell.
  async function finish(tellServer) {
    if (!live) return;
    live = false;
    stop.disabled = true;
    if (recorder && recorder.state !== "inactive") {
      const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve, { once: true }));
      recorder.stop();
      await stopped;
    }
    await until(() => !queue.length && !inFlight, 3000);
    epoch += 1;
    queue = [];
    release();
    stop.disabled = false;
    if (tellServer) await room.send("stop_live", {}).catch((error) => trouble(error.message));
    idle(words.stopped);
  }

  // After a dropped link the server has forgotten this socket: go live again with a new stream.
  async function resume() {
    if (!live) return;
    if (recorder) {
      recorder.ondataavailable = null;
      if (recorder.state !== "inactive") recorder.stop();
    }
    try {
      await record();
      trouble("");
      tell(words.live);
    } catch (error) {
      trouble(error.message);
    }
  }

  room.socket.on("disconnect", () => { sending = false; });
  go.addEventListener("click", start);
  stop.addEventListener("click", () => finish(true));
  room.hooks.stopBroadcast = () => finish(false);
  go.disabled = !room.you; // going live needs a joined socket
  const joined = room.hooks.joined;
  room.hooks.joined = (answer) => {
    joined?.(answer);
    if (live) resume();
    else if (!stream) go.disabled = false;
  };
}
