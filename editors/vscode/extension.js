// The guidegraph rules extension: the language (.rules), its grammar, and a client that starts `guidegraph lsp`
// (the command is the setting guidegraph.command, by default ["guidegraph", "lsp"]; the client adds --stdio).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("guidegraph").get("command", ["guidegraph", "lsp"]);
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "guidegraph-rules" }, { scheme: "untitled", language: "guidegraph-rules" }],
  };
  client = new LanguageClient("guidegraph", "guidegraph language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
