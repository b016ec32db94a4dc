// tests/server/arrow_read.mjs: read an Arrow IPC stream with the apache-arrow
// npm package (an independent reader) and print the schema, then one JSON
// line a row (BigInts as strings; decimals unscaled). Usage:
//   node arrow_read.mjs ARROW_JS_MODULE FILE
const [mod, file] = process.argv.slice(2);
const { RecordBatchStreamReader } = await import(mod);
const { readFileSync } = await import('fs');
const reader = RecordBatchStreamReader.from(readFileSync(file));
let schema = null, rows = 0, batches = 0;
const out = [];
for (const batch of reader) {
  schema = batch.schema;
  batches++;
  for (const r of batch.toArray()) {
    rows++;
    out.push(JSON.stringify(r.toJSON(), (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
}
schema = schema || reader.schema;
console.log(schema.fields.map((f) => `${f.name}:${f.type}`).join(' '));
console.log(`rows=${rows} batches=${batches}`);
for (const l of out) console.log(l);
