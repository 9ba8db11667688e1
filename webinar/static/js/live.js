// The live room, for everyone in it. One Socket.IO connection (websocket first: no polling round
// trips on a 600 ms link) carries the events; the sound comes over plain HTTP into an <audio>
// element. Every event has a sequence number: the page applies them in order and, after a gap or
// a dropped link, asks for what it missed (webinar/live/protocol.md).
// The parts are imported by their versioned URLs (cached for good, preloaded by the page).
const config = JSON.parse(document.getElementById("room-config").textContent);
const strings = config.strings;
const stateLine = document.getElementById("room-state");
const onlineLine = document.getElementById("room-online");

const room = {
  config, strings, socket: null, you: null, session: null, over: false,
  handlers: {}, // ev kind → [functions of (data, ev)]
  hooks: {}, // set by present.js to add the teacher's buttons
  on(kind, handler) { (this.handlers[kind] ||= []).push(handler); },
  send, showState, showLive, finish,
};

let last = 0; // the highest seq applied
let seated = false; // joined on this connection: other events may go out
let catching = false; // a join or catch-up is being answered: events wait in `held`
let held = [];

function showState(text, kind) {
  stateLine.textContent = text;
  stateLine.dataset.state = kind;
}

function showLive() {
  const on = room.session.on_air;
  const waiting = room.you && room.you.teacher ? strings.teacher_waiting : strings.waiting;
  showState(on ? strings.on_air : waiting, on ? "live" : "waiting");
}

// An event with an ack, as a promise: the answer, or an Error carrying a sentence to show.
// Nothing is queued while the link is down: a chat line sent minutes later would surprise.
function send(name, data, timeout = 15000) {
  return new Promise((resolve, reject) => {
    if (name !== "join" && !seated) { reject(new Error(strings.failed)); return; }
    room.socket.timeout(timeout).emit(name, data, (error, answer) => {
      if (error || !answer) reject(new Error(strings.failed));
      else if (!answer.ok) reject(Object.assign(new Error(answer.error || strings.failed), { refused: true }));
      else resolve(answer);
    });
  });
}

function apply(ev) {
  if (ev.seq <= last) return; // already applied (a catch-up and the live event may overlap)
  last = ev.seq;
  for (const handler of room.handlers[ev.kind] || []) handler(ev.data, ev);
}

function applyAll(events) {
  const waiting = held;
  held = [];
  for (const ev of [...events, ...waiting].sort((a, b) => a.seq - b.seq)) apply(ev);
}

// seq counts 1, 2, 3… per session: a jump means events were missed (a dropped frame, a restart).
function receive(ev) {
  if (catching) held.push(ev);
  else if (ev.seq > last + 1) { held.push(ev); catchUp(); }
  else apply(ev);
}

async function catchUp() {
  if (catching || room.over) return;
  catching = true;
  let answer = null;
  try {
    answer = await send("catch_up", { since: last });
  } catch {
    held = []; // the next join (or this retry) asks again from `last`, so nothing is lost
    if (room.socket.connected) setTimeout(catchUp, 3000);
  }
  catching = false;
  if (answer) take(answer);
}

// A join or catch-up answer: the whole state (first time, or too far behind) or the missed events.
function take(answer) {
  room.you = answer.you;
  room.session = answer.session;
  if (answer.snapshot) {
    last = answer.seq;
    for (const part of parts) part.snapshot(answer);
    applyAll([]);
  } else {
    applyAll(answer.events);
    for (const part of parts) part.refresh();
  }
  last = Math.max(last, answer.seq);
  if (room.session.status === "ended") finish(strings.ended, room.session.lecture_url);
}

async function join() {
  catching = true;
  showState(strings.connecting, "connecting");
  let answer;
  try {
    answer = await send("join", last ? { session: config.session, since: last } : { session: config.session });
  } catch (error) {
    catching = false;
    held = [];
    if (error.refused) finish(error.message); // removed, or not open to this person
    else if (room.socket.connected) setTimeout(join, 3000); // no answer in time: ask again
    return;
  }
  catching = false;
  seated = true;
  take(answer);
  if (!room.over) showLive();
  if (answer.online) showOnline(answer.online);
  room.hooks.joined?.(answer);
}

function showOnline(n) {
  onlineLine.textContent = strings.online.replace("{n}", n);
}

function finish(text, link) {
  if (room.over) return;
  room.over = true;
  for (const part of parts) part.stop?.();
  room.hooks.over?.();
  document.getElementById("room").hidden = true;
  document.getElementById("room-over").hidden = false;
  document.getElementById("room-over-text").textContent = text;
  const anchor = document.getElementById("room-over-link");
  anchor.href = link || config.back_url;
  anchor.textContent = link ? strings.replay : strings.back;
  anchor.hidden = false;
  showState(text, "over");
  if (room.socket && !room.ending) room.socket.disconnect(); // the teacher who ends it waits for the answer
}

function connect() {
  // Websocket first; polling only if a proxy refuses websockets. Tries at most 3 s apart (the jitter
  // is capped too), so a restarted server has everyone back within 5 s (tests/faults/test_live_restart.py).
  const socket = window.io(config.namespace, { transports: ["websocket", "polling"], tryAllTransports: true,
    reconnectionDelayMax: 3000 });
  room.socket = socket;
  socket.on("connect", join);
  socket.on("ev", receive);
  socket.on("presence", (data) => showOnline(data.online));
  socket.on("disconnect", (reason) => {
    seated = false;
    if (room.over) return;
    showState(strings.reconnecting, "reconnecting");
    // The server closed us (removed, or a restart): ask again, the join answer says why.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 2000);
  });
  socket.on("connect_error", () => { if (!room.over) showState(strings.reconnecting, "reconnecting"); });
}

// The browser knows about a dropped link before the socket's heartbeat does.
window.addEventListener("offline", () => { if (!room.over) showState(strings.reconnecting, "reconnecting"); });
window.addEventListener("online", () => {
  if (room.over) return;
  if (!room.socket) return; // still loading
  if (room.socket.connected && room.you) catchUp().then(showLive);
  else room.socket.connect();
});

room.on("ended", (data) => finish(strings.ended, data.lecture_url));
room.on("removed", (data) => { if (room.you && data.user === room.you.id) finish(strings.removed); });

function loadScript(src) {
  return new Promise((resolve, reject) => {
    document.head.append(Object.assign(document.createElement("script"), { src, onload: resolve, onerror: reject }));
  });
}

// A script or module that did not arrive (the link dropped while the page loaded) is asked for
// again, a little later each time, under a new URL (a failed module is remembered by the browser).
async function fetched(load, url) {
  for (let attempt = 0, wait = 1000; ; attempt += 1, wait = Math.min(2 * wait, 10000)) {
    try {
      return await load(attempt ? `${url}${url.includes("?") ? "&" : "?"}retry=${attempt}` : url);
    } catch {
      showState(strings.reconnecting, "reconnecting");
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
const load = (url) => fetched((src) => import(src), url);

// Sound first: when the teacher is on air, the stream starts before anything else is fetched, and
// Socket.IO with the chat follow once it plays (on a 64 kbit/s link they would share the line).
const parts = [];
room.redraw = () => { for (const part of parts) part.redraw?.(); };
const [{ mediaPart }, { listenLive }] = await Promise.all([load(config.modules.media), load(config.modules.listen)]);
const media = mediaPart(room, listenLive);
parts.push(media);
if (config.on_air && config.audio_url && !config.teacher) {
  room.session = { on_air: true, status: "live", audio_url: config.audio_url, slide: 0, slide_count: 0 };
  await media.soundFirst(4000);
}
const [{ talkPart }] = await Promise.all([load(config.modules.talk), fetched(loadScript, config.socket_script)]);
parts.push(talkPart(room));
connect();
if (config.teacher) load(config.present_script).then((module) => module.present(room));
