"""The review page: an editor corrects translations and grows the glossary in a browser, on their own machine.

- `view`: what the page shows of an article in one language: each unit's source and translation as escaped HTML,
  with glossary terms (realized or not), forbidden renderings, agreement problems, words left untranslated and
  sources changed since review marked; plain functions over the term report and the review store's units.
- `project`: the project as the server holds it: the job (read again when an article or a glossary changes), the
  translations (again when the store changes), saving, glossary additions, the preview, the PDF, and which files
  a request may reach at all.
- `security`: loopback host, the access token and its cookie, CSRF on every write, Content-Security-Policy,
  request size limits: one ASGI middleware in front of every route.
- `app`: the Starlette routes and templates; `server`: the socket on 127.0.0.1 and uvicorn.

`translate review serve` (cli_review) is the command.
"""
