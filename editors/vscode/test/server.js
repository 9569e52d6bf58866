// Smoke test of the server as the extension starts it: the default command of package.json (guidegraph.command,
// with the repository's .venv/bin/guidegraph when `guidegraph` is not on PATH, or $GUIDEGRAPH) plus the --stdio the
// client adds, spoken to with vscode-jsonrpc (what vscode-languageclient uses): initialize, open rules/lms.rules,
// expect its diagnostics, shut down. VS Code itself is not run here.
"use strict";

const cp = require("child_process");
const fs = require("fs");
const path = require("path");
const rpc = require("vscode-jsonrpc/node");

const root = path.resolve(__dirname, "../../..");
const manifest = require("../package.json");
let [command, ...args] = manifest.contributes.configuration.properties["guidegraph.command"].default;
const local = path.join(root, ".venv/bin/guidegraph");
if (process.env.GUIDEGRAPH) command = process.env.GUIDEGRAPH;
else if (fs.existsSync(local)) command = local;

const child = cp.spawn(command, [...args, "--stdio"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
const timer = setTimeout(() => { console.error("server smoke test: timed out"); child.kill(); process.exit(1); }, 20000);

conn.onNotification("textDocument/publishDiagnostics", async (params) => {
  console.log(`server smoke test: ${params.diagnostics.length} diagnostics for lms.rules`);
  await conn.sendRequest("shutdown");
  conn.sendNotification("exit");
  clearTimeout(timer);
});
conn.listen();
(async () => {
  const init = await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  for (const cap of ["hoverProvider", "definitionProvider", "completionProvider", "documentFormattingProvider"]) {
    if (!init.capabilities[cap]) { console.error(`server smoke test: no ${cap}`); process.exit(1); }
  }
  conn.sendNotification("initialized", {});
  const file = path.join(root, "rules/lms.rules");
  conn.sendNotification("textDocument/didOpen", { textDocument: {
    uri: "file://" + file, languageId: "guidegraph-rules", version: 1, text: fs.readFileSync(file, "utf8") } });
})();
child.on("exit", (code) => process.exit(code === 0 ? 0 : 1));
