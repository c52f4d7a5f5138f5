// Convert JSON-LD files to N-Quads with jsonld.js (the JSON-LD reference implementation for
// JavaScript), refusing to load any remote document: the documents must stand alone.
// Usage: node jsonld-to-nquads.js FILE... ; prints {"FILE": "N-Quads", ...} as JSON.
"use strict";
const fs = require("fs");
const jsonld = require("jsonld");

const documentLoader = async (url) => {
  throw new Error("remote document refused: " + url);
};

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    out[file] = await jsonld.toRDF(doc, { format: "application/n-quads", documentLoader });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
