// Runs the dashboard page's script in node against a minimal DOM and API answers whose every string
// is the hostile text given as argv[3]; prints the HTML the script wrote into each element as JSON.
// Usage: node render.js index.html '<img src=x onerror=alert(1)>'
'use strict';
const fs = require('fs');
const page = fs.readFileSync(process.argv[2], 'utf8');
const hostile = process.argv[3];
const script = page.slice(page.indexOf('<script>') + '<script>'.length, page.lastIndexOf('</script>'));

const elements = {};
function element(id) {
  if (!elements[id]) {
    const e = { id, textContent: '', value: '', addEventListener() {}, options: { length: 0 }, html: '' };
    Object.defineProperty(e, 'innerHTML', {
      get() { return this.html; },
      set(v) { this.html = v; this.options.length = (v.match(/<option/g) || []).length; },
    });
    elements[id] = e;
  }
  return elements[id];
}
global.document = { getElementById: element };
global.location = { search: '' };
global.setInterval = () => 0;

const status = { bootstrap_servers: hostile, ingest: hostile, error: hostile,
  models: { [hostile]: { trained: 5, kept_for_evaluation: 2, tasks: [hostile], train_loss: 0.5 } } };
const metrics = { model: hostile, tasks: [hostile, 't2'], matrix: [[0.5, null], [0.4, 0.9]], matrix_rows: [hostile, 't2'],
  acc: 0.6, la: 0.7, bwt: -0.1, fwt: 0.0, forgetting: 0.1, prequential_accuracy: 0.5, examples_seen: hostile,
  formulas: { acc: hostile, la: hostile, bwt: hostile, fwt: hostile, forgetting: hostile } };
const catalog = [{ model: hostile, versions: [2, 1], aliases: { [hostile]: 2, latest: 2 } }];
const manifest = v => ({ model: hostile, version: v, trigger: hostile, metrics: { acc: 0.5, forgetting: 0.1 } });

global.fetch = async url => {
  let body;
  if (url === '/api/status') body = status;
  else if (url === '/q/metrics') body = 'engram_consumer_lag_records{topic="x",partition="0",against="committed"} 3\n';
  else if (url === '/api/models') body = catalog;
  else if (url.endsWith('/metrics')) body = metrics;
  else if (url.includes('/versions/')) body = manifest(Number(url.slice(url.lastIndexOf('/') + 1)));
  else return { ok: false, status: 404 };
  return { ok: true, status: 200, json: async () => body, text: async () => body };
};

new Function(script)();
setTimeout(() => {
  const out = {};
  for (const [id, e] of Object.entries(elements)) out[id] = { html: e.html, text: e.textContent };
  process.stdout.write(JSON.stringify(out));
}, 300);
