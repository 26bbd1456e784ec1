// sigtune progress page: plain JavaScript over the JSON API (see openapi.yaml); no external assets.
"use strict";

const $ = (id) => document.getElementById(id);
let token = localStorage.getItem("sigtune-token") || "";
let selectedJob = null;
let events = null;

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.status + " " + response.statusText;
    throw new Error(message);
  }
  return body;
}

function text(value, digits = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return typeof value === "number" ? value.toFixed(digits) : String(value);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s % 3600 / 60)).padStart(2, "0")}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value; else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- lists ----
async function refreshLists() {
  try {
    const [datasets, models, jobs] = await Promise.all([api("/v1/datasets"), api("/v1/models"), api("/v1/jobs")]);
    const datasetSelect = $("job-dataset");
    const previous = datasetSelect.value;
    datasetSelect.replaceChildren(...datasets.datasets.map((d) => element("option", { value: d.id, text: `${d.name || d.id} (${(d.labels || []).length} labels)` })));
    if (previous) datasetSelect.value = previous;
    $("model-ids").replaceChildren(...models.models.map((m) => element("option", { value: m.id, text: m.name || m.architecture })));
    const classifiers = models.models.filter((m) => m.labels && m.labels.length > 0);
    const modelSelect = $("classify-model");
    const chosen = modelSelect.value;
    modelSelect.replaceChildren(...classifiers.map((m) => element("option", { value: m.id, text: `${m.name || m.id} (${m.labels.join(", ").slice(0, 60)})` })));
    if (chosen) modelSelect.value = chosen;
    renderJobs(jobs.jobs);
  } catch (error) {
    $("job-rows").replaceChildren(element("tr", {}, [element("td", { colspan: 7, class: "error", text: error.message })]));
  }
}

function renderJobs(jobs) {
  $("job-rows").replaceChildren(...jobs.slice().reverse().map((job) => {
    const fraction = job.total_steps ? job.step / job.total_steps : (job.status === "succeeded" ? 1 : 0);
    const row = element("tr", { class: job.id === selectedJob ? "selected" : "" }, [
      element("td", { text: job.name || job.id }),
      element("td", {}, [element("span", { class: "badge " + job.status, text: job.status })]),
      element("td", {}, [element("span", { class: "bar" }, [element("span", { style: `width:${(100 * fraction).toFixed(1)}%` })]),
        document.createTextNode(` ${job.step || 0}/${job.total_steps || "?"}`)]),
      element("td", { text: text(job.loss) }),
      element("td", { text: text(job.images_per_second, 2) }),
      element("td", { text: job.status === "running" ? duration(job.eta_seconds) : "–" }),
      element("td", {}, [job.status === "queued" || job.status === "running"
        ? element("button", { class: "link", "data-cancel": job.id, text: "cancel" }) : document.createTextNode(job.error ? "⚠" : "")]),
    ]);
    row.addEventListener("click", (event) => {
      if (event.target.dataset.cancel) { api(`/v1/jobs/${event.target.dataset.cancel}/cancel`, { method: "POST" }).then(refreshLists); return; }
      selectJob(job.id);
    });
    return row;
  }));
}

// ---- one job ----
async function selectJob(id) {
  selectedJob = id;
  history.replaceState(null, "", "#job=" + encodeURIComponent(id));  // a link to this view
  $("detail").hidden = false;
  if (events) events.close();
  await renderDetail();
  // EventSource cannot send headers: with a token, poll instead of streaming.
  if (!token) {
    events = new EventSource(`/v1/jobs/${id}/events`);
    for (const kind of ["progress", "evaluation", "state"]) events.addEventListener(kind, () => scheduleRender());
    events.onerror = () => events.close();
  }
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; renderDetail(); refreshLists(); }, 500);
}

async function renderDetail() {
  if (!selectedJob) return;
  const job = await api(`/v1/jobs/${selectedJob}`);
  $("detail-title").textContent = `${job.name || job.id} · ${job.status}`;
  const last = job.last_evaluation || {};
  const facts = [["epoch", text(job.epoch, 2)], ["step", `${job.step || 0}/${job.total_steps || "?"}`], ["loss", text(job.loss)],
    ["learning rate", text(job.learning_rate, 6)], ["images/s", text(job.images_per_second, 2)], ["ETA", duration(job.eta_seconds)],
    ["eval accuracy", text(last.eval_accuracy)], ["eval macro F1", text(last.eval_f1_macro)]];
  if (job.model) facts.push(["model", job.model]);
  if (job.error) facts.push(["error", job.error]);
  $("detail-summary").replaceChildren(...facts.map(([label, value]) => element("div", {}, [element("b", { text: value }), element("span", { text: label })])));
  const metrics = await api(`/v1/jobs/${selectedJob}/metrics`).catch(() => null);
  if (!metrics) return;
  const steps = (metrics.log_history || []).filter((entry) => entry.loss !== undefined);
  drawLines($("chart-loss"), [steps.map((e) => [e.step, e.loss])]);
  drawLines($("chart-lr"), [steps.map((e) => [e.step, e.learning_rate])]);
  const evaluations = metrics.history || [];
  drawLines($("chart-eval"), [evaluations.map((e) => [e.epoch, e.eval_accuracy]), evaluations.map((e) => [e.epoch, e.eval_f1_macro])], [0, 1]);
  const final = metrics.final;
  if (final && final.confusion_matrix) renderConfusion(final.labels, final.confusion_matrix); else $("confusion").textContent = "after training";
  if (final && final.per_class) renderReport(final); else $("report").textContent = "after training";
}

function drawLines(svg, series, fixedRange) {
  const width = 400, height = 180, left = 40, bottom = 20, top = 8, right = 8;
  const points = series.flat().filter((p) => p[1] !== null && p[1] !== undefined && isFinite(p[1]));
  svg.replaceChildren();
  if (points.length === 0) return;
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  let [y0, y1] = fixedRange || [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x) => left + (x - x0) / ((x1 - x0) || 1) * (width - left - right);
  const sy = (y) => height - bottom - (y - y0) / (y1 - y0) * (height - bottom - top);
  const ns = "http://www.w3.org/2000/svg";
  const add = (tag, attributes, content) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attributes)) n.setAttribute(k, v); if (content !== undefined) n.textContent = content; svg.append(n); };
  add("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" });
  add("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" });
  add("text", { x: 2, y: top + 8 }, y1.toPrecision(3));
  add("text", { x: 2, y: height - bottom }, y0.toPrecision(3));
  add("text", { x: left, y: height - 5 }, String(x0));
  add("text", { x: width - right - 24, y: height - 5 }, String(Math.round(x1 * 100) / 100));
  series.forEach((line, index) => {
    const valid = line.filter((p) => p[1] !== null && p[1] !== undefined && isFinite(p[1]));
    if (valid.length === 0) return;
    add("polyline", { points: valid.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "), class: index === 0 ? "line1" : "line2" });
  });
}

function renderConfusion(labels, matrix) {
  const maximum = Math.max(1, ...matrix.flat());
  const header = element("tr", {}, [element("th", { text: "true \\ predicted" }), ...labels.map((l) => element("th", { text: l }))]);
  const rows = matrix.map((row, i) => element("tr", {}, [element("th", { text: labels[i] }), ...row.map((count, j) => {
    const strength = count / maximum;
    const color = i === j ? `rgba(31,157,85,${0.15 + 0.75 * strength})` : `rgba(214,69,69,${count ? 0.12 + 0.7 * strength : 0})`;
    return element("td", { style: `background:${color}`, text: String(count) });
  })]));
  $("confusion").replaceChildren(element("table", { class: "matrix" }, [header, ...rows]));
}

function renderReport(final) {
  const header = element("tr", {}, ["label", "precision", "recall", "f1", "support"].map((h) => element("th", { text: h })));
  const rows = final.per_class.map((c) => element("tr", {}, [c.label, text(c.precision), text(c.recall), text(c.f1), String(c.support)].map((v) => element("td", { text: v }))));
  const accuracy = element("tr", {}, ["accuracy", "", "", text(final.eval_accuracy), ""].map((v) => element("td", { text: v })));
  $("report").replaceChildren(element("table", {}, [header, ...rows, accuracy]), element("pre", { text: final.classification_report || "" }));
}

// ---- forms ----
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  localStorage.setItem("sigtune-token", token);
  refreshLists();
});

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("archive").files[0];
  if (!file) return;
  $("upload-status").textContent = "uploading…";
  $("upload-status").className = "status";
  try {
    const dataset = await api(`/v1/datasets?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
    $("upload-status").textContent = `stored as ${dataset.id}`;
    $("health").replaceChildren(element("pre", { text: JSON.stringify(dataset.health, null, 2) }));
    await refreshLists();
    $("job-dataset").value = dataset.id;
  } catch (error) {
    $("upload-status").textContent = error.message;
    $("upload-status").className = "status error";
  }
});

$("job-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const spec = {
    dataset: $("job-dataset").value, base_model: $("job-base").value.trim(),
    learning_rate: Number($("job-lr").value), num_train_epochs: Number($("job-epochs").value),
    per_device_train_batch_size: Number($("job-batch").value), train_mode: $("job-mode").value,
    validation_size: Number($("job-val").value),
  };
  try {
    const job = await api("/v1/jobs", { method: "POST", body: JSON.stringify(spec), headers: { "Content-Type": "application/json" } });
    $("job-status").textContent = `queued ${job.id}`;
    $("job-status").className = "status";
    await refreshLists();
    selectJob(job.id);
  } catch (error) {
    $("job-status").textContent = error.message;
    $("job-status").className = "status error";
  }
});

const drop = $("drop");
drop.addEventListener("click", () => $("classify-file").click());
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => { event.preventDefault(); drop.classList.remove("over"); if (event.dataTransfer.files[0]) classify(event.dataTransfer.files[0]); });
$("classify-file").addEventListener("change", () => { if ($("classify-file").files[0]) classify($("classify-file").files[0]); });

async function classify(file) {
  const model = $("classify-model").value;
  if (!model) { $("classify-result").textContent = "no trained model yet"; return; }
  $("classify-result").textContent = "…";
  try {
    const result = await api(`/v1/models/${model}/classify?top_k=5`, { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
    const rows = result.predictions[0].map((p) => element("tr", {}, [element("td", { text: p.label }),
      element("td", {}, [element("span", { class: "bar" }, [element("span", { style: `width:${(100 * p.score).toFixed(1)}%` })])]),
      element("td", { text: text(p.score) })]));
    $("classify-result").replaceChildren(element("p", { text: file.name }), element("table", {}, rows));
  } catch (error) {
    $("classify-result").replaceChildren(element("span", { class: "error", text: error.message }));
  }
}

$("token").value = token;
refreshLists();
if (location.hash.startsWith("#job=")) selectJob(decodeURIComponent(location.hash.slice(5)));
setInterval(() => { refreshLists(); if (selectedJob && (!events || events.readyState === 2)) renderDetail(); }, 3000);
