// The README's editor picture (docs/editor-lsp.png): guidegraph lsp's real answers shown in the Monaco editor.
//
// 1. Starts the server over stdio (.venv/bin/guidegraph lsp --stdio, or $GUIDEGRAPH), opens the rules file, then
//    replaces the first FROM after the rule RULE by TO (a typo) as an editor would (didChange) and keeps the
//    diagnostics the server publishes for that version; asks for the hover on the name of RULE, and for the
//    keywords (completion on an empty line) to colour the text.
// 2. Writes them to data.json and serves page.html, Monaco and data.json on 127.0.0.1.
// 3. Drives headless Chromium (/usr/bin/chromium, or $CHROMIUM) with playwright-core: opens the problem under the
//    typo (Monaco's "go to next problem", as F8 in VS Code) and moves the mouse over the rule's name, waits for
//    the hover, and takes the screenshot.
//
// Usage: node shoot.js OUT.png RULES_FILE RULE FROM TO   (the Makefile's targets editor and editor-screenshot say
// which rule and which typo: nothing here knows a guideline)
"use strict";

const cp = require("child_process");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const rpc = require("vscode-jsonrpc/node");
const { chromium } = require("playwright-core");

const root = path.resolve(__dirname, "../..");
if (process.argv.length !== 7) {
  console.error("usage: node shoot.js OUT.png RULES_FILE RULE FROM TO");
  process.exit(2);
}
const [out, rulesFile] = process.argv.slice(2, 4).map((p) => path.resolve(p));
const RULE = process.argv[4];                         // the rule hovered
const TYPO = process.argv.slice(5, 7);                // the first FROM after the rule becomes TO
const timer = setTimeout(() => { console.error("shoot: timed out"); process.exit(1); }, 60000);

function server() {
  const local = path.join(root, ".venv/bin/guidegraph");
  const command = process.env.GUIDEGRAPH || (fs.existsSync(local) ? local : "guidegraph");
  const child = cp.spawn(command, ["lsp", "--stdio"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout),
                                           new rpc.StreamMessageWriter(child.stdin));
  return { child, conn };
}

function position(text, offset) {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length - 1, character: offset - (before.lastIndexOf("\n") + 1) };
}

async function ask() {
  const { child, conn } = server();
  const waiting = [];
  conn.onNotification("textDocument/publishDiagnostics", (p) => {
    for (const w of waiting.slice()) if (w.want(p)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(p); }
  });
  const published = (want) => new Promise((resolve) => waiting.push({ want, resolve }));
  conn.listen();
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  conn.sendNotification("initialized", {});
  const file = rulesFile;
  const uri = "file://" + file;
  const text = fs.readFileSync(file, "utf8");
  const rule = text.indexOf(`rule ${RULE} `) + "rule ".length;
  const at = text.indexOf(TYPO[0], rule);
  if (rule < "rule ".length || at < 0) throw new Error("shoot: the rule or the condition to misspell is gone");
  const typed = text.slice(0, at) + TYPO[1] + text.slice(at + TYPO[0].length);
  let first = published((p) => p.uri === uri);
  conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "guidegraph-rules", version: 1,
                                                                  text } });
  await first;
  first = published((p) => p.uri === uri && p.version === 2);
  conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 },
                                                    contentChanges: [{ text: typed }] });
  const { diagnostics } = await first;
  if (!diagnostics.some((d) => d.code === "E101")) throw new Error("shoot: no E101 for the typo");
  const hoverAt = position(typed, rule);
  const hover = await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: hoverAt });
  if (!hover || !/applies when/.test(hover.contents.value)) throw new Error("shoot: no region in the rule's hover");
  const blank = position(typed, typed.indexOf("\n\n") + 1);
  const completion = await conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: blank });
  const keywords = completion.items.filter((i) => i.kind === 14).map((i) => i.label);
  await conn.sendRequest("shutdown");
  conn.sendNotification("exit");
  await new Promise((resolve) => child.on("exit", resolve));
  return { uri, text: typed, diagnostics, keywords, hover: { position: hoverAt, contents: hover.contents },
           top: Math.max(hoverAt.line - 16, 1) };
}

function serve(data) {
  const files = { "/": path.join(__dirname, "page.html") };
  const monaco = path.join(__dirname, "node_modules/monaco-editor/min");
  const types = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".ttf": "font/ttf" };
  const srv = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split("?")[0]);
    if (url === "/data.json") { res.writeHead(200, { "Content-Type": "application/json" }); res.end(data); return; }
    const file = files[url] || (url.startsWith("/monaco/") ? path.join(monaco, path.normalize(url.slice(8))) : null);
    if (!file || !file.startsWith(__dirname) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

async function shoot(port) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "guidegraph-shot-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1200, height: 760 },
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate(() => {  // the problem under the typo, as "go to next problem" (F8) opens it
      window.editor.setPosition({ lineNumber: window.editor.getVisibleRanges()[0].startLineNumber, column: 1 });
      return window.editor.getAction("editor.action.marker.next").run();
    });
    await page.waitForSelector(".marker-widget", { state: "visible" });
    await page.evaluate(() => window.scrollToTop());  // the hovered rule low enough for its hover to fit above it
    await page.waitForTimeout(100);
    const at = await page.evaluate(() => window.hoverAt());
    await page.mouse.move(at.x, at.y);
    await page.mouse.move(at.x + 2, at.y);
    await page.waitForSelector(".monaco-hover :text('applies when')", { state: "visible", timeout: 10000 })
      .catch(async (e) => { await page.screenshot({ path: out + ".failed.png" }); throw e; });
    await page.waitForTimeout(300);  // the hover's fade-in
    await page.screenshot({ path: out });
    if (errors.length) throw new Error("shoot: page errors: " + errors.join("; "));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

(async () => {
  const data = await ask();
  const srv = await serve(JSON.stringify(data));
  try {
    await shoot(srv.address().port);
  } finally {
    srv.close();
  }
  clearTimeout(timer);
  console.log(`shoot: ${data.diagnostics.length} diagnostics and the hover on '${RULE}' from guidegraph lsp, ` +
              `shown in Monaco: ${path.relative(process.cwd(), out)}`);
})().catch((e) => { console.error(e); process.exit(1); });
