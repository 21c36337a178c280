Content-Length: 73

{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {}}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}