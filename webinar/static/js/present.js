// The teacher's side of the room, loaded only for those who run the session: going live (the
// microphone always, a camera or the screen if chosen), slides, polls, hands, answering questions,
// moderating the chat and ending the webinar. Every action that cannot be undone asks first.
const byId = (id) => document.getElementById(id);

function button(text, className, onClick) {
  const node = Object.assign(document.createElement("button"), { type: "button", className, textContent: text });
  node.addEventListener("click", onClick);
  return node;
}

export async function present(room) {
  const { broadcaster } = await import(room.config.modules.present_media); // preloaded with present.js
  const words = room.config.present_strings;
  const muted = new Set(); // people the teacher muted (from the `muted` events)
  const fill = (text, name) => text.replace("{name}", name);
  const act = (name, data) => room.send(name, data).catch((error) => room.showState(error.message, "error"));

  broadcaster(room, words);

  // --- slides
  const prev = byId("slide-prev");
  const next = byId("slide-next");
  function drawSlides() {
    const { slide, slide_count: count } = room.session || {};
    byId("slide-controls").hidden = !count;
    if (!count) return;
    prev.disabled = slide <= 1;
    next.disabled = slide >= count;
  }
  prev.addEventListener("click", () => act("slide", { page: Math.max(1, room.session.slide - 1) }));
  next.addEventListener("click", () => act("slide", { page: Math.min(room.session.slide_count, room.session.slide + 1) }));
  room.on("slide", drawSlides);

  // --- polls
  const pollClose = byId("poll-close");
  byId("poll-new").addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = byId("poll-new-question").value.trim();
    const options = byId("poll-new-options").value.split("\n").map((line) => line.trim()).filter(Boolean);
    const note = byId("poll-new-note");
    if (!question || options.length < 2 || options.length > 10) { note.textContent = words.poll_needs; return; }
    note.textContent = "";
    try {
      await room.send("poll_open", { question, options, multiple: byId("poll-new-multiple").checked });
      event.target.reset();
      byId("poll-new-box").open = false;
    } catch (error) {
      note.textContent = error.message;
    }
  });
  pollClose.addEventListener("click", () => {
    const poll = room.currentPoll;
    if (poll) act("poll_close", { poll: poll.id });
  });
  room.hooks.poll = (poll) => {
    room.currentPoll = poll;
    pollClose.hidden = !(poll && poll.open);
  };

  // --- hands
  room.hooks.hands = (hands) => {
    const list = byId("hands");
    list.replaceChildren(...hands.map((hand) => {
      const li = document.createElement("li");
      const name = Object.assign(document.createElement("span"), { textContent: `✋ ${hand.name}` });
      li.append(name, button(words.lower, "button", () => act("lower_hand", { user: hand.user })));
      return li;
    }));
    if (!hands.length) list.append(Object.assign(document.createElement("li"), { className: "empty", textContent: words.no_hands }));
  };

  // --- questions
  room.hooks.questionItem = (li, question) => {
    if (!question.answered) li.append(button(`✓ ${words.mark_answered}`, "button", () => act("answered", { id: question.id })));
  };

  // --- chat moderation
  room.hooks.chatLine = (li, message) => {
    if (message.deleted || !room.you || message.user === room.you.id) return;
    const tools = document.createElement("span");
    tools.className = "moderate";
    const isMuted = muted.has(message.user);
    tools.append(
      button(words.delete, "link", () => act("chat_delete", { id: message.id })),
      button(isMuted ? words.unmute : words.mute, "link", () => {
        if (isMuted || window.confirm(fill(words.confirm_mute, message.name))) act("mute", { user: message.user, muted: !isMuted });
      }),
      button(words.remove, "link danger", () => {
        if (window.confirm(fill(words.confirm_remove, message.name))) act("remove", { user: message.user });
      }),
    );
    li.append(" ", tools);
  };
  room.hooks.muted = (data) => {
    if (data.muted) muted.add(data.user); else muted.delete(data.user);
    room.redraw();
  };

  // --- the end
  byId("end").addEventListener("click", async () => {
    if (!window.confirm(words.confirm_end)) return;
    room.hooks.stopBroadcast?.();
    room.ending = true;
    try {
      const answer = await room.send("end", {}, 60000);
      window.location.href = answer.lecture_url || room.config.back_url;
    } catch (error) {
      room.ending = false;
      room.showState(error.message, "error");
    }
  });

  const joined = room.hooks.joined;
  room.hooks.joined = (answer) => { joined?.(answer); drawSlides(); };
  if (room.session) drawSlides();
  room.redraw();
}
