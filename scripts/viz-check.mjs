// Reads a DOT graph on stdin and renders it with Graphviz compiled to WebAssembly
// (@viz-js/viz); exits with 1 and Graphviz's message when Graphviz rejects it.
// `.ci/run` installs the package beside a copy of this script, for tests/lock_graph.rs.
import { instance } from "@viz-js/viz";

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const viz = await instance();
const result = viz.render(Buffer.concat(chunks).toString("utf8"), { format: "svg" });
if (result.status !== "success") {
  for (const e of result.errors) {
    console.error(`${e.level ?? "error"}: ${e.message}`);
  }
  process.exit(1);
}
