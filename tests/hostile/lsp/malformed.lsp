Content-Length: 119

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}Content-Length: 9

{not jsonContent-Length: 24

{"jsonrpc":"2.0","id":7}Content-Length: abc

X-Junk

ÿþ garbage line

Content-Length: 172

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 0, "character": 0}}}Content-Length: 55

{"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}Content-Length: 184

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml", "languageId": "yaml", "version": 1, "text": "survey: {}\n"}}}Content-Length: 177

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 99, "character": 99999}}}Content-Length: 49

{"jsonrpc": "2.0", "id": 5, "method": "shutdown"}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}