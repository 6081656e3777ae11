// Parse an AsyncAPI document with the official parser; print its diagnostics as JSON
// ([{severity, code, message, path}], severity 0 = error, 1 = warning) and exit 1 on errors.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const { diagnostics } = await new Parser().parse(readFileSync(file, "utf8"), { source: file });
const found = diagnostics.map((d) => ({
  severity: d.severity, code: d.code, message: d.message, path: d.path.join("."),
}));
console.log(JSON.stringify(found, null, 1));
process.exit(found.some((d) => d.severity === 0) ? 1 : 0);
