// Taking part: chat, questions with upvotes, the poll, a raised hand, reactions. Whatever people
// typed is put on the page with textContent only, so names and messages are never markup.
const byId = (id) => document.getElementById(id);
const CHAT_KEPT = 200; // older lines leave the page (a phone has little memory)

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A form whose text goes out as one event; the box clears only once the server took it.
function composer(room, form, input, note, send) {
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    note.textContent = "";
    try {
      await send(text);
      input.value = "";
    } catch (error) {
      note.textContent = error.message;
    }
  });
}

export function talkPart(room) {
  const { strings } = room;
  const chat = byId("chat");
  const questions = byId("questions");
  const lines = new Map(); // chat id → {message, li}
  let asked = new Map(); // question id → question
  let poll = null;
  let hands = [];

  // --- chat
  function chatLine(message) {
    const li = element("li", message.deleted ? "deleted" : "");
    li.append(element("b", "name", message.name), " ",
      element("span", "text", message.deleted ? strings.deleted : message.text));
    room.hooks.chatLine?.(li, message);
    return li;
  }

  function addChat(message) {
    const nearEnd = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
    const li = chatLine(message);
    lines.set(message.id, { message, li });
    chat.append(li);
    while (lines.size > CHAT_KEPT) {
      const [id, oldest] = lines.entries().next().value;
      oldest.li.remove();
      lines.delete(id);
    }
    byId("chat-empty").hidden = true;
    if (nearEnd) chat.scrollTop = chat.scrollHeight;
  }

  function redrawChat(messages) {
    lines.clear();
    chat.replaceChildren();
    for (const message of messages) addChat(message);
    byId("chat-empty").hidden = lines.size > 0;
  }

  function markDeleted(id) {
    const line = lines.get(id);
    if (!line) return;
    line.message.deleted = true;
    const li = chatLine(line.message);
    line.li.replaceWith(li);
    line.li = li;
  }

  // --- questions: most wanted first, answered ones last
  function questionItem(question) {
    const li = element("li", question.answered ? "answered" : "");
    li.dataset.id = question.id;
    const votes = element("span", "votes", `👍 ${question.votes}`);
    votes.title = strings.votes.replace("{n}", question.votes);
    li.append(votes, element("span", "text", question.text), element("small", "name", question.name));
    if (question.answered) li.append(element("span", "tag", strings.answered));
    else if (!room.you.teacher && !question.mine && !question.voted) {
      const up = element("button", "button upvote", `👍 ${strings.upvote}`);
      up.type = "button";
      up.addEventListener("click", async () => {
        up.disabled = true;
        try {
          const answer = await room.send("upvote", { id: question.id });
          Object.assign(question, { voted: true, votes: answer.votes ?? question.votes });
          redrawQuestions();
        } catch (error) {
          up.disabled = false;
          byId("ask-note").textContent = error.message;
        }
      });
      li.append(up);
    }
    room.hooks.questionItem?.(li, question);
    return li;
  }

  function redrawQuestions() {
    const order = [...asked.values()].sort((a, b) => a.answered - b.answered || b.votes - a.votes || a.id - b.id);
    questions.replaceChildren(...order.map(questionItem));
    byId("questions-empty").hidden = order.length > 0;
  }

  function changeQuestion(id, change) {
    const question = asked.get(id);
    if (question) Object.assign(question, change);
    redrawQuestions();
  }

  // --- poll: students answer; results show to the teacher, to those who answered, and at the end
  function drawPoll() {
    const box = byId("poll");
    box.hidden = !poll;
    room.hooks.poll?.(poll);
    if (!poll) return;
    byId("poll-question").textContent = poll.question;
    const answering = poll.open && !room.you.teacher;
    const form = byId("poll-form");
    form.hidden = !answering;
    if (answering && form.dataset.poll !== String(poll.id)) {
      form.dataset.poll = poll.id;
      byId("poll-options").replaceChildren(...poll.options.map((text, i) => {
        const label = element("label", "choice");
        const input = Object.assign(document.createElement("input"),
          { type: poll.multiple ? "checkbox" : "radio", name: "choice", value: i, checked: (poll.mine || []).includes(i) });
        label.append(input, " ", element("span", "", text));
        return label;
      }));
    }
    byId("poll-send").textContent = poll.mine && poll.mine.length ? strings.change_answer : strings.send_answer;
    const results = room.you.teacher || !poll.open || (poll.mine && poll.mine.length);
    byId("poll-results").hidden = !results;
    byId("poll-note").textContent = poll.open ? "" : strings.poll_closed;
    byId("poll-total").textContent = results ? strings.poll_total.replace("{n}", poll.total || 0) : "";
    if (results) drawResults();
  }

  function drawResults() {
    const counts = poll.counts || poll.options.map(() => 0);
    byId("poll-results").replaceChildren(...poll.options.map((text, i) => {
      const li = element("li");
      const bar = Object.assign(document.createElement("progress"), { max: Math.max(1, poll.total || 0), value: counts[i] || 0 });
      li.append(element("span", "", text), element("b", "count", ` ${counts[i] || 0}`), bar);
      return li;
    }));
  }

  byId("poll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const choices = [...event.target.querySelectorAll("input:checked")].map((input) => Number(input.value));
    const note = byId("poll-note");
    if (!choices.length) { note.textContent = strings.pick_one; return; }
    note.textContent = "";
    try {
      const answer = await room.send("vote", { poll: poll.id, choices });
      poll.mine = answer.choices || choices;
      drawPoll();
    } catch (error) {
      note.textContent = error.message;
    }
  });

  // --- hands, muting, reactions
  const handButton = byId("hand");
  function drawHand() {
    if (!handButton || !room.you) return;
    handButton.setAttribute("aria-pressed", String(room.you.hand));
    handButton.querySelector("span").textContent = room.you.hand ? strings.hand_down : strings.hand_up;
  }
  if (handButton) {
    handButton.addEventListener("click", async () => {
      handButton.disabled = true;
      try {
        const answer = await room.send("hand", { up: !room.you.hand });
        room.you.hand = answer.up ?? !room.you.hand;
        drawHand();
      } catch (error) {
        room.showState(error.message, "error");
      }
      handButton.disabled = false;
    });
  }

  function drawMuted() {
    for (const id of ["chat-text", "ask-text"]) {
      const input = byId(id);
      if (input) input.disabled = room.you.muted;
    }
    byId("chat-note").textContent = room.you.muted ? strings.muted : "";
  }

  const feed = byId("reaction-feed");
  function showReaction(data) { // everyone's reactions of the last second, together
    const counts = Object.entries(data.counts || {});
    if (!counts.length) return;
    const item = element("span", "reaction", counts.map(([emoji, n]) => (n > 1 ? `${emoji} ${n}` : emoji)).join("  "));
    feed.append(item);
    while (feed.children.length > 3) feed.firstChild.remove();
    setTimeout(() => item.remove(), 4000);
  }
  for (const button of document.querySelectorAll(".react")) {
    button.addEventListener("click", () => room.send("react", { emoji: button.dataset.emoji }).catch(() => null));
  }

  composer(room, byId("chat-form"), byId("chat-text"), byId("chat-note"), (text) => room.send("chat", { text }));
  composer(room, byId("ask-form"), byId("ask-text"), byId("ask-note"), async (text) => {
    const answer = await room.send("ask", { text });
    changeQuestion(answer.id, { mine: true });
  });

  room.on("chat", (data) => { if (!lines.has(data.id)) addChat({ ...data, deleted: false }); });
  room.on("chat_deleted", (data) => markDeleted(data.id));
  room.on("question", (data) => {
    if (!asked.has(data.id)) asked.set(data.id, { answered: false, mine: false, voted: false, ...data });
    redrawQuestions();
  });
  room.on("question_votes", (data) => changeQuestion(data.id, { votes: data.votes }));
  room.on("question_answered", (data) => changeQuestion(data.id, { answered: true }));
  room.on("poll_opened", (data) => { poll = { ...data, open: true, counts: null, total: 0, mine: [] }; drawPoll(); });
  room.on("poll_results", (data) => { if (poll && poll.id === data.id) { Object.assign(poll, data); drawPoll(); } });
  room.on("poll_closed", (data) => { if (poll && poll.id === data.id) { Object.assign(poll, data, { open: false }); drawPoll(); } });
  room.on("hand", (data) => {
    hands = hands.filter((hand) => hand.user !== data.user);
    if (data.up) hands.push({ user: data.user, name: data.name });
    if (data.user === room.you.id) { room.you.hand = data.up; drawHand(); }
    room.hooks.hands?.(hands);
  });
  room.on("muted", (data) => {
    if (data.user === room.you.id) { room.you.muted = data.muted; drawMuted(); }
    room.hooks.muted?.(data);
  });
  room.on("reaction", showReaction);

  function refresh() {
    if (!room.you) return; // not joined yet
    drawHand();
    drawMuted();
    drawPoll();
    room.hooks.hands?.(hands);
  }

  return {
    snapshot(answer) {
      redrawChat(answer.chat || []);
      asked = new Map((answer.questions || []).map((question) => [question.id, question]));
      redrawQuestions();
      poll = answer.poll || null;
      hands = answer.hands || [];
      refresh();
    },
    refresh,
    redraw() { // the teacher's buttons arrived after the first snapshot
      redrawChat([...lines.values()].map((line) => line.message));
      redrawQuestions();
      refresh();
    },
    get poll() { return poll; },
  };
}
