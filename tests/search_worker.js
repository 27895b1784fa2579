// Material's search worker, run in Node.js without a browser (tests/test_site.py).
//
//   node search_worker.js sweep SITE_DIR   every word of SITE_DIR's search index, and every
//                                          prefix of one (what a reader types), as a query;
//                                          prints {"queries": n, "broken": [...]}
//   node search_worker.js keys WORKER_JS   lunr's token-set keys of two nodes that differ
//                                          ({1→#23, 4→#5} and {1→#2, 3→#45}); prints [a, b]
//
// A query is broken when the worker catches an error from lunr ("Invalid query", which the
// reader sees as "No matching documents").
"use strict";
const fs = require("fs");
const path = require("path");

function load(file) {
  // the worker's globals: it registers one message handler and answers with postMessage
  const worker = { handler: null, answers: [], warnings: [] };
  globalThis.self = globalThis;
  globalThis.addEventListener = (type, fn) => { worker.handler = fn; };
  globalThis.postMessage = (m) => worker.answers.push(m);
  globalThis.importScripts = () => {};
  console.warn = (...args) => worker.warnings.push(String(args[0]));
  (0, eval)(fs.readFileSync(file, "utf8"));
  return worker;
}

async function sweep(site) {
  const dir = path.join(site, "assets", "javascripts", "workers");
  const name = fs.readdirSync(dir).find((f) => /^search\..*\.min\.js$/.test(f));
  const worker = load(path.join(dir, name));
  const index = JSON.parse(fs.readFileSync(path.join(site, "search", "search_index.json"), "utf8"));
  index.options = { suggest: true }; // mkdocs.yml turns on search.suggest
  await worker.handler({ data: { type: 0, data: index } }); // 0: set up
  const separator = new RegExp(index.config.separator);
  const queries = new Set();
  for (const doc of index.docs) {
    const text = `${doc.title} ${doc.text}`.replace(/<[^>]*>/g, " ").toLowerCase();
    for (const word of text.split(separator)) {
      if (!/^[a-z][a-z0-9_]+$/.test(word)) continue;
      for (let i = 2; i <= word.length; i++) queries.add(word.slice(0, i));
    }
  }
  const broken = [];
  for (const query of queries) {
    worker.warnings.length = 0;
    await worker.handler({ data: { type: 2, data: query } }); // 2: query
    if (worker.warnings.length) broken.push(query);
  }
  return { queries: queries.size, broken };
}

function keys(file) {
  load(file);
  const node = (edges) => {
    const set = new self.lunr.TokenSet();
    for (const [label, id] of Object.entries(edges)) set.edges[label] = { id };
    return set.toString();
  };
  return [node({ 1: 23, 4: 5 }), node({ 1: 2, 3: 45 })];
}

(async () => {
  const [mode, target] = process.argv.slice(2);
  const result = mode === "sweep" ? await sweep(target) : keys(target);
  process.stdout.write(JSON.stringify(result) + "\n");
})();
