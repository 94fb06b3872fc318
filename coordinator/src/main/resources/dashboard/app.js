// fedprune dashboard: plain JS and SVG, no build step. Pages re-read the REST API when /events says something changed.
'use strict';

const COLORS = ['#d1495b', '#edae49', '#00798c', '#30638e', '#7a4fa0', '#66a182'];
const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const pct = (x, digits = 2) => (x == null || Number.isNaN(x) ? '-' : (100 * x).toFixed(digits) + '%');
const keepPct = (k) => +(100 * k).toFixed(2) + '%';
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '-');
const span = (ms) => { if (ms == null || ms < 0) return '-'; const s = Math.round(ms / 1000); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); };
const ago = (ms) => (ms ? Math.max(0, Math.round((Date.now() - ms) / 1000)) + ' s ago' : '-');
const param = (name) => new URLSearchParams(location.search).get(name);

async function getJson(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(path + ': ' + r.status);
  return r.json();
}

/** Calls onChange(kind, id) for every server-sent change; marks the header's live indicator. */
function live(onChange) {
  const el = $('#live');
  const es = new EventSource('/events');
  es.onopen = () => { el.textContent = 'live'; el.classList.remove('off'); };
  es.onerror = () => { el.textContent = 'reconnecting'; el.classList.add('off'); };
  es.addEventListener('job', (e) => onChange('job', e.data));
  es.addEventListener('fleet', () => onChange('fleet', ''));
}

/** Runs fn at most once at a time; a call during a run schedules exactly one more run. */
function serial(fn) {
  let running = false, again = false;
  const run = async () => {
    if (running) { again = true; return; }
    running = true;
    try { await fn(); } catch (e) { console.error(e); }
    running = false;
    if (again) { again = false; run(); }
  };
  return run;
}

// ---------------------------------------------------------------------------------------------- charts (SVG)

const W = 520, H = 220, PAD = { l: 48, r: 12, t: 10, b: 28 };
const svgNs = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs, parent) {
  const e = document.createElementNS(svgNs, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/**
 * Ticks for the y axis: about five values at a round step (1, 2 or 5 times a power of ten; a whole number of at least
 * 1 when integer) that cover [lo, hi], the first at or below lo and the last at or above hi, so the axis ends on a tick.
 */
function niceTicks(lo, hi, integer) {
  if (!(hi > lo)) hi = lo + (integer ? 1 : Math.abs(lo) * 0.1 || 1);
  const raw = (hi - lo) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9));
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9), out = [];
  for (let i = first; i <= last; i++) out.push(+(i * step).toPrecision(12));
  return out;
}

/** Decimals that tell ticks {@code step} apart. */
function decimalsFor(step) {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/** Axes for x in [1, xMax] (rounds) and y over the ticks (the first and last are its ends); returns the svg and the two scale functions. */
function frame(container, xMax, ticks, yFmt, bars) {
  const yMin = ticks[0], yMax = ticks[ticks.length - 1];
  container.innerHTML = '';
  const svg = svgEl('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}` }, container);
  const x = bars   // bars sit in the middle of equal slots, lines run from the first round to the last
    ? (v) => PAD.l + (v - 0.5) / xMax * (W - PAD.l - PAD.r)
    : (v) => PAD.l + (xMax <= 1 ? 0.5 : (v - 1) / (xMax - 1)) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (yMax === yMin ? 0.5 : (v - yMin) / (yMax - yMin)) * (H - PAD.t - PAD.b);
  svgEl('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b, stroke: '#99a' }, svg);
  svgEl('line', { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b, stroke: '#99a' }, svg);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  for (const v of ticks) {
    svgEl('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), stroke: '#eef0f4', class: 'tick' }, svg);
    svgEl('text', { x: PAD.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'tick', 'data-value': v }, svg).textContent = yFmt(v, step);
  }
  const every = Math.max(1, Math.ceil(xMax / 10));
  for (let r = 1; r <= xMax; r += every) svgEl('text', { x: x(r), y: H - PAD.b + 16, 'text-anchor': 'middle' }, svg).textContent = r;
  svgEl('text', { x: W - PAD.r, y: H - 2, 'text-anchor': 'end' }, svg).textContent = 'round';
  return { svg, x, y };
}

/** Lines: series = [{name, color, points: [[round, value]], dashed}]; every point is a circle of class 'point'. */
function lineChart(container, xMax, series, yFmt, fixedRange) {
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v != null && !Number.isNaN(v));
  let [lo, hi] = fixedRange || [Math.min(...values), Math.max(...values)];
  if (!values.length) [lo, hi] = [0, 1];
  if (!fixedRange) { const m = (hi - lo) * 0.08 || 0.01; lo -= m; hi += m; }
  const { svg, x, y } = frame(container, Math.max(xMax, 1), niceTicks(lo, hi, false), yFmt);
  for (const s of series) {
    const pts = s.points.filter((p) => p[1] != null && !Number.isNaN(p[1]));
    if (s.dashed) {
      if (pts.length) svgEl('line', { x1: PAD.l, x2: W - PAD.r, y1: y(pts[0][1]), y2: y(pts[0][1]), stroke: s.color, 'stroke-dasharray': '6 4', 'stroke-width': 1.5, class: 'reference' }, svg);
      continue;
    }
    svgEl('polyline', { points: pts.map((p) => `${x(p[0])},${y(p[1])}`).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 }, svg);
    for (const p of pts) {
      const c = svgEl('circle', { cx: x(p[0]), cy: y(p[1]), r: 3, fill: s.color, class: 'point', 'data-series': s.name }, svg);
      svgEl('title', {}, c).textContent = `${s.name}, round ${p[0]}: ${yFmt(p[1])}`;
    }
  }
  const legend = document.createElement('div');
  legend.className = 'legend';
  legend.innerHTML = series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('');
  container.appendChild(legend);
}

/** Stacked bars per round: stacks = [{name, color, values: [v per round]}]; integer: counts (whole-number ticks). */
function barChart(container, rounds, stacks, yFmt, integer) {
  const totals = rounds.map((_, i) => stacks.reduce((a, s) => a + (s.values[i] || 0), 0));
  const { svg, x, y } = frame(container, Math.max(rounds.length, 1), niceTicks(0, Math.max(1, ...totals), integer), yFmt, true);
  const bw = Math.max(3, Math.min(28, (W - PAD.l - PAD.r) / Math.max(rounds.length, 1) * 0.6));
  rounds.forEach((r, i) => {
    let base = 0;
    for (const s of stacks) {
      const v = s.values[i] || 0;
      if (v > 0) {
        const b = svgEl('rect', { x: x(r) - bw / 2, width: bw, y: y(base + v), height: y(base) - y(base + v), fill: s.color, class: 'bar' }, svg);
        svgEl('title', {}, b).textContent = `round ${r}: ${s.name} ${yFmt(v)}`;
      }
      base += v;
    }
  });
  const legend = document.createElement('div');
  legend.className = 'legend';
  legend.innerHTML = stacks.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.name)}</span>`).join('');
  container.appendChild(legend);
}

/** A layer's mask picture on a canvas: cell value 0..100 (% kept) as white..dark blue. */
function maskPicture(layer) {
  const fig = document.createElement('figure');
  const scale = Math.max(1, Math.floor(Math.min(400 / layer.cols, 300 / layer.rows)));
  const c = document.createElement('canvas');
  c.className = 'mask';
  c.width = layer.cols; c.height = layer.rows;
  c.style.width = layer.cols * scale + 'px'; c.style.height = layer.rows * scale + 'px';
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(layer.cols, layer.rows);
  (layer.keptPercent || []).forEach((v, i) => {
    const t = v / 100;
    img.data[4 * i] = Math.round(255 - t * (255 - 16));
    img.data[4 * i + 1] = Math.round(255 - t * (255 - 42));
    img.data[4 * i + 2] = Math.round(255 - t * (255 - 120));
    img.data[4 * i + 3] = 255;
  });
  ctx.putImageData(img, 0, 0);
  fig.appendChild(c);
  const cap = document.createElement('figcaption');
  cap.textContent = `${layer.layer}: ${layer.outputs} x ${layer.inputs}, ${layer.granularity} k=${layer.k} of n=${layer.n}`;
  fig.appendChild(cap);
  return fig;
}

// ---------------------------------------------------------------------------------------------- pages

function token() { return localStorage.getItem('fedprune.token') || ''; }

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  const r = await fetch(path, { method: 'POST', headers, body: body == null ? '' : JSON.stringify(body) });
  const text = await r.text();
  const json = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error((json.field ? json.field + ': ' : '') + (json.message || r.status));
  return json;
}

function bestAccuracy(job) {
  const rounds = job.rounds || [];
  if (!rounds.length) return null;
  const tiers = rounds[rounds.length - 1].tiers || [];
  return Math.max(...tiers.map((t) => t.accuracy ?? -1));
}

function jobsPage() {
  const form = $('#create');
  form.token.value = token();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#create-error').textContent = '';
    localStorage.setItem('fedprune.token', form.token.value);
    try {
      const job = await post('/jobs', {
        arch: form.arch.value, rounds: +form.rounds.value, pretrainEpochs: +form.pretrainEpochs.value,
        tiers: form.tiers.value.split(',').map((s) => +s.trim()),
      });
      location.href = 'job.html?id=' + encodeURIComponent(job.id);
    } catch (e) { $('#create-error').textContent = e.message; }
  });
  const render = serial(async () => {
    const jobs = await getJson('/jobs');
    $('#empty').hidden = jobs.length > 0;
    $('#jobs tbody').innerHTML = jobs.slice().reverse().map((j) => {
      const spec = j.spec || {};
      const done = (j.rounds || []).length;
      const running = j.state === 'RUNNING' || j.state === 'PENDING';
      const duration = j.startedMs ? (j.endedMs || Date.now()) - j.startedMs : null;
      return `<tr data-job="${esc(j.id)}"><td><a href="job.html?id=${encodeURIComponent(j.id)}">${esc(j.id)}</a></td>
        <td><span class="state ${esc(j.state)}">${esc(j.state)}</span> <span class="muted">${esc(j.reason)}</span></td>
        <td>${esc(spec.arch)}</td><td>${(spec.tiers || []).map(keepPct).join(', ')}</td>
        <td class="num">${done} / ${spec.rounds ?? '?'}</td><td>${when(j.startedMs)}</td><td class="num">${span(duration)}</td>
        <td class="num">${pct(bestAccuracy(j))}</td>
        <td>${running ? `<button data-cancel="${esc(j.id)}">Cancel</button>` : ''}</td></tr>`;
    }).join('');
    document.querySelectorAll('[data-cancel]').forEach((b) => b.addEventListener('click', async () => {
      b.disabled = true;
      try { await post('/jobs/' + encodeURIComponent(b.dataset.cancel) + '/cancel'); } catch (e) { alert(e.message); }
      render();
    }));
  });
  render();
  live((kind) => { if (kind === 'job') render(); });
  setInterval(render, 10000);   // durations of running jobs
}

function jobPage() {
  const id = param('id');
  $('#job-id').textContent = id;
  document.title = 'fedprune: ' + id;
  let maskTier = null;
  const renderMasks = serial(async () => {
    if (!maskTier) return;
    const r = await fetch('/jobs/' + encodeURIComponent(id) + '/masks/' + encodeURIComponent(maskTier), { cache: 'no-store' });
    if (!r.ok) { $('#mask-round').textContent = '(after the first round)'; return; }
    const m = await r.json();
    $('#mask-round').textContent = 'after round ' + m.round;
    const box = $('#masks');
    box.innerHTML = '';
    (m.layers || []).forEach((l) => box.appendChild(maskPicture(l)));
  });
  $('#mask-tier').addEventListener('change', (e) => { maskTier = e.target.value; renderMasks(); });
  const render = serial(async () => {
    const j = await getJson('/jobs/' + encodeURIComponent(id));
    const spec = j.spec || {};
    const rounds = j.rounds || [];
    const tiers = spec.tiers || [];
    $('#job-state').textContent = j.state;
    $('#job-state').className = 'state ' + j.state;
    const duration = j.startedMs ? (j.endedMs || Date.now()) - j.startedMs : null;
    $('#facts').innerHTML = [
      `model <b>${esc(spec.arch)}</b>`, `tiers <b>${tiers.map(keepPct).join(', ')}</b>`,
      `rounds <b id="rounds-done">${rounds.length}</b> / ${spec.rounds}`, `fusion ${esc(spec.fusion)} (${esc(spec.weighting)})`,
      `encoding ${esc(spec.updateEncoding)}`, `started ${when(j.startedMs)}`, `duration ${span(duration)}`,
      `dense accuracy <b>${pct(j.denseAccuracy)}</b>`, j.reason ? `<span class="error">${esc(j.reason)}</span>` : '',
    ].map((s) => `<span>${s}</span>`).join('');
    const p = j.progress;
    $('#progress').textContent = p ? `round ${p.round} in progress: ${p.replied || 0} of ${p.selected || 0} devices replied` : '';
    const xMax = Math.max(spec.rounds || 1, rounds.length);
    const tierNames = tiers.map((k, i) => ({ k, name: 'keep-' + k, color: COLORS[i % COLORS.length] }));
    const series = tierNames.map((t) => ({
      name: keepPct(t.k), color: t.color,
      points: rounds.map((r) => [r.round, ((r.tiers || []).find((x) => Math.abs(x.keep - t.k) < 1e-9) || {}).accuracy]),
    }));
    if (j.denseAccuracy != null) series.push({ name: 'dense ' + pct(j.denseAccuracy), color: '#333', dashed: true, points: [[1, j.denseAccuracy]] });
    lineChart($('#accuracy'), xMax, series, (v, step) => (100 * v).toFixed(step ? Math.max(1, decimalsFor(100 * step)) : 1) + '%');
    const rs = rounds.map((r) => r.round);
    barChart($('#devices'), rs, [
      { name: 'replied', color: '#66a182', values: rounds.map((r) => r.replied || 0) },
      { name: 'late', color: '#edae49', values: rounds.map((r) => r.late || 0) },
      { name: 'rejected (duplicate or invalid)', color: '#d1495b', values: rounds.map((r) => (r.duplicates || 0) + (r.invalid || 0)) },
    ], (v) => String(Math.round(v)), true);
    barChart($('#uplink'), rs, [{ name: 'update bytes received', color: '#30638e', values: rounds.map((r) => (r.uplinkBytes || 0) / 1024) }],
      (v, step) => v.toFixed(step ? decimalsFor(step) : 0));
    lineChart($('#dynamics'), xMax, [
      { name: 'relative change of the fused logits', color: '#7a4fa0', points: rounds.map((r) => [r.round, (r.metrics || {}).logits_change]) },
      { name: 'mask similarity between devices (Jaccard)', color: '#00798c', points: rounds.map((r) => [r.round, (r.metrics || {}).mask_similarity]) },
    ], (v, step) => v.toFixed(step ? Math.max(2, decimalsFor(step)) : 2));
    const deps = (j.deployments || []).slice().sort((a, b) => a.keep - b.keep);
    $('#no-deployments').hidden = deps.length > 0;
    $('#deployments tbody').innerHTML = deps.map((d) => {
      const acks = Object.values(d.acks || {}).filter((a) => a.applied);
      const mean = acks.length ? acks.reduce((s, a) => s + (a.localAccuracy || 0), 0) / acks.length : null;
      const href = '/jobs/' + encodeURIComponent(id) + '/deployments/' + encodeURIComponent(d.tier);
      return `<tr><td>${esc(d.tier)}</td><td class="num">${keepPct(d.keep)}</td>
        <td>${Object.entries(d.k || {}).map(([l, k]) => esc(l) + '=' + k).join(' ')}</td><td class="num">${pct(d.accuracy)}</td>
        <td class="num">${acks.length}</td><td class="num">${pct(mean)}</td>
        <td><a class="artifact" href="${href}" download="${esc(id)}-${esc(d.tier)}.safetensors">${esc(d.tier)}.safetensors</a></td></tr>`;
    }).join('');
    const sel = $('#mask-tier');
    if (!sel.options.length && tierNames.length) {
      sel.innerHTML = tierNames.map((t) => `<option value="${esc(tierName(t.k))}">${keepPct(t.k)}</option>`).join('');
      maskTier = sel.value;
    }
    renderMasks();
  });
  render();
  live((kind, jobId) => { if (kind === 'job' && jobId === id) render(); });
}

/** The tier name the coordinator uses for a keep ratio (JobSpec.tierName): keep- followed by the shortest decimal. */
function tierName(keep) { return 'keep-' + String(keep); }

function fleetPage() {
  let devices = [];
  const draw = () => {
    $('#empty').hidden = devices.length > 0;
    $('#fleet-count').textContent = devices.length ? `(${devices.length} devices, ${devices.filter((d) => d.alive).length} alive)` : '';
    $('#fleet tbody').innerHTML = devices.map((d) => `<tr data-device="${esc(d.id)}"><td>${esc(d.id)}</td>
      <td class="num">${keepPct(d.keep || 0)}</td><td class="num">${d.samples ?? 0}</td>
      <td><span class="state ${d.alive ? 'RUNNING' : 'CANCELLED'}">${esc(d.state)}${d.alive ? '' : ' (gone)'}</span></td>
      <td class="num">${ago(d.lastSeenMs)}</td><td class="num">${d.rounds ?? 0}</td>
      <td>${d.ack ? (d.ack.applied ? esc(d.tier) : `<span class="error" title="${esc(d.ack.error)}">none fits (${esc(d.ack.error)})</span>`) : '-'}</td>
      <td class="num">${d.ack && d.ack.applied ? pct(d.ack.localAccuracy) : '-'}</td>
      <td class="num">${d.ack && d.ack.applied && d.ack.latencyMicros ? d.ack.latencyMicros.toFixed(0) + ' µs' : '-'}</td>
      <td class="num">${d.lastTrainMs != null ? (d.lastTrainMs / 1000).toFixed(1) + ' s' : '-'}</td>
      <td class="num">${d.lastRoundMs != null ? (d.lastRoundMs / 1000).toFixed(1) + ' s' : '-'}</td></tr>`).join('');
  };
  const render = serial(async () => { devices = await getJson('/devices'); draw(); });
  render();
  live((kind) => { if (kind === 'fleet') render(); });
  setInterval(draw, 1000);   // "last seen" ages
}

({ jobs: jobsPage, job: jobPage, fleet: fleetPage })[document.body.dataset.page]();
