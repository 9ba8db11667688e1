// What students hear and see: the live sound as a progressive stream in a plain <audio> element
// (no library), video through hls.js only when they ask for it, and the current slide image with
// the next one fetched ahead so a slide change costs no wait.
const byId = (id) => document.getElementById(id);

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src, onload: resolve, onerror: reject });
    document.head.append(script);
  });
}

function slowLink() {
  const link = navigator.connection;
  return Boolean(link && (link.saveData || ["slow-2g", "2g"].includes(link.effectiveType)));
}

// listen(audio, url) starts the stream into the element and returns its stop (live-listen.js).
export function mediaPart(room, listen) {
  const { strings } = room;
  const audio = byId("audio"); // absent for the teacher: the presenter must not hear the echo
  const listenButton = byId("listen");
  const note = byId("audio-note");
  const watch = byId("watch");
  const soundOnly = byId("audio-only");
  const slide = byId("slide");
  const noSlide = byId("slide-none");
  const slidePos = byId("slide-pos");
  const fetched = new Set();
  let video = null;
  let hls = null;
  let retry = null;
  let retries = 0;
  let pausedAt = 0;
  let stopStream = null; // set while the sound stream is open

  const onAir = () => room.session && room.session.on_air && room.session.status !== "ended" && !room.over;
  const slideSrc = (n) => room.session.slides_url.replace("{n}", n);

  function say(text) {
    if (!note) return;
    note.textContent = text || "";
    note.hidden = !text;
  }

  // --- sound
  function closeStream() {
    if (stopStream) stopStream();
    stopStream = null;
  }

  function startAudio() {
    if (!audio || !room.session.audio_url) return Promise.resolve();
    clearTimeout(retry);
    closeStream();
    stopStream = listen(audio, room.session.audio_url); // a fresh request: the live edge, not an old buffer
    audio.hidden = false;
    return audio.play().then(() => { listenButton.hidden = true; say(""); }).catch(() => {
      listenButton.hidden = false; // the browser wants a tap before sound
      say(strings.press_listen);
    });
  }

  function stopAudio() {
    if (!audio) return;
    clearTimeout(retry);
    closeStream();
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
    audio.hidden = listenButton.hidden = true;
  }

  function audioBroke() {
    if (!onAir() || video || !stopStream) return;
    say(strings.audio_lost);
    clearTimeout(retry);
    retry = setTimeout(startAudio, Math.min(10000, 1000 * 2 ** retries++));
  }

  if (audio) {
    listenButton.addEventListener("click", startAudio);
    audio.addEventListener("error", audioBroke);
    audio.addEventListener("ended", audioBroke);
    audio.addEventListener("playing", () => { retries = 0; say(""); listenButton.hidden = true; });
    audio.addEventListener("pause", () => { pausedAt = Date.now(); });
    audio.addEventListener("play", () => { // resumed after a while: jump to now, not to the old buffer
      if (pausedAt && Date.now() - pausedAt > 5000) { pausedAt = 0; startAudio(); }
    });
  }

  // --- video, on request
  async function startVideo() {
    if (slowLink() && !window.confirm(strings.slow_video)) return;
    stopAudio();
    video = Object.assign(document.createElement("video"), { controls: true, playsInline: true, autoplay: true });
    video.className = "live-video";
    byId("stage").prepend(video);
    byId("stage").hidden = false;
    watch.hidden = true;
    soundOnly.hidden = false;
    if (window.MediaSource || window.ManagedMediaSource) {
      await loadScript(room.config.hls_script);
      hls = new window.Hls({ startLevel: 0, capLevelToPlayerSize: true, maxBufferLength: 10 });
      if (navigator.connection && navigator.connection.effectiveType === "3g") hls.autoLevelCapping = 0; // 240p
      hls.loadSource(room.session.video_hls);
      hls.attachMedia(video);
    } else {
      video.src = room.session.video_hls; // the browser's own HLS (Safari)
    }
    video.play().catch(() => null); // the controls let them start it
  }

  function stopVideo() {
    if (!video) return;
    if (hls) hls.destroy();
    video.remove();
    video = hls = null;
    showSlide();
  }

  function soundOnlyPlease() {
    stopVideo();
    soundOnly.hidden = true;
    update();
  }

  if (watch) {
    watch.addEventListener("click", startVideo);
    soundOnly.addEventListener("click", soundOnlyPlease);
  }

  // --- slides
  function fetchAhead(src) {
    if (fetched.has(src)) return;
    fetched.add(src);
    new Image().src = src; // into the HTTP cache; slide images are cached for the session
  }

  function showSlide() {
    const { slide: page, slide_count: count, slides_url: url } = room.session;
    const shown = Boolean(page && url);
    byId("stage").hidden = !(count && url) && !video; // a webinar without slides shows no empty box
    slide.hidden = !shown;
    noSlide.hidden = shown || Boolean(video);
    slidePos.textContent = shown ? strings.slide_of.replace("{n}", page).replace("{m}", count) : "";
    if (!shown) return;
    const src = slideSrc(page);
    if (slide.dataset.src !== src) {
      slide.dataset.src = src;
      slide.src = src;
    }
    fetched.add(src);
    if (page < count) fetchAhead(slideSrc(page + 1));
  }

  slide.addEventListener("error", () => { // a browser without WebP gets the JPEG
    if (slide.src.endsWith(".webp")) slide.src = slide.src.replace(/\.webp$/, ".jpg");
  });

  // --- what the session says now
  function update() {
    showSlide();
    if (!audio) return;
    const on = onAir();
    if (!on) {
      stopVideo();
      stopAudio();
    } else if (!video && !stopStream) {
      startAudio();
    }
    watch.hidden = !(on && room.session.has_video && room.session.video_hls) || Boolean(video);
    soundOnly.hidden = !video;
  }

  room.on("on_air", (data) => {
    room.session.on_air = data.on;
    room.session.has_video = data.video;
    if (data.on && room.session.status === "scheduled") room.session.status = "live";
    if (audio && !data.on) stopAudio(); // the next broadcast is a new stream
    update();
    room.showLive();
  });
  room.on("slide", (data) => { // a new deck mid-session also names its pages and their URL
    room.session.slide = data.page;
    if (data.slide_count !== undefined) room.session.slide_count = data.slide_count;
    if (data.slides_url) room.session.slides_url = data.slides_url;
    showSlide();
  });

  return {
    // Start the sound now, from the page's own facts; resolves once it plays, is refused a
    // start without a tap, fails, or ms have passed.
    soundFirst(ms) {
      return new Promise((resolve) => {
        for (const name of ["playing", "error"]) audio.addEventListener(name, resolve, { once: true });
        setTimeout(resolve, ms);
        startAudio().then(() => { if (!listenButton.hidden || !audio.paused) resolve(); }); // refused, or already playing
      });
    },
    snapshot: update,
    refresh: update,
    stop() { stopVideo(); stopAudio(); },
  };
}
