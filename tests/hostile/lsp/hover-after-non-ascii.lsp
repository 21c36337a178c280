Content-Length: 119

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}}Content-Length: 57

{"jsonrpc": "2.0", "method": "initialized", "params": {}}Content-Length: 428

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml", "languageId": "yaml", "version": 1, "text": "survey: { id: t, title: T, version: \"1\" }\nchoices:\n  scale:\n    - { code: 0, value: low, label: \"0\u20135 times\" }\nsections:\n  - id: s\n    title: S\n    items:\n      - { id: q, type: single, text: \"How often \u2013 weekly?\", choices: scale }\n"}}}Content-Length: 172

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 0}}}Content-Length: 177

{"jsonrpc": "2.0", "id": 3, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 0}}}Content-Length: 172

{"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 1}}}Content-Length: 177

{"jsonrpc": "2.0", "id": 5, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 1}}}Content-Length: 172

{"jsonrpc": "2.0", "id": 6, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 2}}}Content-Length: 177

{"jsonrpc": "2.0", "id": 7, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 2}}}Content-Length: 172

{"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 3}}}Content-Length: 177

{"jsonrpc": "2.0", "id": 9, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 3}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 4}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 11, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 4}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 12, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 5}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 13, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 5}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 6}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 15, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 6}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 16, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 7}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 17, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 7}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 18, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 8}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 19, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 8}}}Content-Length: 173

{"jsonrpc": "2.0", "id": 20, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 9}}}Content-Length: 178

{"jsonrpc": "2.0", "id": 21, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 9}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 22, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 10}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 23, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 10}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 24, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 11}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 25, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 11}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 26, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 12}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 27, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 12}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 28, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 13}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 29, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 13}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 30, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 14}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 31, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 14}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 32, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 15}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 33, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 15}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 34, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 16}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 35, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 16}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 36, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 17}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 37, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 17}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 38, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 18}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 39, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 18}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 40, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 19}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 41, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 19}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 42, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 20}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 43, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 20}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 44, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 21}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 45, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 21}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 46, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 22}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 47, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 22}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 48, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 23}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 49, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 23}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 50, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 24}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 51, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 24}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 52, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 25}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 53, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 25}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 54, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 26}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 55, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 26}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 56, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 27}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 57, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 27}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 58, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 28}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 59, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 28}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 60, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 29}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 61, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 29}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 62, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 30}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 63, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 30}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 64, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 31}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 65, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 31}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 66, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 32}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 67, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 32}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 68, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 33}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 69, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 33}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 70, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 34}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 71, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 34}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 72, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 35}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 73, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 35}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 74, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 36}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 75, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 36}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 76, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 37}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 77, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 37}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 78, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 38}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 79, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 38}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 80, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 39}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 81, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 39}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 82, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 40}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 83, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 40}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 84, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 41}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 85, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 41}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 86, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 42}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 87, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 42}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 88, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 43}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 89, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 43}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 90, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 44}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 91, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 44}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 92, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 45}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 93, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 45}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 94, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 46}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 95, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 46}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 96, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 47}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 97, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 47}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 98, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 48}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 99, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 48}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 100, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 49}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 101, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 49}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 102, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 50}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 103, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 3, "character": 50}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 104, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 0}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 105, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 0}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 106, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 1}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 107, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 1}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 108, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 2}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 109, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 2}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 110, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 3}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 111, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 3}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 112, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 4}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 113, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 4}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 114, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 5}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 115, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 5}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 116, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 6}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 117, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 6}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 118, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 7}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 119, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 7}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 120, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 8}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 121, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 8}}}Content-Length: 174

{"jsonrpc": "2.0", "id": 122, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 9}}}Content-Length: 179

{"jsonrpc": "2.0", "id": 123, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 9}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 124, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 10}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 125, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 10}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 126, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 11}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 127, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 11}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 128, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 12}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 129, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 12}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 130, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 13}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 131, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 13}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 132, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 14}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 133, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 14}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 134, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 15}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 135, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 15}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 136, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 16}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 137, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 16}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 138, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 17}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 139, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 17}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 140, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 18}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 141, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 18}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 142, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 19}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 143, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 19}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 144, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 20}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 145, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 20}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 146, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 21}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 147, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 21}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 148, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 22}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 149, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 22}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 150, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 23}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 151, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 23}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 152, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 24}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 153, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 24}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 154, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 25}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 155, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 25}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 156, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 26}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 157, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 26}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 158, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 27}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 159, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 27}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 160, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 28}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 161, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 28}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 162, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 29}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 163, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 29}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 164, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 30}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 165, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 30}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 166, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 31}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 167, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 31}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 168, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 32}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 169, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 32}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 170, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 33}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 171, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 33}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 172, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 34}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 173, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 34}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 174, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 35}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 175, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 35}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 176, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 36}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 177, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 36}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 178, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 37}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 179, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 37}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 180, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 38}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 181, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 38}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 182, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 39}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 183, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 39}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 184, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 40}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 185, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 40}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 186, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 41}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 187, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 41}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 188, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 42}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 189, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 42}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 190, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 43}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 191, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 43}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 192, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 44}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 193, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 44}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 194, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 45}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 195, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 45}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 196, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 46}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 197, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 46}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 198, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 47}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 199, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 47}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 200, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 48}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 201, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 48}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 202, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 49}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 203, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 49}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 204, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 50}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 205, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 50}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 206, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 51}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 207, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 51}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 208, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 52}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 209, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 52}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 210, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 53}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 211, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 53}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 212, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 54}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 213, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 54}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 214, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 55}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 215, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 55}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 216, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 56}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 217, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 56}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 218, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 57}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 219, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 57}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 220, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 58}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 221, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 58}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 222, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 59}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 223, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 59}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 224, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 60}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 225, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 60}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 226, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 61}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 227, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 61}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 228, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 62}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 229, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 62}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 230, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 63}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 231, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 63}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 232, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 64}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 233, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 64}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 234, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 65}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 235, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 65}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 236, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 66}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 237, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 66}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 238, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 67}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 239, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 67}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 240, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 68}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 241, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 68}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 242, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 69}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 243, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 69}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 244, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 70}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 245, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 70}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 246, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 71}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 247, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 71}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 248, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 72}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 249, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 72}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 250, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 73}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 251, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 73}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 252, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 74}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 253, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 74}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 254, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 75}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 255, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 75}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 256, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 76}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 257, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 76}}}Content-Length: 175

{"jsonrpc": "2.0", "id": 258, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 77}}}Content-Length: 180

{"jsonrpc": "2.0", "id": 259, "method": "textDocument/definition", "params": {"textDocument": {"uri": "file:///hostile/dash.quire.yaml"}, "position": {"line": 8, "character": 77}}}Content-Length: 51

{"jsonrpc": "2.0", "id": 260, "method": "shutdown"}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}