// Resumable upload of a recording with tus-js-client: progress, speed, time left, pause,
// cancel, waiting out dropped connections, and resuming after a browser restart.
const form = document.getElementById("upload-form");
const words = document.getElementById("upload-words").dataset;
const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
// Keep retrying through bad links: quickly at first, then every minute for a long while.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000].concat(Array(120).fill(60000));

function size(bytes) {
  return bytes < 1e6 ? fill(words.kb, { n: Math.round(bytes / 1e3) }) : fill(words.mb, { n: (bytes / 1e6).toFixed(1) });
}

function duration(seconds) {
  return seconds >= 60 ? fill(words.minutes, { n: Math.round(seconds / 60) }) : fill(words.seconds, { n: Math.ceil(seconds) });
}

// Speed over the last ~20 s, so a stall shows up quickly and a burst does not mislead.
const samples = [];
function speed(sent) {
  const now = performance.now();
  samples.push([now, sent]);
  while (samples.length > 2 && now - samples[0][0] > 20000) samples.shift();
  const [t0, s0] = samples[0];
  return now > t0 ? ((sent - s0) * 1000) / (now - t0) : 0;
}

function say(text, problem = false) {
  $("upload-text").hidden = problem;
  $("upload-problem").hidden = !problem;
  $(problem ? "upload-problem" : "upload-text").textContent = text;
}

function responseText(error) {
  const response = error.originalResponse;
  return response && response.getStatus() >= 400 ? response.getBody() : null;
}

let upload = null;

function start(file, title) {
  form.hidden = true;
  $("upload-progress").hidden = false;
  const metadata = { purpose: "lecture", filename: file.name, filetype: file.type || "", course: form.dataset.course };
  if (form.dataset.lecture) metadata.lecture = form.dataset.lecture;
  if (title) metadata.title = title;
  upload = new window.tus.Upload(file, {
    endpoint: new URL(form.dataset.endpoint, window.location.href).href,
    chunkSize: Number(form.dataset.chunkSize),
    retryDelays: RETRY_DELAYS,
    metadata,
    headers: { "X-CSRFToken": form.dataset.csrf },
    removeFingerprintOnSuccess: true,
    onProgress(sent, total) {
      $("upload-bar").value = (100 * sent) / total;
      const rate = speed(sent);
      const left = rate > 0 ? duration((total - sent) / rate) : "…";
      say(fill(words.progress, { sent: size(sent), total: size(total), speed: size(rate), left }));
    },
    onShouldRetry(error, attempt, options) {
      const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
      if (status >= 400 && status < 500 && status !== 409 && status !== 423) return false;
      say(navigator.onLine ? words.retrying : words.offline);
      return navigator.onLine;
    },
    onError(error) {
      const text = responseText(error);
      if (text) return say(text, true);
      say(words.offline); // no answer at all: wait for the link to come back
      window.addEventListener("online", () => upload.start(), { once: true });
    },
    onSuccess({ lastResponse }) {
      say(words.done);
      const next = lastResponse.getHeader("Aralyk-Location");
      if (next) window.location.assign(next);
    },
  });
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      say(words.resumed);
    }
    upload.start();
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  start(file, $("upload-title") ? $("upload-title").value.trim() : "");
});

// After a browser restart: say which uploads can continue (tus-js-client kept their addresses).
async function showUnfinished() {
  const stored = await window.tus.defaultOptions.urlStorage.findAllUploads();
  const mine = stored.filter((u) => u.metadata && u.metadata.purpose === "lecture"
    && u.metadata.course === form.dataset.course && (u.metadata.lecture || "") === (form.dataset.lecture || ""));
  for (const u of mine) {
    const item = document.createElement("li");
    item.textContent = `${u.metadata.title || u.metadata.filename} · ${u.metadata.filename} · ${size(u.size)}`;
    $("upload-unfinished-list").append(item);
  }
  $("upload-unfinished").hidden = mine.length === 0;
}
showUnfinished();

$("upload-file").addEventListener("change", () => {
  const file = $("upload-file").files[0];
  const title = $("upload-title");
  if (file && title && !title.value) title.value = file.name.replace(/\.[^.]+$/, "").replace(/[_]+/g, " ");
});

$("upload-pause").addEventListener("click", () => {
  upload.abort();
  say(words.paused);
  $("upload-pause").hidden = true;
  $("upload-resume").hidden = false;
});

$("upload-resume").addEventListener("click", () => {
  upload.start();
  $("upload-pause").hidden = false;
  $("upload-resume").hidden = true;
});

$("upload-cancel").addEventListener("click", (event) => {
  if (!window.confirm(event.target.dataset.confirmText)) return;
  upload.abort(true).finally(() => {
    say(words.cancelled);
    window.setTimeout(() => window.location.reload(), 1500);
  });
});
