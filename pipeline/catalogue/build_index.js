// Build the catalogue's lunr search index (German stemming) at build time.
//
//   node build_index.js LUNR STEMMER_SUPPORT LUNR_DE  < documents.json  > index.json
//
// The three paths are the same lunr files the site vendors, so the index is built with
// exactly the code that queries it in the browser. stdin: a JSON array of {ref, text};
// stdout: the serialized index (lunr.Index#toJSON). One field, "text" (lunr treats a
// required term as required in every field, so several fields would break AND queries);
// token positions are kept so the page can mark the words a hit matched and find the
// moment of a transcript word.
"use strict";
const fs = require("fs");
const [lunrPath, supportPath, dePath] = process.argv.slice(2);
if (!dePath) {
  process.stderr.write("usage: node build_index.js LUNR STEMMER_SUPPORT LUNR_DE < docs.json\n");
  process.exit(2);
}
const lunr = require(lunrPath);
require(supportPath)(lunr);
require(dePath)(lunr);

const docs = JSON.parse(fs.readFileSync(0, "utf8"));
const index = lunr(function () {
  this.use(lunr.de);
  this.ref("ref");
  this.field("text");
  this.metadataWhitelist = ["position"];
  for (const d of docs) this.add(d);
});
process.stdout.write(JSON.stringify(index));
