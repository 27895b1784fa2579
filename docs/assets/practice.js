// Interview practice: random questions from the bank (JSON the build writes into the page),
// filtered by topic and level, with known / review-again marks kept in localStorage by question.
// Plain JavaScript, no library, works offline.
(() => {
  const root = document.getElementById("practice");
  const source = document.getElementById("practice-data");
  if (!root || !source) return;
  const topics = JSON.parse(source.textContent);
  const KEY = "lossref-practice-v2";
  const questions = topics.flatMap((topic) =>
    topic.questions.map((q) => ({ ...q, topic: topic.id, title: topic.topic })));

  // {question id: "known" | "review"}, the id a hash of the question's text (the build's), so a
  // question added to the bank moves no mark; storage may be blocked (private mode). Version 1
  // keyed marks by position in a topic: which question each meant is lost once the bank changed,
  // so they are dropped rather than put on the wrong questions.
  let marks = {};
  try {
    marks = JSON.parse(localStorage.getItem(KEY)) || {};
    localStorage.removeItem("lossref-practice-v1");
  } catch { marks = {}; }
  const save = () => { try { localStorage.setItem(KEY, JSON.stringify(marks)); } catch { /* kept for this visit */ } };
  const markOf = (q) => marks[q.id];

  const form = root.querySelector("form");
  const topicBox = root.querySelector(".lossref-practice-topics");
  for (const topic of topics) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    Object.assign(input, { type: "checkbox", name: "topic", value: topic.id, checked: true });
    label.append(input, ` ${topic.topic}`);
    topicBox.append(label);
  }
  const $ = (selector) => root.querySelector(selector);
  const button = (action) => root.querySelector(`[data-action=${action}]`);
  const answer = $(".lossref-practice-answer");
  let current = null;

  const chosen = () => {
    const wanted = (name) => new Set([...form.elements[name]].filter((i) => i.checked).map((i) => i.value));
    const levels = wanted("level"), picked = wanted("topic");
    const onlyNew = form.elements.unknown.checked;
    return questions.filter((q) => picked.has(q.topic) && levels.has(q.level) && !(onlyNew && markOf(q) === "known"));
  };

  const show = (q) => {
    current = q;
    answer.hidden = true;
    answer.innerHTML = "";
    button("reveal").setAttribute("aria-expanded", "false");
    for (const action of ["reveal", "known", "review"]) button(action).disabled = !q;
    $(".lossref-practice-meta").textContent = q ? `${q.title} · ${q.level}` + (markOf(q) ? ` · marked ${markOf(q) === "known" ? "known" : "review again"}` : "") : "";
    // the question is the bank's rendered HTML (inline code, entities), written by the build
    $(".lossref-practice-question").innerHTML = q ? q.q : "No question matches: choose more topics or levels.";
  };

  const next = () => {
    const pool = chosen();
    // prefer a question other than the current one, and those marked "review again" or unseen
    let candidates = pool.filter((q) => q !== current && markOf(q) !== "known");
    if (!candidates.length) candidates = pool.filter((q) => q !== current);
    if (!candidates.length) candidates = pool;
    show(candidates.length ? candidates[Math.floor(Math.random() * candidates.length)] : null);
  };

  const reveal = () => {
    if (!current) return;
    answer.innerHTML = current.a;
    answer.hidden = false;
    button("reveal").setAttribute("aria-expanded", "true");
  };

  const mark = (value) => {
    if (!current) return;
    marks[current.id] = value;
    save();
    update();
    next();
  };

  const update = () => {
    const pool = chosen();
    $(".lossref-practice-pool").textContent = `${pool.length} of ${questions.length} questions chosen.`;
    const body = $(".lossref-practice-progress tbody");
    body.innerHTML = "";
    for (const topic of topics) {
      const own = questions.filter((q) => q.topic === topic.id);
      const known = own.filter((q) => markOf(q) === "known").length;
      const review = own.filter((q) => markOf(q) === "review").length;
      const row = body.insertRow();
      row.dataset.topic = topic.id;
      for (const value of [topic.topic, own.length, known, review, own.length - known - review]) {
        row.insertCell().textContent = value;
      }
    }
    const deck = $(".lossref-practice-deck") || document.querySelector(".lossref-practice-deck");
    deck.innerHTML = pool.map((q) =>
      `<article class="lossref-practice-entry"><h3>${q.q}</h3><p class="lossref-practice-meta">${escape(q.title)} · ${q.level}</p>${q.a}</article>`).join("");
  };

  const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action === "next") next();
    else if (action === "reveal") reveal();
    else if (action === "known") mark("known");
    else if (action === "review") mark("review");
    else if (action === "print") window.print();
    else if (action === "reset") { marks = {}; save(); update(); show(current); }
  });
  form.addEventListener("change", () => { update(); if (!current || !chosen().includes(current)) next(); });
  form.addEventListener("submit", (event) => event.preventDefault());
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, textarea, select")) return;
    const action = { n: next, a: reveal, k: () => mark("known"), r: () => mark("review") }[event.key.toLowerCase()];
    if (action) { event.preventDefault(); action(); }
  });
  update();
  next();
})();
