// The Troupe dashboard: polls the admin API of the node that serves it and redraws each table.
'use strict';

const POLL_MS = 1000;
let selectedWork = new URLSearchParams(location.search).get('work');
let canReload = false;
let lastProducts = null;
// The admin token lives in this tab's sessionStorage only: it goes out as an Authorization header, never in a
// URL or a cookie, so no link, log line or other site's request carries it.
const TOKEN_KEY = 'troupe.admin.token';

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on')) node.addEventListener(k.substring(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return node;
}

function fill(tableId, rows) {
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren(...rows);
}

function bar(value, total) {
  const pct = total > 0 ? Math.min(100, 100 * value / total) : 0;
  return el('span', {class: 'bar', title: value + ' / ' + total}, el('span', {style: 'width:' + pct + '%'}));
}

function adminToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch (e) {
    return ''; // storage disabled: the token cannot be kept, the page still reads
  }
}

function setAdminToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    document.getElementById('token-status').textContent = 'this browser keeps no session storage: ' + e.message;
  }
}

function authHeaders() {
  const token = adminToken();
  return token ? {Authorization: 'Bearer ' + token} : {};
}

async function getJson(path, headers) {
  const response = await fetch(path, {cache: 'no-store', headers: headers || {}});
  if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
  return response.json();
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + units[i];
}

async function members() {
  const list = await getJson('/cluster/members');
  fill('members', list.map(m => el('tr', {class: 'member'}, el('td', {}, m.address + (m.self ? ' (this node)' : '')),
    el('td', {}, m.roles.join(', ') || '—'), el('td', {class: 'member-status'}, m.status), el('td', {}, m.reachability))));
}

async function workers() {
  const list = await getJson('/workers');
  fill('workers', list.map(w => w.error
    ? el('tr', {}, el('td', {}, w.address), el('td', {colspan: 5}, w.error))
    : el('tr', {class: 'worker'}, el('td', {}, w.address),
      el('td', {title: (w.running_sub_works || []).map(r => (r.work || r.sub_work) + (r.index == null ? '' : ' #' + r.index) + ' ' + r.command + ' since ' + new Date(r.since_ms).toLocaleTimeString()).join('\n')}, bar(w.running, w.slots), ' ' + w.running + ' / ' + w.slots),
      el('td', {}, w.queued + ' / ' + w.queue_size), el('td', {}, w.cas.blobs), el('td', {}, bytes(w.cas.bytes)),
      el('td', {}, (w.toolchains || []).join(', ') || '—'))));
}

async function works() {
  const list = await getJson('/works');
  if (!selectedWork && list.length) selectedWork = list[0].build_id;
  fill('works', list.map(w => {
    const s = w.sub_works;
    const row = el('tr', {class: 'work' + (w.build_id === selectedWork ? ' selected' : ''), 'data-id': w.build_id},
      el('td', {}, el('a', {onclick: () => { selectedWork = w.build_id; refresh(); }}, w.build_id)),
      el('td', {}, w.project_id), el('td', {class: 'work-state'}, w.state + (w.exit_code == null ? '' : ' (exit ' + w.exit_code + ')')),
      el('td', {class: 'work-progress'}, bar(s.done, s.arrived), ' ' + s.done + ' / ' + s.arrived),
      el('td', {}, s.remote_ok), el('td', {}, s.local_fallback), el('td', {}, s.failed), el('td', {}, s.running),
      el('td', {}, Object.entries(w.fallbacks).map(([k, v]) => k + ' ' + v).join(', ')));
    return row;
  }));
}

const PHASES = [['pre_ms', 'pre'], ['send_ms', 'send'], ['remote_ms', 'remote'], ['post_ms', 'post'],
  ['local_wait_ms', 'local'], ['local_ms', 'local']];

async function timeline() {
  const box = document.getElementById('timeline');
  if (!selectedWork) return;
  const work = await getJson('/works/' + encodeURIComponent(selectedWork));
  document.getElementById('timeline-work').textContent = work.build_id;
  const subs = work.ended;
  if (!subs.length) {
    box.replaceChildren(el('p', {class: 'empty'}, 'No sub-work has ended yet.'));
    return;
  }
  const t0 = Math.min(...subs.map(s => s.start_ms));
  const t1 = Math.max(...subs.map(s => s.start_ms + Math.max(s.total_ms, 1)));
  const span = Math.max(t1 - t0, 1);
  const lanes = new Map();
  for (const s of subs) {
    const lane = s.route === 'remote' && s.worker ? s.worker : 'local (booster)';
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane).push(s);
  }
  const rows = [];
  for (const [name, list] of [...lanes.entries()].sort()) {
    const lane = el('div', {class: 'lane'});
    for (const s of list) {
      const total = Math.max(s.total_ms, 1);
      const b = el('div', {class: 'subwork-bar route-' + s.route, 'data-id': s.id,
        style: 'left:' + (100 * (s.start_ms - t0) / span) + '%;width:' + (100 * total / span) + '%',
        title: s.id + ' ' + s.argv.join(' ') + '\n' + s.route + (s.fallback_reason ? ' (' + s.fallback_reason + (s.fallback_detail ? ': ' + s.fallback_detail : '') + ')' : '')
          + ', exit ' + s.exit_code + ', ' + s.total_ms + ' ms: pre ' + s.pre_ms + ', send ' + s.send_ms + ', remote '
          + s.remote_ms + ', post ' + s.post_ms + ', local ' + (s.local_wait_ms + s.local_ms)});
      for (const [key, cls] of PHASES) {
        if (s[key] > 0) b.append(el('span', {class: cls, style: 'width:' + (100 * s[key] / total) + '%'}));
      }
      lane.append(b);
    }
    rows.push(el('div', {class: 'row'}, el('div', {class: 'lane-name', title: name}, name.replace(/^pekko:\/\/[^@]*@/, '')), lane));
  }
  box.replaceChildren(...rows);
}

// Prometheus text: {name: [{labels, value}]}
function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? ([0-9.eE+-]+|NaN|\+Inf)$/.exec(line);
    if (!m) continue;
    const labels = {};
    (m[3] || '').replace(/(\w+)="((?:[^"\\]|\\.)*)"/g, (_, k, v) => { labels[k] = v; });
    (out[m[1]] = out[m[1]] || []).push({labels, value: parseFloat(m[4])});
  }
  return out;
}

function p99(buckets) {
  const sorted = buckets.filter(b => b.labels.le !== '+Inf').sort((a, b) => parseFloat(a.labels.le) - parseFloat(b.labels.le));
  const inf = buckets.find(b => b.labels.le === '+Inf');
  const count = inf ? inf.value : 0;
  if (!count) return null;
  for (const b of sorted) if (b.value >= 0.99 * count) return parseFloat(b.labels.le);
  return Infinity;
}

async function products() {
  const response = await fetch('/metrics', {cache: 'no-store'});
  const metrics = parseMetrics(await response.text());
  const now = Date.now();
  const counts = {};
  for (const s of metrics['troupe_proxy_product_requests_total'] || []) {
    counts[s.labels.product] = (counts[s.labels.product] || 0) + s.value;
  }
  const rows = Object.keys(counts).sort().map(product => {
    const buckets = (metrics['troupe_proxy_product_latency_seconds_bucket'] || []).filter(b => b.labels.product === product);
    const q = p99(buckets);
    let rate = '—';
    if (lastProducts && lastProducts.counts[product] != null) {
      rate = ((counts[product] - lastProducts.counts[product]) * 1000 / Math.max(now - lastProducts.at, 1)).toFixed(1);
    }
    return el('tr', {class: 'product'}, el('td', {}, product), el('td', {}, rate),
      el('td', {}, q == null ? '—' : q === Infinity ? '> largest bucket' : (q * 1000).toFixed(1) + ' ms'),
      el('td', {}, counts[product]));
  });
  lastProducts = {counts, at: now};
  fill('products', rows.length ? rows : [el('tr', {}, el('td', {colspan: 4, class: 'empty'}, 'No proxy traffic seen by this node.'))]);
}

async function modules() {
  const status = await getJson('/monitor/module_status');
  fill('modules', (status.nodes || []).map(n => el('tr', {class: 'module-node'}, el('td', {}, n.node),
    el('td', {}, (n.enabled || []).join(', ') || '—'),
    el('td', {}, Object.entries(n.versions || {}).map(([k, v]) => k + '=' + v).join(', ') || '—'))));
  const index = await getJson('/monitor');
  const groups = (index.monitor || []).filter(name => name.startsWith('mod_') && !name.endsWith('.diff')
    && name !== 'module_status' && name !== 'module_handlers');
  const counters = await Promise.all(groups.map(name => getJson('/monitor/' + encodeURIComponent(name))
    .then(data => [name, data]).catch(e => [name, {error: e.message}])));
  fill('module-counters', counters.map(([name, data]) => el('tr', {class: 'module'}, el('td', {}, name),
    el('td', {}, data.error || Object.entries({...(data.CounterData || {}), ...(data.GaugeData || {})})
      .map(([k, v]) => k + ' ' + v).join(', ') || '—'))));
}

// One button per reloadable name, drawn only when /ui/access said this caller may reload.
async function reloads() {
  const box = document.getElementById('reloads');
  if (!canReload) {
    box.replaceChildren();
    return;
  }
  const index = await getJson('/monitor');
  box.replaceChildren(el('span', {}, 'Reload: '), ...(index.reload || []).map(name => el('button', {
    class: 'reload', 'data-name': name, onclick: () => reload(name)}, name)));
}

async function reload(name) {
  const out = document.getElementById('reload-result');
  out.textContent = 'reloading ' + name + '…';
  try {
    const r = await fetch('/reload/' + encodeURIComponent(name), {method: 'POST', headers: authHeaders()});
    out.textContent = 'reload ' + name + ': HTTP ' + r.status + '\n' + await r.text();
    if (r.status === 401 || r.status === 403) await access(); // the token was changed on the node: ask again
  } catch (e) {
    out.textContent = 'reload ' + name + ': ' + e.message;
  }
}

// Asks the node whether this caller (with the stored token, if any) may reload; offers the token field when
// the node has a token configured.
async function access() {
  let answer;
  try {
    answer = await getJson('/ui/access', authHeaders());
  } catch (e) {
    answer = {reload: false, why: 'unknown'};
  }
  canReload = answer.reload === true;
  const stored = adminToken() !== '';
  document.getElementById('admin-token').hidden = !(answer.why === 'needs_token' || (canReload && stored));
  document.getElementById('token-forget').hidden = !stored;
  document.getElementById('token-status').textContent = canReload
    ? (stored ? 'token accepted' : '')
    : (stored ? 'token refused' : 'enter the admin token to reload');
  try {
    await reloads();
  } catch (e) {
    document.getElementById('reload-result').textContent = 'reload names: ' + e.message;
  }
}

function useToken() {
  const input = document.getElementById('token-input');
  setAdminToken(input.value.trim());
  input.value = '';
  return access();
}

function forgetToken() {
  setAdminToken('');
  return access();
}

let tick = 0;

async function refresh() {
  const jobs = [members(), workers(), works().then(timeline)];
  if (tick % 2 === 0) jobs.push(products());
  if (tick % 5 === 0) jobs.push(modules(), reloads());
  tick++;
  const results = await Promise.allSettled(jobs);
  const failed = results.filter(r => r.status === 'rejected').map(r => r.reason.message);
  document.getElementById('status').textContent = failed.length
    ? 'error: ' + failed.join('; ') : 'updated ' + new Date().toLocaleTimeString();
}

async function start() {
  document.getElementById('token-use').addEventListener('click', useToken);
  document.getElementById('token-forget').addEventListener('click', forgetToken);
  document.getElementById('token-input').addEventListener('keydown', e => { if (e.key === 'Enter') useToken(); });
  await access();
  await refresh();
  setInterval(refresh, POLL_MS);
}

start();
