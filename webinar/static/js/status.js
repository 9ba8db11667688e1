// The teacher's processing panel: poll the job's progress, place in line and time left.
const panel = document.getElementById("status");
if (panel) {
  const bar = document.getElementById("status-bar");
  const text = document.getElementById("status-text");
  const eta = document.getElementById("status-eta");
  const fill = (template, n) => template.replace("{n}", n);
  let lastStatus = null;
  async function poll() {
    let state;
    try {
      const response = await fetch(panel.dataset.statusUrl, { credentials: "same-origin" });
      state = await response.json();
    } catch {
      return setTimeout(poll, 10000); // offline for a moment: try again later
    }
    bar.value = Math.round(state.progress * 100);
    text.textContent = state.message;
    text.classList.toggle("error", state.failed);
    eta.textContent = state.queue_position ? fill(eta.dataset.queue, state.queue_position)
      : state.eta_seconds ? fill(eta.dataset.eta, Math.max(1, Math.round(state.eta_seconds / 60))) : "";
    // The player appears once audio is published: reload when the stage changes.
    if (lastStatus && lastStatus !== state.status && !state.failed) return window.location.reload();
    lastStatus = state.status;
    if (state.status !== "ready" && !state.failed) setTimeout(poll, 3000);
  }
  poll();
}
