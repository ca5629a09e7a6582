// hyperdas explorer: the page's only script. Plain DOM, no libraries, so it works offline.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { info: null, examples: [], boardLoaded: false };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    // Styles through the CSSOM: the server's Content-Security-Policy refuses inline style attributes.
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k === "css") Object.assign(e.style, v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function quote(s) { return "\"" + s + "\""; }

async function getJson(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

// ------------------------------------------------------------------ tabs

function showTab(name) {
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== name;
  if (name === "examples") loadExamples();
  if (name === "leaderboard") loadBoard();
}

// ------------------------------------------------------------------ Try

function shortAttribute(a) { return a.substring(a.lastIndexOf(".") + 1); }

function composeInstruction() {
  const be = $("base-entity").value, se = $("source-entity").value, at = $("attribute").value;
  if (be && se && at) $("instruction").value = be + " ; " + se + " - " + shortAttribute(at);
}

function fillOptions(select, values, labels) {
  select.replaceChildren(...values.map((v, i) => el("option", { value: v, text: labels ? labels[i] : v })));
}

async function loadInfo() {
  const info = await getJson("/api/info");
  state.info = info;
  $("export-info").textContent = info.method + " export, layer " + info.layer
    + (info.modes.length ? ", modes " + info.modes.join(" / ") : "")
    + (info.run ? ", run folder with " + info.examples + " test examples" : ", no run folder");
  fillOptions($("attribute"), info.attributes);
  if (info.modes.length) fillOptions($("mode"), info.modes); else $("mode-label").hidden = true;
  $("max-new-tokens").max = info.maxNewTokens;
  for (const id of ["base", "source", "base-entity", "source-entity", "instruction"]) {
    $(id).maxLength = info.maxText;
  }
}

async function runTry(event) {
  if (event) event.preventDefault();
  const info = state.info;
  const body = {
    base: $("base").value, source: $("source").value, instruction: $("instruction").value,
    maxNewTokens: parseInt($("max-new-tokens").value, 10) || 3,
  };
  if (info.modes.length) body.mode = $("mode").value;
  // das / mdas pick the trained subspace by the attribute; hyperdas reads it from the instruction.
  if (!info.hasSelection && $("attribute").value) body.attribute = $("attribute").value;
  $("status").className = "muted";
  $("status").textContent = "running...";
  $("result").dataset.state = "running";
  const started = performance.now();
  try {
    const r = await fetch("/api/try", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const answer = await r.json();
    if (!r.ok) throw new Error(answer.error || r.statusText);
    showAnswer(answer);
    const ms = Math.round(performance.now() - started);
    $("status").textContent = "done in " + ms + " ms (server " + answer.millis + " ms)";
    $("result").dataset.state = "done";
    $("result").dataset.ms = String(ms);
  } catch (e) {
    $("status").className = "error";
    $("status").textContent = e.message;
    $("result").dataset.state = "error";
  }
}

function topTable(table, top) {
  table.replaceChildren(...top.map((t) => el("tr", {},
    el("td", { text: quote(t.token) }),
    el("td", { text: t.probability.toFixed(3) }),
    el("td", {}, el("span", { class: "bar", css: { width: Math.round(t.probability * 120) + "px" } })))));
}

function showAnswer(a) {
  $("result").hidden = false;
  $("base-answer").textContent = quote(a.baseAnswer);
  $("intervened-answer").textContent = quote(a.intervenedAnswer);
  $("variant").textContent = "(" + a.method + ", " + a.variant + ")";
  topTable($("base-top"), a.baseTop);
  topTable($("intervened-top"), a.intervenedTop);
  if (a.heatmap) {
    $("selection-title").textContent = "Selection (" + a.variant + ", first step)";
    $("selection-note").textContent = "Rows: source tokens and SELF (keep the base's own vector); columns: base "
      + "tokens. Hatched columns lie outside the intervention mask."
      + (a.heatmap.discrete ? " Outlined: each column's discrete choice." : "");
    drawHeatmap(a.heatmap);
    $("site").replaceChildren();
  } else {
    $("selection-title").textContent = "Intervention site (fixed)";
    $("selection-note").textContent = a.method + " writes the last base-entity token with the last "
      + "source-entity token's vector" + (a.method === "patching" ? "." : " in its trained subspace.");
    $("heatmap").replaceChildren();
    const s = a.site;
    $("site").textContent = quote(s.baseToken) + "@" + s.basePosition + "  <-  " + quote(s.sourceToken) + "@"
      + s.sourcePosition;
  }
}

function drawHeatmap(h) {
  const head = el("tr", {}, el("th", { text: "" }));
  h.columns.forEach((c, j) => head.append(el("th", { text: c + " " + j, title: "base token " + j })));
  const rows = h.weights.map((w, i) => {
    const label = h.rows[i] === "SELF" && i === h.rows.length - 1 ? "SELF" : h.rows[i] + " " + i;
    const tr = el("tr", { class: "hm-row" + (i === h.rows.length - 1 ? " self" : "") }, el("th", { text: label }));
    w.forEach((v, j) => {
      const chosen = h.discrete && v > 0 && h.weights.every((other) => other[j] <= v);
      const td = el("td", {
        class: "hm-cell" + (h.writable[j] ? "" : " locked") + (chosen ? " chosen" : ""),
        title: label + " -> " + quote(h.columns[j]) + "@" + j + ": " + v.toFixed(4),
        css: { backgroundColor: "rgba(31, 119, 180, " + Math.min(1, Math.max(0, v)).toFixed(3) + ")" },
      });
      td.dataset.weight = String(v);
      td.addEventListener("mouseenter", () => { $("hm-readout").textContent = td.title; });
      tr.append(td);
    });
    return tr;
  });
  $("heatmap").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

// ------------------------------------------------------------------ Examples

const FILTERS = [["f-run", "run"], ["f-split", "split"], ["f-type", "entityType"], ["f-attribute", "attribute"],
  ["f-kind", "kind"]];

async function loadExamples() {
  if (state.examplesLoaded) return;
  state.examplesLoaded = true;
  state.examples = await getJson("/api/examples");
  $("examples-empty").hidden = state.info.run;
  for (const [id, key] of FILTERS) {
    const values = [...new Set(state.examples.map((e) => e[key]))].sort();
    fillOptions($(id), ["", ...values], ["all", ...values]);
    $(id).addEventListener("change", drawExamples);
  }
  fillOptions($("f-correct"), ["", "correct", "incorrect"], ["all", "correct", "incorrect"]);
  $("f-correct").addEventListener("change", drawExamples);
  drawExamples();
}

function drawExamples() {
  const want = FILTERS.map(([id, key]) => [key, $(id).value]);
  const correct = $("f-correct").value;
  const shown = state.examples.filter((e) => want.every(([k, v]) => !v || e[k] === v)
    && (!correct || (correct === "correct") === e.correct));
  $("example-count").textContent = shown.length + " of " + state.examples.length;
  $("example-rows").replaceChildren(...shown.slice(0, 1000).map((e) => {
    const tr = el("tr", { class: "example", "data-id": String(e.id), title: "open in Try" },
      el("td", { text: e.run }), el("td", { text: e.split }), el("td", { text: e.kind }),
      el("td", { text: e.attribute }), el("td", { text: e.base }), el("td", { text: e.source }),
      el("td", { text: quote(e.expected) }), el("td", { text: quote(e.predicted) }),
      el("td", { class: e.correct ? "ok" : "bad", text: e.correct ? "correct" : "incorrect" }));
    tr.addEventListener("click", () => openExample(e));
    return tr;
  }));
}

function openExample(e) {
  $("base").value = e.base;
  $("source").value = e.source;
  $("base-entity").value = e.baseEntity;
  $("source-entity").value = e.sourceEntity;
  if (state.info.attributes.includes(e.attribute)) $("attribute").value = e.attribute;
  if (e.mode && state.info.modes.includes(e.mode)) $("mode").value = e.mode;
  $("instruction").value = e.instruction;
  showTab("try");
  runTry();
}

// ------------------------------------------------------------------ Leaderboard

function inline(text) {
  const span = el("span");
  text.split(/(\*\*[^*]+\*\*|`[^`]+`)/).forEach((part) => {
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) span.append(el("b", { text: part.slice(2, -2) }));
    else if (part.startsWith("`") && part.endsWith("`") && part.length > 2) span.append(el("code", { text: part.slice(1, -1) }));
    else span.append(part);
  });
  return span;
}

function cells(line) { return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim()); }

// The leaderboard's Markdown: headings, paragraphs and pipe tables (all that LeaderboardWriter writes).
function renderMarkdown(md) {
  const out = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("|")) {
      const table = el("table");
      table.append(el("thead", {}, el("tr", {}, ...cells(line).map((c) => el("th", {}, inline(c))))));
      const body = el("tbody");
      i += 1; // the separator row
      while (i + 1 < lines.length && lines[i + 1].startsWith("|")) {
        i += 1;
        body.append(el("tr", {}, ...cells(lines[i]).map((c) => el("td", {}, inline(c)))));
      }
      table.append(body);
      out.push(table);
    } else if (/^#{1,6} /.test(line)) {
      const level = Math.min(6, line.indexOf(" ") + 1);
      out.push(el("h" + level, {}, inline(line.replace(/^#+ /, ""))));
    } else if (line.trim()) {
      out.push(el("p", {}, inline(line)));
    }
  }
  return out;
}

function fmt(v) { return v === null || v === undefined ? "-" : (100 * v).toFixed(1); }

// Without a leaderboard.md: each run folder's scores.json as one table (C / I / D in percent).
function renderScores(scores) {
  return scores.map((s) => {
    const rows = [];
    for (const [split, sc] of Object.entries(s.scores.splits || {})) {
      rows.push([split, "overall", sc]);
      for (const [type, t] of Object.entries(sc.entity_types || {})) {
        for (const [attribute, a] of Object.entries(t.attributes || {})) rows.push([split, type + "." + attribute, a]);
      }
    }
    return el("div", {}, el("h3", { text: s.run + " (" + (s.scores.method || "") + ")" }),
      el("table", {}, el("thead", {}, el("tr", {}, ...["split", "attribute", "Cause", "Isolate", "Disentangle"]
        .map((h) => el("th", { text: h })))),
      el("tbody", {}, ...rows.map(([split, what, c]) => el("tr", {}, el("td", { text: split }),
        el("td", { text: what }), el("td", { text: fmt(c.cause) }), el("td", { text: fmt(c.isolate) }),
        el("td", { text: fmt(c.disentangle) }))))));
  });
}

async function loadBoard() {
  if (state.boardLoaded) return;
  state.boardLoaded = true;
  const b = await getJson("/api/leaderboard");
  $("board-empty").hidden = state.info.run;
  $("board").replaceChildren(...(b.markdown ? renderMarkdown(b.markdown) : renderScores(b.scores)));
  $("figures").replaceChildren(...b.figures.map((f) => el("figure", {},
    el("img", { src: "/api/figures/" + f.id, alt: f.run + "/" + f.name, loading: "lazy" }),
    el("figcaption", { text: f.run + " / " + f.name }))));
}

// ------------------------------------------------------------------ start

document.addEventListener("DOMContentLoaded", async () => {
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
  for (const id of ["base-entity", "source-entity", "attribute"]) $(id).addEventListener("input", composeInstruction);
  $("attribute").addEventListener("change", composeInstruction);
  $("try-form").addEventListener("submit", runTry);
  try {
    await loadInfo();
    document.body.dataset.ready = "true";
  } catch (e) {
    $("export-info").textContent = "cannot read the export: " + e.message;
  }
});
