Content-Length: 119

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}Content-Length: 428

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml", "languageId": "yaml", "version": 1, "text": "survey: { id: t, title: T, version: \"1\" }\nchoices:\n  scale:\n    - { code: 0, value: low, label: \"0\u20135 times\" }\nsections:\n  - id: s\n    title: S\n    items:\n      - { id: q, type: single, text: \"How often \u2013 weekly?\", choices: scale }\n"}}}