// The lecture player. Data saver (default on slow or unknown links): the progressive audio file in
// the page's <audio> element with slide images swapped at their times. Video: hls.js, loaded only
// when the student picks a video version. Resumes where the student stopped and reports progress.
const config = JSON.parse(document.getElementById("player-config").textContent);
const csrf = document.querySelector("meta[name=csrf-token]").content;
const audio = document.getElementById("audio");
const slide = document.getElementById("slide");
const cue = document.getElementById("cue");
const picker = document.getElementById("version");
let media = audio;
let video = null;
let hls = null;

function post(url, body) {
  return fetch(url, {
    method: "POST", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
  }).catch(() => null); // a lost report is retried with the next one
}

// --- slides: the last slide whose time has come, and the next one fetched ahead
function slideAt(time) {
  let current = null;
  for (const item of config.slides) if (item.t <= time + 0.05) current = item;
  return current;
}

function showSlide() {
  if (media !== audio || !config.slides.length) return;
  const current = slideAt(audio.currentTime) || config.slides[0];
  if (slide.getAttribute("src") !== current.src) slide.src = current.src;
  slide.hidden = false;
  const next = config.slides[config.slides.indexOf(current) + 1];
  const sounding = !audio.paused && audio.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA; // not before the sound
  if (next && sounding) new Image().src = next.src;
}

// --- a webinar's chat, replayed: the lines said up to the current time, as text
const chatList = document.getElementById("replay-chat");
let chatShown = 0;
function showChat() {
  if (!chatList) return;
  const time = media.currentTime;
  let upTo = 0;
  while (upTo < config.chat.length && config.chat[upTo].t <= time) upTo += 1;
  if (upTo < chatShown) { chatList.textContent = ""; chatShown = 0; }
  if (upTo === chatShown) return;
  for (; chatShown < upTo; chatShown += 1) {
    const line = config.chat[chatShown];
    const item = document.createElement("li");
    const who = document.createElement("b");
    who.textContent = line.name + ": ";
    item.append(who, document.createTextNode(line.text));
    chatList.append(item);
  }
  chatList.scrollTop = chatList.scrollHeight; // the list scrolls, not the page
}

// --- captions: shown under the slide for audio, natively on video
function followCaptions(element) {
  for (const track of element.textTracks) {
    track.mode = element === audio ? "hidden" : "showing";
    track.oncuechange = () => {
      if (element !== media) return;
      const active = track.activeCues && track.activeCues[0];
      cue.textContent = active ? active.text : "";
      cue.hidden = !active || element !== audio;
    };
    break; // the first language; the browser's menu offers the rest on video
  }
}

// --- progress: played stretches since the last report, and the position
let played = [];
let last = null;
// The position is also kept in this tab: a reload (or going back to the course and in again) asks
// for the page before the goodbye report has reached the server, which would resume from the last one.
const positionKey = `aralyk-position-${config.lecture}`;
function keepPosition(time) {
  try { sessionStorage.setItem(positionKey, String(time)); } catch { /* storage off: the server's is used */ }
}
function keptPosition() {
  try { return Number(sessionStorage.getItem(positionKey)) || null; } catch { return null; }
}

function notePlayed() {
  const now = media.currentTime;
  if (now > 0) keepPosition(now);
  if (last !== null && now > last && now - last < 3) {
    const range = played[played.length - 1];
    if (range && Math.abs(range[1] - last) < 0.01) range[1] = now;
    else played.push([last, now]);
  }
  last = now;
}

function report() {
  if (!played.length && media.paused) return;
  post(config.progress_url, { position: media.currentTime, played });
  played = [];
}

function wire(element) {
  element.addEventListener("timeupdate", () => { notePlayed(); showSlide(); showChat(); });
  element.addEventListener("seeking", () => { last = null; });
  element.addEventListener("seeked", () => { showSlide(); showChat(); });
  element.addEventListener("pause", report);
  followCaptions(element);
}

// --- video on request
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

function linkIsGood() {
  const link = navigator.connection;
  return Boolean(link && link.downlink >= 2 && !link.saveData && link.effectiveType === "4g");
}

async function useVideo(level) {
  const at = media.currentTime;
  const wasPlaying = !media.paused;
  if (!video) {
    video = document.createElement("video");
    video.controls = true;
    video.playsInline = true;
    for (const c of config.captions) {
      const track = Object.assign(document.createElement("track"), { kind: "captions", srclang: c.lang, label: c.label, src: c.src });
      video.append(track);
    }
    audio.before(video);
    wire(video);
    // hls.js where Media Source Extensions exist (its advice), else the browser's own HLS.
    if (window.MediaSource || window.ManagedMediaSource) {
      await loadScript(config.hls_script);
      hls = new window.Hls({ startLevel: linkIsGood() ? -1 : 0, capLevelToPlayerSize: true });
      hls.loadSource(config.video);
      hls.attachMedia(video);
    } else {
      video.src = config.video;
    }
  }
  if (hls) hls.currentLevel = level;
  audio.pause();
  audio.hidden = slide.hidden = cue.hidden = true;
  video.hidden = false;
  media = video;
  video.currentTime = at;
  if (wasPlaying) video.play();
}

function useSaver() {
  if (media === audio) return;
  const at = media.currentTime;
  const wasPlaying = !media.paused;
  media.pause();
  video.hidden = true;
  audio.hidden = false;
  media = audio;
  audio.currentTime = at;
  showSlide();
  if (wasPlaying) audio.play();
}

function choose(value, remember) {
  if (value === "saver") useSaver();
  else useVideo(Number(value.replace("level-", "")));
  if (remember) post(config.saver_url, { on: value === "saver" });
}

function startsInSaver() {
  if (config.data_saver !== null) return config.data_saver || !config.video;
  return !config.video || !linkIsGood();
}

wire(audio);
audio.addEventListener("loadedmetadata", () => {
  const resume = keptPosition() ?? config.resume;
  if (resume > 5 && resume < audio.duration - 5) audio.currentTime = resume;
}, { once: true });
audio.addEventListener("play", showSlide);
if (picker) {
  if (!startsInSaver()) {
    picker.value = "level-0";
    choose("level-0", false);
  }
  picker.addEventListener("change", () => choose(picker.value, true));
}
for (const link of document.querySelectorAll("[data-seek]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    media.currentTime = Number(link.dataset.seek);
    media.play();
  });
}
setInterval(report, config.report_every * 1000);
window.addEventListener("pagehide", report);

// --- the data-saver sound streamed through MSE (player-stream.js); nothing is fetched before play
async function stream() {
  const { canStream, streamAudio } = await import(config.stream.module);
  if (canStream() && audio.paused && audio.readyState === HTMLMediaElement.HAVE_NOTHING) {
    streamAudio(audio, config.stream.src, config.duration); // else it already plays the plain file
  }
}
if (config.stream) await stream().catch(() => null); // the plain <source>s stay
audio.dataset.ready = "";
