// The teacher's processing panel: progress, place in line and time left. Pushed over Socket.IO
// when the server has a message queue; otherwise (or if the socket fails) polled every few seconds.
const panel = document.getElementById("status");
if (panel) {
  const bar = document.getElementById("status-bar");
  const text = document.getElementById("status-text");
  const eta = document.getElementById("status-eta");
  const fill = (template, n) => template.replace("{n}", n);
  let lastStatus = null;
  let polling = false;

  // Returns false once nothing more will change.
  function show(state) {
    bar.value = Math.round(state.progress * 100);
    if (state.message) text.textContent = state.message;
    text.classList.toggle("error", state.failed);
    eta.textContent = state.queue_position ? fill(eta.dataset.queue, state.queue_position)
      : state.eta_seconds ? fill(eta.dataset.eta, Math.max(1, Math.round(state.eta_seconds / 60))) : "";
    // The player appears once audio is published, and the reason once it failed: reload then.
    if (lastStatus && (lastStatus !== state.status || state.failed)) {
      window.location.reload();
      return false;
    }
    lastStatus = state.status;
    return state.status !== "ready" && !state.failed;
  }

  async function poll() {
    polling = true;
    try {
      const response = await fetch(panel.dataset.statusUrl, { credentials: "same-origin" });
      if (show(await response.json())) setTimeout(poll, 3000);
    } catch {
      setTimeout(poll, 10000); // offline for a moment: try again later
    }
  }

  function listen() {
    const socket = window.io("/progress", { transports: ["websocket", "polling"] });
    socket.on("connect", () => {
      socket.emit("watch", { lecture: Number(panel.dataset.lecture) }, (state) => {
        if (!state.ok) return poll();
        if (!show(state)) socket.close();
      });
    });
    socket.on("progress", (state) => { if (!show(state)) socket.close(); });
    socket.on("connect_error", () => { socket.close(); if (!polling) poll(); });
  }

  if (panel.dataset.socket) {
    const script = Object.assign(document.createElement("script"), { src: panel.dataset.socket });
    script.onload = listen;
    script.onerror = poll;
    document.head.append(script);
  } else {
    poll();
  }
}
